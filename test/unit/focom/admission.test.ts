import {
  denialMessage,
  mutateRequest,
  RequestInput,
  transportWarnings,
  validateRequest,
} from "../../../capabilities/focom/admission";
import type { FocomProvisioningRequestSpec } from "../../../api/generated/types";
import { byohParams, byohTemplateInfo, hosts, NS, ocloud, view } from "./fixtures";

type Spec = FocomProvisioningRequestSpec;
const edge = ocloud("edge-ocloud", "edge-kubeconfig");
const byoh = byohTemplateInfo();
const defaultView = view([edge, ocloud("local-cloud")], [byoh]);

/** What the API server's webhooks do: Mutate, then Validate the mutated object. */
function admit(spec: Spec, opts: { oldSpec?: Spec; v?: typeof defaultView } = {}) {
  const v = opts.v ?? defaultView;
  const mutated = mutateRequest({ namespace: NS, spec, oldSpec: opts.oldSpec }, v);
  const input: RequestInput = {
    operation: opts.oldSpec ? "UPDATE" : "CREATE",
    namespace: NS,
    name: "req",
    spec: mutated,
    oldSpec: opts.oldSpec,
  };
  const violations = validateRequest(input, v);
  return { spec: mutated, violations, message: denialMessage(violations) };
}

const canonical = (over: Spec = {}): Spec => ({
  oCloudId: "edge-ocloud",
  templateName: "byoh-workload-cluster",
  templateParameters: byohParams(),
  ...over,
});

describe("FOCOM admission: defaulting", () => {
  it("fills oCloudNamespace, templateVersion, the TemplateInfo's parameter defaults and clusterProvisioner", () => {
    const { spec, violations } = admit(canonical());
    expect(violations).toEqual([]);
    expect(spec.oCloudNamespace).toBe(NS);
    expect(spec.templateVersion).toBe("v1");
    expect(spec.templateParameters).toEqual({
      ...byohParams(),
      clusterProvisioner: "byoh",
      k8sVersion: "v1.32.0",
      podCIDR: "192.168.0.0/16",
      serviceCIDR: "10.128.0.0/12",
    });
  });

  it("never overwrites what the request gives", () => {
    const { spec } = admit(
      canonical({
        oCloudNamespace: "clusters",
        templateParameters: byohParams({ k8sVersion: "v1.31.4", podCIDR: "10.244.0.0/16" }),
      }),
    );
    expect(spec.oCloudNamespace).toBe("clusters");
    expect(spec.templateParameters).toMatchObject({
      k8sVersion: "v1.31.4",
      podCIDR: "10.244.0.0/16",
      serviceCIDR: "10.128.0.0/12",
    });
  });

  it("merges nested defaults under nested parameters", () => {
    const ti = byohTemplateInfo({
      templateParameterSchema: undefined,
      templateParameterDefaults: { caas: { cni: "calico", mtu: 1500 }, tags: ["a"] },
    });
    const { spec } = admit(canonical({ templateParameters: { caas: { mtu: 9000 }, tags: ["b"] } }), { v: view([edge], [ti]) });
    expect(spec.templateParameters).toEqual({ caas: { cni: "calico", mtu: 9000 }, tags: ["b"] });
  });

  it("does not default templateVersion when the template has several versions, and says which exist", () => {
    const v2 = byohTemplateInfo({ templateVersion: "v2" }, "byoh-v2");
    const { spec, violations } = admit(canonical(), { v: view([edge], [byoh, v2]) });
    expect(spec.templateVersion).toBeUndefined();
    expect(violations.map(x => x.message)).toEqual([
      'spec.templateVersion: required because template "byoh-workload-cluster" has several versions: v1, v2',
    ]);
  });

  it("defaults clusterProvisioner only for templates that have it", () => {
    const other = byohTemplateInfo(
      {
        templateName: "5g-ran-du",
        templateVersion: undefined,
        templateParameterSchema: undefined,
        templateParameterDefaults: { replicas: 3 },
      },
      "ran",
    );
    const { spec, violations } = admit(canonical({ templateName: "5g-ran-du", templateParameters: { namespace: "ran" } }), {
      v: view([edge], [other]),
    });
    expect(violations).toEqual([]);
    expect(spec.templateParameters).toEqual({ namespace: "ran", replicas: 3 });
    expect(spec.templateVersion).toBeUndefined();
  });
});

describe("FOCOM admission: seed 002 shape", () => {
  // Seed 002's objects verbatim (namespace aside): TemplateInfo with template/parameters, request with the refs.
  const seedTemplate = {
    metadata: { name: "edge-5g-template", namespace: NS },
    spec: {
      template: "5g-ran-du",
      parameters: { namespace: "ran-workloads", replicas: 3, cpu_request: "500m", memory_request: "1Gi" },
    },
  };
  const seedRequest: Spec = {
    ocloudRef: { name: "edge-ocloud" },
    templateRef: { name: "edge-5g-template" },
    parameters: { namespace: "ran-workloads", replicas: 3 },
  };

  it("converts seed 002's request as written into the canonical fields and removes the aliases", () => {
    const { spec, violations } = admit(seedRequest, { v: view([edge], [seedTemplate]) });
    expect(violations).toEqual([]);
    expect(spec).toEqual({
      oCloudId: "edge-ocloud",
      oCloudNamespace: NS,
      templateName: "5g-ran-du",
      templateParameters: { namespace: "ran-workloads", replicas: 3, cpu_request: "500m", memory_request: "1Gi" },
    });
  });

  it("takes templateName and templateVersion from the TemplateInfo templateRef names", () => {
    const ti = byohTemplateInfo({}, "my-byoh");
    const { spec, violations } = admit(
      { ocloudRef: { name: "edge-ocloud" }, templateRef: { name: "my-byoh" }, parameters: byohParams() },
      { v: view([edge], [ti]) },
    );
    expect(violations).toEqual([]);
    expect(spec).toMatchObject({ oCloudId: "edge-ocloud", templateName: "byoh-workload-cluster", templateVersion: "v1" });
    expect(spec).not.toHaveProperty("templateRef");
    expect(spec).not.toHaveProperty("parameters");
    expect(spec).not.toHaveProperty("ocloudRef");
  });

  it("denies a templateRef naming no TemplateInfo, listing those that exist", () => {
    const { violations } = admit({ ...seedRequest, templateRef: { name: "nope" } }, { v: view([edge], [seedTemplate]) });
    expect(violations.map(v => v.message)).toContain(
      'spec.templateRef.name: no TemplateInfo named "nope" in namespace smo; TemplateInfos: edge-5g-template',
    );
  });

  it("denies an alias that contradicts its canonical field", () => {
    const { violations } = admit({ ...canonical(), ocloudRef: { name: "local-cloud" } });
    expect(violations.map(v => v.message)).toEqual([
      'spec.ocloudRef.name "local-cloud" conflicts with spec.oCloudId "edge-ocloud"; give only one of them',
    ]);
  });

  it("accepts a re-applied seed 002 manifest: the aliases come back next to the stored canonical fields", () => {
    const stored = admit(seedRequest, { v: view([edge], [seedTemplate]) }).spec;
    const reapplied = { ...stored, ...seedRequest, parameters: { namespace: "ran-workloads", replicas: 5 } };
    const { spec, violations } = admit(reapplied, { oldSpec: stored, v: view([edge], [seedTemplate]) });
    expect(violations).toEqual([]);
    expect(spec.templateParameters).toMatchObject({ replicas: 5, cpu_request: "500m" });
    expect(spec).not.toHaveProperty("parameters");
  });

  it("denies pointing the alias at another OCloud on update, as the canonical field is immutable", () => {
    const stored = admit(canonical()).spec;
    const { violations } = admit({ ...stored, ocloudRef: { name: "local-cloud" } }, { oldSpec: stored });
    expect(violations.map(v => v.message)).toEqual([
      'spec.oCloudId is immutable: it was "edge-ocloud", the update says "local-cloud"; create a new request instead',
    ]);
  });
});

describe("FOCOM admission: references", () => {
  it("denies an unknown OCloud, listing the known ones", () => {
    const { violations } = admit(canonical({ oCloudId: "mars" }));
    expect(violations.map(v => v.message)).toEqual([
      'spec.oCloudId: no OCloud named "mars" in namespace smo; known OClouds: edge-ocloud, local-cloud',
    ]);
  });

  it("denies a missing oCloudId and templateName with what would be valid", () => {
    const { violations } = admit({ templateParameters: {} }, { v: view([], [byoh]) });
    expect(violations.map(v => v.message)).toEqual([
      "spec.oCloudId: required: the name of an OCloud in namespace smo; known OClouds: (none)",
      "spec.templateName: required (or spec.templateRef.name naming a TemplateInfo)",
    ]);
  });

  it("denies an unknown template name or version, saying which exist", () => {
    expect(admit(canonical({ templateName: "gpu" })).violations.map(v => v.message)).toEqual([
      'spec.templateName: no TemplateInfo for template "gpu" in namespace smo; available templates: byoh-workload-cluster/v1',
    ]);
    expect(admit(canonical({ templateVersion: "v9" })).violations.map(v => v.message)).toEqual([
      'spec.templateVersion: template "byoh-workload-cluster" has no version "v9" in namespace smo; available versions: v1',
    ]);
  });
});

describe("FOCOM admission: parameters", () => {
  it("reports every schema error with its path", () => {
    const params = {
      clusterName: "edge",
      clusterProvisioner: "kubespray",
      color: "blue",
      hosts: { masters: [{ hostId: 1, hostName: 7 }], workers: [{ hostName: "w" }] },
    };
    const messages = admit(canonical({ templateParameters: params })).violations.map(v => v.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'spec.templateParameters.color: unknown parameter "color": the template does not define it',
        'spec.templateParameters.clusterProvisioner: clusterProvisioner must be one of "byoh"',
        "spec.templateParameters.hosts.masters[0].hostName: hosts.masters[0].hostName must be of type string",
        "spec.templateParameters.hosts.workers[0].hostId: hosts.workers[0].hostId is required",
      ]),
    );
    // The BYOH rules yield to the schema on the same field: one problem, one message.
    expect(messages.filter(m => m.includes("hosts.masters[0].hostName"))).toHaveLength(1);
  });

  it("applies the BYOH host rules: counts, duplicates, IPs, names", () => {
    const params = {
      clusterName: "Edge_1",
      hosts: {
        masters: [
          { hostId: 1, hostName: "target-1", hostIp: "10.10.0.1" },
          { hostId: 2, hostName: "target-1", hostIp: "10.10.0.300" },
        ],
        workers: [{ hostId: 1, hostName: "target-3", hostIp: "10.10.0.3" }],
      },
    };
    const byField = Object.fromEntries(
      admit(canonical({ templateParameters: params })).violations.map(v => [v.field, v.message]),
    );
    expect(byField["spec.templateParameters.clusterName"]).toMatch(
      /^spec\.templateParameters\.clusterName: clusterName "Edge_1" must be a DNS-1123 label/,
    );
    expect(byField["spec.templateParameters.hosts.masters"]).toMatch(/odd number of hosts/);
    expect(byField["spec.templateParameters.hosts.masters[1].hostName"]).toMatch(/also used by hosts\.masters\[0\]/);
    expect(byField["spec.templateParameters.hosts.masters[1].hostIp"]).toMatch(/must be a valid IPv4 or IPv6 address/);
    expect(byField["spec.templateParameters.hosts.workers[0].hostId"]).toMatch(/also used by hosts\.masters\[0\]/);
  });

  it("checks k8sVersion support only when the TemplateInfo lists versions", () => {
    expect(admit(canonical({ templateParameters: byohParams({ k8sVersion: "v1.99.0" }) })).violations).toEqual([]);
    const listed = byohTemplateInfo();
    const props = (listed.spec!.templateParameterSchema as { properties: Record<string, Record<string, unknown>> }).properties;
    props.k8sVersion.enum = ["v1.31.4", "v1.32.0"];
    const { violations } = admit(canonical({ templateParameters: byohParams({ k8sVersion: "v1.99.0" }) }), {
      v: view([edge], [listed]),
    });
    expect(violations.map(v => v.message)).toEqual([
      'spec.templateParameters.k8sVersion: k8sVersion must be one of "v1.31.4", "v1.32.0"',
    ]);
    expect(admit(canonical({ templateParameters: byohParams({ k8sVersion: "1.32" }) })).violations.map(v => v.rule)).toEqual([
      "k8s-version-format",
    ]);
  });

  it("denies templateParameters that are not an object", () => {
    const { violations } = admit(canonical({ templateParameters: ["x"] as unknown as Record<string, unknown> }));
    expect(violations.map(v => v.message)).toEqual(["spec.templateParameters: must be an object"]);
  });
});

describe("FOCOM admission: updates", () => {
  const stored = admit(canonical()).spec;

  it.each([
    ["oCloudId", "local-cloud"],
    ["oCloudNamespace", "elsewhere"],
    ["templateName", "byoh-workload-cluster-2"],
    ["templateVersion", "v2"],
  ] as const)("denies a change of %s, saying it is immutable", (field, value) => {
    const twin = byohTemplateInfo({ templateName: "byoh-workload-cluster-2" }, "twin");
    const v2 = byohTemplateInfo({ templateVersion: "v2" }, "v2");
    const { violations } = admit(
      { ...stored, [field]: value },
      { oldSpec: stored, v: view([edge, ocloud("local-cloud")], [byoh, twin, v2]) },
    );
    expect(violations.map(v => v.message)).toContain(
      `spec.${field} is immutable: it was "${stored[field]}", the update says "${value}"; create a new request instead`,
    );
  });

  it("passes templateParameters changes through (scale, upgrade): the O-Cloud decides", () => {
    const scaled = {
      ...stored,
      templateParameters: { ...stored.templateParameters, hosts: hosts([1], [2, 3]), k8sVersion: "v1.33.1" },
    };
    expect(admit(scaled, { oldSpec: stored }).violations).toEqual([]);
    // Even a change the O-Cloud will refuse (a master added) is FOCOM's to pass, as long as the rules hold.
    const masters = { ...stored, templateParameters: { ...stored.templateParameters, hosts: hosts([1, 4, 5], [2]) } };
    expect(admit(masters, { oldSpec: stored }).violations).toEqual([]);
  });

  it("admits an update that leaves the spec alone even when its references are gone (finalizer release)", () => {
    expect(admit(stored, { oldSpec: stored, v: view([], []) }).violations).toEqual([]);
  });
});

describe("transport warnings", () => {
  const rest = { ...edge, spec: { o2ims: { url: "https://o2ims.example", tokenSecretRef: { name: "t" } } } };

  it("name spec.oCloudNamespace chosen for a REST OCloud, whose O2 IMS server decides the namespace", () => {
    expect(transportWarnings({ oCloudNamespace: "o2ims" }, rest, NS)).toEqual([
      expect.stringMatching(/^spec\.oCloudNamespace: OCloud edge-ocloud is reached over O2 IMS REST, .*"o2ims" is not sent/),
    ]);
  });

  it("say nothing when it is unset or Mutate's default, or the OCloud is reached by kubeconfig (where it chooses)", () => {
    expect(transportWarnings({}, rest, NS)).toEqual([]);
    expect(transportWarnings({ oCloudNamespace: NS }, rest, NS)).toEqual([]);
    expect(transportWarnings({ oCloudNamespace: "o2ims" }, edge, NS)).toEqual([]);
  });
});
