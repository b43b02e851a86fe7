/**
 * The generator's output against the upstream CRD schemas with unknown fields rejected: what a real API server
 * would prune silently (a misspelt field) fails here.
 */
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../../../api/generated/types";
import type { KubeObject } from "../../../kube/types";
import { generateCluster } from "../../../generators/byoh-cluster";
import { applyDefaults, validateParameters } from "../../../generators/parameters";
import { crdSets, loadValidators, schemaErrors } from "./crd-schema";
import { clusterParams, defaultTemplate, seedParams } from "./fixtures";

const INSTALLER = { bundleRepo: "projects.registry.vmware.com/cluster_api_provider_bringyourownhost", bundleType: "k8s" };

const requests: [string, ByohTemplateParameters, Partial<ClusterTemplateSpec>][] = [
  ["seed 000 example", seedParams(), {}],
  ["1 master, no worker, installer", clusterParams(1, 0), { installer: INSTALLER }],
  ["3 masters, 5 workers", clusterParams(3, 5), {}],
  [
    "5 masters, 2 workers, installer, custom port",
    clusterParams(5, 2, { k8sVersion: "v1.33.1" }),
    { installer: INSTALLER, controlPlaneEndpointPort: 8443 },
  ],
  [
    "IPv6",
    clusterParams(1, 1, { controlPlaneEndpoint: "2001:db8::100", podCIDR: "fd00:10::/56", serviceCIDR: "fd00:20::/108" }),
    {},
  ],
  [
    "CNI from a Secret and a ConfigMap, Reconcile",
    clusterParams(1, 1),
    {
      cni: {
        mode: "ClusterResourceSet",
        resources: [
          { kind: "Secret", name: "cni" },
          { kind: "ConfigMap", name: "cni-extra" },
        ],
        strategy: "Reconcile",
      },
    },
  ],
  [
    "Kubernetes 1.28 (no super-admin commands)",
    clusterParams(1, 1, { k8sVersion: "v1.28.9" }),
    { supportedK8sVersions: ["v1.28.9"] },
  ],
];

function generate(params: ByohTemplateParameters, overrides: Partial<ClusterTemplateSpec>): KubeObject[] {
  const template = { ...defaultTemplate(), ...overrides };
  const defaulted = applyDefaults(params, template);
  expect(validateParameters(defaulted, template, { namespace: "o2ims" })).toEqual([]);
  return generateCluster({
    name: "edge-request",
    namespace: "o2ims",
    uid: "0b6f3d5e-1c1a-4e0e-9a43-1d2a4c7f9e21",
    params: defaulted,
    template,
  });
}

describe.each(crdSets().map(set => [set.name, set] as const))("upstream CRDs: %s", (_, set) => {
  const validators = loadValidators(set);

  test.each(requests)("%s validates", (_, params, overrides) => {
    const objs = generate(params, overrides);
    expect(objs.flatMap(o => schemaErrors(validators, o))).toEqual([]);
  });

  describe("strictness of the check itself", () => {
    const objs = generate(clusterParams(1, 1), { installer: INSTALLER });
    const find = (kind: string) =>
      structuredClone(objs.find(o => o.kind === kind)!) as KubeObject & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

    test("a misspelt ByoMachineTemplate selector (spec.template.spec.selectr) fails", () => {
      const bmt = find("ByoMachineTemplate");
      bmt.spec.template.spec.selectr = bmt.spec.template.spec.selector;
      delete bmt.spec.template.spec.selector;
      expect(schemaErrors(validators, bmt).join("\n")).toMatch(/additional properties.*selectr/);
    });

    test("an unknown field deep in the KubeadmControlPlane fails", () => {
      const kcp = find("KubeadmControlPlane");
      kcp.spec.kubeadmConfigSpec.initConfiguration.nodeRegistration.criSockett = "x";
      expect(schemaErrors(validators, kcp).length).toBeGreaterThan(0);
    });

    test("a wrong type and a missing required field fail", () => {
      const md = find("MachineDeployment");
      md.spec.replicas = "one";
      delete md.spec.clusterName;
      expect(schemaErrors(validators, md).length).toBeGreaterThanOrEqual(2);
    });

    test("a ClusterResourceSet with an unknown resource kind fails", () => {
      const crs = structuredClone(generate(clusterParams(1, 0), {}).find(o => o.kind === "ClusterResourceSet")!) as KubeObject & {
        spec: { resources: { kind: string }[] };
      };
      crs.spec.resources[0].kind = "Deployment";
      expect(schemaErrors(validators, crs).length).toBeGreaterThan(0);
    });

    test("int-or-string fields accept both forms", () => {
      const md = find("MachineDeployment");
      md.spec.strategy.rollingUpdate = { maxSurge: "0%", maxUnavailable: 1 };
      expect(schemaErrors(validators, md)).toEqual([]);
    });
  });
});
