import type { ByohTemplateParameters, ClusterTemplateSpec } from "../../../api/generated/types";
import { applyDefaults, validateParameters, validateUpdate, Violation } from "../../../generators/parameters";
import { hostIdSegment } from "../../../generators/names";
import { clusterParams, defaultTemplate, host, seedParams } from "./fixtures";

const PREFIX = "spec.templateParameters";
const opts = { namespace: "default" };

/** The template without its JSON Schema, so the built-in rules are exercised on their own. */
const schemaless = (): ClusterTemplateSpec => ({ ...defaultTemplate(), parameterSchema: undefined });

const validate = (params: unknown, template = defaultTemplate()) =>
  validateParameters(applyDefaults(params, template), template, opts);

/** Asserts exactly one violation of that rule on that field, whose message names the field. */
function expectViolation(vs: Violation[], path: string, rule: string): Violation {
  const matching = vs.filter(v => v.field === `${PREFIX}.${path}` && v.rule === rule);
  if (matching.length !== 1) throw new Error(`expected one ${rule} on ${path}, got: ${JSON.stringify(vs, null, 1)}`);
  expect(matching[0].message).toContain(path);
  return matching[0];
}

const withParams = (patch: (p: ByohTemplateParameters) => void, base = clusterParams(1, 1)) => {
  patch(base);
  return base;
};

describe("valid parameters", () => {
  test.each([
    ["seed 000 example with a VIP", seedParams()],
    ["3 masters, 5 workers", clusterParams(3, 5)],
    [
      "IPv6 addresses and networks",
      clusterParams(1, 1, { controlPlaneEndpoint: "2001:db8::100", podCIDR: "fd00:10::/56", serviceCIDR: "fd00:20::/108" }),
    ],
    ["endpoint from the first master's hostIp", withParams(p => delete p.controlPlaneEndpoint)],
  ])("%s", (_, params) => {
    expect(validate(params)).toEqual([]);
    expect(validate(params, schemaless())).toEqual([]);
  });
});

describe("each rule rejects and accepts", () => {
  test("clusterName required", () => {
    const p = withParams(p => delete (p as Partial<ByohTemplateParameters>).clusterName);
    expectViolation(validate(p), "clusterName", "required");
    expectViolation(validate(p, schemaless()), "clusterName", "required");
  });

  test("clusterName is a DNS-1123 label", () => {
    for (const bad of ["Edge", "edge_1", "-edge", "edge.site"]) {
      expectViolation(validate(clusterParams(1, 0, { clusterName: bad })), "clusterName", "dns1123-label");
    }
    expect(validate(clusterParams(1, 0, { clusterName: "edge-1" }))).toEqual([]);
  });

  test("clusterName leaves room for BYOH's byomachine-name label", () => {
    // Tightest label for one worker "w1" in "default": "default." + <c> + "-worker-w1" + "-xxxxx-xxxxx" (MachineSet + Machine).
    const limit = 63 - "default.".length - "-worker-w1".length - "-xxxxx-xxxxx".length;
    const name = (n: number) => "c".repeat(n);
    expect(validate(clusterParams(1, 1, { clusterName: name(limit) }))).toEqual([]);
    const v = expectViolation(validate(clusterParams(1, 1, { clusterName: name(limit + 1) })), "clusterName", "name-length");
    expect(v.message).toContain(`at most ${limit} characters`);
    expect(v.message).toContain("byoh.infrastructure.cluster.x-k8s.io/byomachine-name");
    // Without workers the control plane limits: "<ns>." + <c> + "-control-plane" + "-xxxxx".
    const cpLimit = 63 - "default.".length - "-control-plane".length - "-xxxxx".length;
    expect(validate(clusterParams(1, 0, { clusterName: name(cpLimit) }))).toEqual([]);
    expectViolation(validate(clusterParams(1, 0, { clusterName: name(cpLimit + 1) })), "clusterName", "name-length");
    // A longer namespace leaves less room.
    const inLongNs = validateParameters(clusterParams(1, 0, { clusterName: name(cpLimit) }), defaultTemplate(), {
      namespace: "default-x",
    });
    expectViolation(inLongNs, "clusterName", "name-length");
  });

  test("clusterProvisioner must be byoh", () => {
    expectViolation(validate(clusterParams(1, 0, { clusterProvisioner: "metal3" as "byoh" })), "clusterProvisioner", "enum");
    expectViolation(
      validate(clusterParams(1, 0, { clusterProvisioner: "metal3" as "byoh" }), schemaless()),
      "clusterProvisioner",
      "provisioner",
    );
    expect(validate(clusterParams(1, 0, { clusterProvisioner: "byoh" }))).toEqual([]);
  });

  test("at least one master", () => {
    expectViolation(validate(clusterParams(0, 1)), "hosts.masters", "masters-required");
    expectViolation(
      validate(
        withParams(p => delete (p.hosts as Partial<ByohTemplateParameters["hosts"]>).masters),
        schemaless(),
      ),
      "hosts.masters",
      "masters-required",
    );
    expectViolation(
      validate(
        withParams(p => delete (p as Partial<ByohTemplateParameters>).hosts),
        schemaless(),
      ),
      "hosts",
      "required",
    );
  });

  test("odd number of masters", () => {
    expectViolation(validate(clusterParams(2, 0)), "hosts.masters", "masters-odd");
    expectViolation(validate(clusterParams(4, 0)), "hosts.masters", "masters-odd");
    expect(validate(clusterParams(3, 0))).toEqual([]);
  });

  test("hostId unique across both roles, whatever its type", () => {
    const p = clusterParams(1, 2);
    p.hosts.workers![1].hostId = "m1";
    expectViolation(validate(p), "hosts.workers[1].hostId", "host-id-unique");
    const q = seedParams();
    q.hosts.workers![0].hostId = "3"; // the master's hostId is the integer 3
    expectViolation(validate(q), "hosts.workers[0].hostId", "host-id-unique");
    expect(validate(clusterParams(1, 2))).toEqual([]);
  });

  test("hostName unique across both roles", () => {
    const p = clusterParams(1, 1);
    p.hosts.workers![0].hostName = p.hosts.masters[0].hostName;
    expectViolation(validate(p), "hosts.workers[0].hostName", "host-name-unique");
  });

  test("hostName is a DNS-1123 subdomain", () => {
    for (const bad of ["Target-3", "target_3", "target-3.", "-x"]) {
      const p = clusterParams(1, 1);
      p.hosts.workers![0].hostName = bad;
      expectViolation(validate(p), "hosts.workers[0].hostName", "dns1123-subdomain");
    }
    const ok = clusterParams(1, 1);
    ok.hosts.workers![0].hostName = "rack1.node-7";
    expect(validate(ok)).toEqual([]);
  });

  test("hostId is a label value", () => {
    for (const bad of ["-1", "a b", "x".repeat(64), "id/1", -3]) {
      const p = clusterParams(1, 1);
      p.hosts.workers![0].hostId = bad;
      expectViolation(validate(p), "hosts.workers[0].hostId", "label-value");
    }
    for (const good of ["Node_1.A", "x".repeat(63), 42]) {
      const p = clusterParams(1, 1);
      p.hosts.workers![0].hostId = good;
      expect(validate(p)).toEqual([]);
    }
  });

  test("hostId and hostName are required and typed", () => {
    const p = clusterParams(1, 1) as unknown as { hosts: { workers: Record<string, unknown>[] } };
    delete p.hosts.workers[0].hostId;
    p.hosts.workers[0].hostName = 7;
    expectViolation(validate(p, schemaless()), "hosts.workers[0].hostId", "required");
    expectViolation(validate(p, schemaless()), "hosts.workers[0].hostName", "type");
    expectViolation(validate(p), "hosts.workers[0].hostId", "required");
    const q = clusterParams(1, 1) as unknown as { hosts: { workers: Record<string, unknown>[] } };
    q.hosts.workers[0].hostId = 1.5;
    expectViolation(validate(q), "hosts.workers[0].hostId", "type");
    expectViolation(validate(q, schemaless()), "hosts.workers[0].hostId", "type");
  });

  test("hostIp is an IPv4 or IPv6 address", () => {
    for (const bad of ["10.0.0.256", "01.2.3.4", "10.0.0", "fe80::1%eth0", "1::2::3", "target-3.example.com"]) {
      const p = clusterParams(1, 1);
      p.hosts.workers![0].hostIp = bad;
      expectViolation(validate(p), "hosts.workers[0].hostIp", "ip");
    }
    for (const good of ["10.0.0.1", "2001:db8::7", "::ffff:10.0.0.1"]) {
      const p = clusterParams(1, 1);
      p.hosts.workers![0].hostIp = good;
      expect(validate(p)).toEqual([]);
    }
  });

  test("controlPlaneEndpoint is an IP address", () => {
    expectViolation(validate(clusterParams(1, 0, { controlPlaneEndpoint: "api.edge.example" })), "controlPlaneEndpoint", "ip");
    expect(validate(clusterParams(1, 0, { controlPlaneEndpoint: "2001:db8::1" }))).toEqual([]);
  });

  test("controlPlaneEndpoint is required when the first master has no hostIp", () => {
    const p = withParams(p => {
      delete p.controlPlaneEndpoint;
      delete p.hosts.masters[0].hostIp;
    });
    expectViolation(validate(p), "controlPlaneEndpoint", "endpoint-required");
    expectViolation(validateParameters(p, defaultTemplate(), opts), "controlPlaneEndpoint", "endpoint-required");
    expect(validate({ ...p, controlPlaneEndpoint: "172.16.4.100" })).toEqual([]);
  });

  test("podCIDR and serviceCIDR are CIDRs", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0.1/8", "10.0.0.0", "10.0.0.0/08", "fd00::/129", "abc/8"]) {
      expectViolation(validate(clusterParams(1, 0, { podCIDR: bad })), "podCIDR", "cidr");
      expectViolation(validate(clusterParams(1, 0, { serviceCIDR: bad })), "serviceCIDR", "cidr");
    }
    expect(validate(clusterParams(1, 0, { podCIDR: "10.244.0.0/16", serviceCIDR: "10.96.0.0/12" }))).toEqual([]);
  });

  test("podCIDR and serviceCIDR do not overlap", () => {
    expectViolation(
      validate(clusterParams(1, 0, { podCIDR: "10.0.0.0/8", serviceCIDR: "10.96.0.0/12" })),
      "serviceCIDR",
      "cidr-overlap",
    );
    // Against the template default podCIDR 192.168.0.0/16 too.
    expectViolation(validate(clusterParams(1, 0, { serviceCIDR: "192.168.128.0/20" })), "serviceCIDR", "cidr-overlap");
    expect(validate(clusterParams(1, 0, { podCIDR: "10.0.0.0/9", serviceCIDR: "10.128.0.0/12" }))).toEqual([]);
  });

  test("the control-plane endpoint and host addresses lie outside the cluster networks", () => {
    expectViolation(
      validate(clusterParams(1, 0, { controlPlaneEndpoint: "10.128.0.10" })),
      "controlPlaneEndpoint",
      "address-in-cidr",
    );
    const p = clusterParams(1, 1);
    p.hosts.workers![0].hostIp = "192.168.1.20"; // inside the default podCIDR
    expectViolation(validate(p), "hosts.workers[0].hostIp", "address-in-cidr");
    expect(validate(clusterParams(1, 1, { podCIDR: "10.244.0.0/16", controlPlaneEndpoint: "192.168.1.5" }))).toEqual([]);
  });

  test("k8sVersion looks like vX.Y.Z", () => {
    for (const bad of ["1.32.0", "v1.32", "v1.32.0-rc.1"]) {
      expectViolation(validate(clusterParams(1, 0, { k8sVersion: bad })), "k8sVersion", "k8s-version-format");
    }
  });

  test("k8sVersion is supported by the template, and the message lists the supported ones", () => {
    const template = defaultTemplate();
    const v = expectViolation(validate(clusterParams(1, 0, { k8sVersion: "v1.30.0" })), "k8sVersion", "k8s-version-supported");
    for (const supported of template.supportedK8sVersions) expect(v.message).toContain(supported);
    for (const supported of template.supportedK8sVersions)
      expect(validate(clusterParams(1, 0, { k8sVersion: supported }))).toEqual([]);
  });

  test("unknown parameter keys are rejected at every level, naming the key", () => {
    const p = clusterParams(1, 1) as unknown as Record<string, unknown> & {
      hosts: Record<string, unknown> & { masters: Record<string, unknown>[] };
    };
    p.nodeCount = 3;
    p.hosts.spares = [];
    p.hosts.masters[0].ip = "10.0.0.1";
    for (const template of [defaultTemplate(), schemaless()]) {
      const vs = validate(p, template);
      expect(expectViolation(vs, "nodeCount", "unknown-parameter").message).toContain('"nodeCount"');
      expectViolation(vs, "hosts.spares", "unknown-parameter");
      expectViolation(vs, "hosts.masters[0].ip", "unknown-parameter");
    }
  });

  test("distinct hostIds that would give the same worker names are rejected", () => {
    const p = clusterParams(1, 2);
    p.hosts.workers![0].hostId = "Rack_A";
    p.hosts.workers![1].hostId = hostIdSegment("Rack_A"); // a raw id spelled like the other one's derived name
    expectViolation(validate(p), "hosts.workers[1].hostId", "worker-name-unique");
    p.hosts.workers![1].hostId = "rack-a";
    expect(validate(p)).toEqual([]);
  });

  test("templateParameters must be an object", () => {
    for (const template of [defaultTemplate(), schemaless()]) {
      const vs = validateParameters("edge", template, opts);
      expect(vs.some(v => v.field === PREFIX && v.rule === "type")).toBe(true);
    }
  });
});

describe("the template's JSON Schema", () => {
  const withSchema = (extra: Record<string, unknown>): ClusterTemplateSpec => {
    const t = defaultTemplate();
    const schema = t.parameterSchema as { properties: Record<string, Record<string, unknown>> };
    schema.properties.clusterName = { ...schema.properties.clusterName, ...extra };
    return t;
  };

  test("a schema constraint is reported with its path", () => {
    const template = withSchema({ pattern: "^site-" });
    expectViolation(validate(clusterParams(1, 0, { clusterName: "edge" }), template), "clusterName", "pattern");
    expect(validate(clusterParams(1, 0, { clusterName: "site-7" }), template)).toEqual([]);
  });

  test("a field reported by the schema is not reported again by a rule", () => {
    const template = withSchema({ maxLength: 5 });
    const vs = validate(clusterParams(1, 0, { clusterName: "Not_A_Label" }), template);
    expect(vs.filter(v => v.field === `${PREFIX}.clusterName`)).toHaveLength(1);
    expect(vs[0].rule).toBe("maxLength");
    const typed = validate(clusterParams(1, 0, { clusterName: 7 as unknown as string }));
    expect(typed.filter(v => v.field === `${PREFIX}.clusterName`).map(v => v.rule)).toEqual(["type"]);
  });

  test("a schema that cannot be compiled is reported, not thrown", () => {
    const template = {
      ...defaultTemplate(),
      parameterSchema: { type: "object", properties: { clusterName: { type: "no-such-type" } } },
    };
    expect(validate(clusterParams(1, 0), template).map(v => v.rule)).toContain("schema-invalid");
  });

  test("fieldPrefix locates the parameters in another request shape", () => {
    const vs = validateParameters(clusterParams(1, 0, { clusterName: "Edge" }), defaultTemplate(), {
      ...opts,
      fieldPrefix: "spec.parameters",
    });
    expect(vs.map(v => v.field)).toEqual(["spec.parameters.clusterName"]);
  });
});

describe("applyDefaults", () => {
  const template = defaultTemplate();

  test("fills what is absent from the template and the first master", () => {
    const p = applyDefaults({ clusterName: "edge", hosts: { masters: [host(3, "10.0.0.3")] } }, template);
    expect(p).toMatchObject({
      clusterProvisioner: template.defaults.clusterProvisioner,
      k8sVersion: template.defaults.k8sVersion,
      podCIDR: template.defaults.podCIDR,
      serviceCIDR: template.defaults.serviceCIDR,
      controlPlaneEndpoint: "10.0.0.3",
    });
  });

  test("keeps given values, replaces nulls, turns integer hostIds into strings", () => {
    const given = { ...seedParams(), podCIDR: "10.244.0.0/16", serviceCIDR: null, k8sVersion: "v1.31.4" };
    const p = applyDefaults(given, template);
    expect(p.podCIDR).toBe("10.244.0.0/16");
    expect(p.serviceCIDR).toBe(template.defaults.serviceCIDR);
    expect(p.k8sVersion).toBe("v1.31.4");
    expect(p.controlPlaneEndpoint).toBe("172.16.4.100");
    expect(p.hosts.masters[0].hostId).toBe("3");
    expect(p.hosts.workers![0].hostId).toBe("4");
  });

  test("does not mutate its input and is idempotent", () => {
    const input = seedParams();
    const before = JSON.stringify(input);
    const once = applyDefaults(input, template);
    expect(JSON.stringify(input)).toBe(before);
    expect(applyDefaults(once, template)).toEqual(once);
  });

  test("leaves non-integer hostIds and garbage for validation", () => {
    const p = applyDefaults({ clusterName: "e", hosts: { masters: [{ hostId: 1.5, hostName: "a" }] } }, template);
    expect(p.hosts.masters[0].hostId).toBe(1.5);
    expect(applyDefaults("garbage", template)).toMatchObject({ k8sVersion: template.defaults.k8sVersion });
  });
});

describe("validateUpdate", () => {
  const template = defaultTemplate();
  const update = (before: unknown, after: unknown) => validateUpdate(before, after, template, opts);
  const base = () => clusterParams(3, 2, { k8sVersion: "v1.32.0" });

  test("workers may be added and removed", () => {
    const more = base();
    more.hosts.workers!.push(host("w9", "172.16.4.99"));
    expect(update(base(), more)).toEqual([]);
    const fewer = base();
    fewer.hosts.workers = [];
    expect(update(base(), fewer)).toEqual([]);
  });

  test("the order of masters does not matter", () => {
    const reordered = base();
    reordered.hosts.masters.reverse();
    expect(update(base(), reordered)).toEqual([]);
  });

  test("k8sVersion may be raised by a patch or one minor version", () => {
    expect(update(base(), { ...base(), k8sVersion: "v1.32.4" })).toEqual([]);
    expect(update(base(), { ...base(), k8sVersion: "v1.33.1" })).toEqual([]);
  });

  test("k8sVersion may not be downgraded", () => {
    expectViolation(update(base(), { ...base(), k8sVersion: "v1.31.4" }), "k8sVersion", "k8s-downgrade");
    expectViolation(update({ ...base(), k8sVersion: "v1.32.4" }, base()), "k8sVersion", "k8s-downgrade");
  });

  test("k8sVersion may not be raised on a control plane of fewer than 3 masters (the rollout would need a spare host)", () => {
    const single = () => clusterParams(1, 1, { k8sVersion: "v1.32.0" });
    const v = expectViolation(update(single(), { ...single(), k8sVersion: "v1.32.4" }), "k8sVersion", "upgrade-needs-3-masters");
    expect(v.message).toContain("control plane of 1 master(s)");
    expect(update(single(), single())).toEqual([]);
  });

  test("k8sVersion may not skip a minor version", () => {
    expectViolation(
      update({ ...base(), k8sVersion: "v1.31.4" }, { ...base(), k8sVersion: "v1.33.1" }),
      "k8sVersion",
      "k8s-minor-skip",
    );
  });

  test.each([
    ["clusterName", { clusterName: "edge2" }],
    ["controlPlaneEndpoint", { controlPlaneEndpoint: "172.16.4.101" }],
    ["podCIDR", { podCIDR: "10.244.0.0/16" }],
    ["serviceCIDR", { serviceCIDR: "10.96.0.0/12" }],
    ["clusterProvisioner", { clusterProvisioner: "other" }],
  ])("%s is immutable", (field, change) => {
    const v = expectViolation(update(base(), { ...base(), ...change }), field, "immutable");
    expect(v.message).toMatch(new RegExp(`^${field} is immutable: `));
  });

  test("a defaulted value equal to the given one is no change", () => {
    const explicit = { ...base(), podCIDR: template.defaults.podCIDR };
    expect(update(base(), explicit)).toEqual([]);
  });

  test("the masters list is immutable", () => {
    const added = clusterParams(5, 2, { k8sVersion: "v1.32.0" });
    expect(expectViolation(update(base(), added), "hosts.masters", "immutable").message).toMatch(
      /^hosts\.masters is immutable: /,
    );
    const renamed = base();
    renamed.hosts.masters[1].hostName = "other-host";
    expectViolation(update(base(), renamed), "hosts.masters", "immutable");
  });

  test("an existing worker cannot be changed in place", () => {
    const changed = base();
    changed.hosts.workers![1].hostName = "other-host";
    expectViolation(update(base(), changed), "hosts.workers[1]", "immutable");
  });

  test("the new parameters must be valid too", () => {
    const bad = base();
    bad.hosts.workers!.push(host("w9", "not-an-ip"));
    expectViolation(update(base(), bad), "hosts.workers[2].hostIp", "ip");
  });
});
