import {
  CAPI_CLUSTER_NAME_LABEL,
  O2IMS_REQUEST_ANNOTATION,
  O2IMS_REQUEST_NAMESPACE_LABEL,
  O2IMS_REQUEST_NAME_LABEL,
  O2IMS_REQUEST_UID_LABEL,
} from "../../../api/vocabulary";
import yaml from "js-yaml";
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../../../api/generated/types";
import type { KubeObject } from "../../../kube/types";
import { generateCluster, GENERATED_KINDS, objectKey } from "../../../generators/byoh-cluster";
import { isDns1123Subdomain, isLabelValue } from "../../../generators/formats";
import { INTERFACE_PLACEHOLDER } from "../../../generators/kube-vip";
import { maxClusterNameLength } from "../../../generators/names";
import { applyDefaults, validateParameters } from "../../../generators/parameters";
import { clusterParams, defaultTemplate, seedParams } from "./fixtures";

const UID = "0b6f3d5e-1c1a-4e0e-9a43-1d2a4c7f9e21";
const INSTALLER = { bundleRepo: "registry.example/byoh", bundleType: "k8s" };

/** Generates from valid parameters only: a test that feeds invalid ones is a broken test. */
function generate(
  params: ByohTemplateParameters,
  template: ClusterTemplateSpec = defaultTemplate(),
  namespace = "o2ims",
): KubeObject[] {
  const defaulted = applyDefaults(params, template);
  expect(validateParameters(defaulted, template, { namespace })).toEqual([]);
  return generateCluster({ name: "edge-request", namespace, uid: UID, params: defaulted, template });
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject) => o.spec as Any;
const ofKind = (objs: KubeObject[], kind: string) => objs.filter(o => o.kind === kind);
const one = (objs: KubeObject[], kind: string) => {
  const found = ofKind(objs, kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const kindCounts = (objs: KubeObject[]) =>
  objs.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind!]: (acc[o.kind!] ?? 0) + 1 }), {});

/** Every {apiVersion, kind, name, namespace} reference inside the objects. */
function refsOf(value: unknown, out: Any[] = []): Any[] {
  if (Array.isArray(value)) value.forEach(v => refsOf(v, out));
  else if (value && typeof value === "object") {
    const v = value as Any;
    if (typeof v.kind === "string" && typeof v.name === "string" && typeof v.apiVersion === "string" && !v.metadata) out.push(v);
    Object.values(v).forEach(x => refsOf(x, out));
  }
  return out;
}

describe("object set", () => {
  for (const masters of [1, 3]) {
    for (let workers = 0; workers <= 5; workers++) {
      for (const installer of [undefined, INSTALLER]) {
        test(`${masters} master(s), ${workers} worker(s), installer ${installer ? "on" : "off"}`, () => {
          const template = { ...defaultTemplate(), installer };
          const objs = generate(clusterParams(masters, workers), template);
          const expected: Record<string, number> = {
            Cluster: 1,
            ByoCluster: 1,
            KubeadmControlPlane: 1,
            ByoMachineTemplate: 1 + workers,
            ClusterResourceSet: 1, // the default template's Calico CNI
            ...(workers ? { MachineDeployment: workers, KubeadmConfigTemplate: 1 } : {}),
            ...(installer ? { K8sInstallerConfigTemplate: workers ? 2 : 1 } : {}),
          };
          expect(kindCounts(objs)).toEqual(expected);

          const kcp = one(objs, "KubeadmControlPlane");
          expect(spec(kcp).replicas).toBe(masters);
          expect(spec(kcp).rolloutStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: masters >= 3 ? 0 : 1 } });

          // Every reference resolves to a generated object in the same namespace.
          const keys = new Set(objs.map(objectKey));
          for (const ref of refsOf(objs.map(o => o.spec))) {
            expect(keys).toContain(
              objectKey({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }),
            );
          }
          // installerRef on every ByoMachineTemplate exactly when the template has an installer.
          for (const bmt of ofKind(objs, "ByoMachineTemplate")) {
            expect(spec(bmt).template.spec.installerRef !== undefined).toBe(installer !== undefined);
          }
        });
      }
    }
  }
});

describe("host pinning", () => {
  test("the control plane selects exactly the masters' hostIds, each worker its own host", () => {
    const objs = generate(clusterParams(3, 2));
    const cp = objs.find(o => o.kind === "ByoMachineTemplate" && o.metadata.name === "edge-control-plane")!;
    expect(spec(cp).template.spec.selector).toEqual({
      matchExpressions: [{ key: "host-id", operator: "In", values: ["m1", "m2", "m3"] }],
    });
    for (const id of ["w1", "w2"]) {
      const bmt = objs.find(o => o.kind === "ByoMachineTemplate" && o.metadata.name === `edge-worker-${id}`)!;
      expect(spec(bmt).template.spec.selector).toEqual({ matchLabels: { "host-id": id } });
    }
  });

  test("uses the template's pinning label, and integer hostIds as strings", () => {
    const objs = generate(seedParams(), { ...defaultTemplate(), hostPinningLabel: "o2ims.example/host-id" });
    const worker = objs.find(o => o.metadata.name === "edge-worker-4" && o.kind === "ByoMachineTemplate")!;
    expect(spec(worker).template.spec.selector.matchLabels).toEqual({ "o2ims.example/host-id": "4" });
  });
});

describe("machine deployments", () => {
  test("one pinned replica each, labelled as CAPI's webhook would, replaced in place", () => {
    const objs = generate(clusterParams(1, 2, { k8sVersion: "v1.33.1" }));
    for (const md of ofKind(objs, "MachineDeployment")) {
      const name = md.metadata.name;
      const labels = { [CAPI_CLUSTER_NAME_LABEL]: "edge", "cluster.x-k8s.io/deployment-name": name };
      expect(md.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL]).toBe("edge");
      expect(spec(md)).toMatchObject({
        clusterName: "edge",
        replicas: 1,
        selector: { matchLabels: labels },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        template: {
          metadata: { labels },
          spec: {
            clusterName: "edge",
            version: "v1.33.1",
            bootstrap: { configRef: { kind: "KubeadmConfigTemplate", name: "edge-workers", namespace: "o2ims" } },
            infrastructureRef: { kind: "ByoMachineTemplate", name, namespace: "o2ims" },
          },
        },
      });
    }
    const kct = one(objs, "KubeadmConfigTemplate");
    expect(spec(kct).template.spec).toEqual({
      format: "cloud-config",
      joinConfiguration: {
        nodeRegistration: {
          criSocket: "/var/run/containerd/containerd.sock",
          ignorePreflightErrors: expect.arrayContaining(["Swap"]),
        },
      },
    });
  });
});

describe("network and control-plane endpoint", () => {
  test("custom CIDRs, VIP and port reach the Cluster, the ByoCluster and kube-vip", () => {
    const template = { ...defaultTemplate(), controlPlaneEndpointPort: 8443, kubeVipImage: "registry.example/kube-vip:v9" };
    const objs = generate(
      clusterParams(3, 1, { controlPlaneEndpoint: "10.20.0.10", podCIDR: "100.64.0.0/16", serviceCIDR: "100.65.0.0/20" }),
      template,
    );
    expect(spec(one(objs, "Cluster"))).toMatchObject({
      clusterNetwork: {
        pods: { cidrBlocks: ["100.64.0.0/16"] },
        services: { cidrBlocks: ["100.65.0.0/20"] },
        serviceDomain: "cluster.local",
      },
      controlPlaneRef: { kind: "KubeadmControlPlane", name: "edge-control-plane", namespace: "o2ims" },
      infrastructureRef: { kind: "ByoCluster", name: "edge", namespace: "o2ims" },
    });
    expect(spec(one(objs, "ByoCluster"))).toEqual({
      controlPlaneEndpoint: { host: "10.20.0.10", port: 8443 },
      bundleLookupBaseRegistry: template.bundleLookupBaseRegistry,
    });
    const kcs = spec(one(objs, "KubeadmControlPlane")).kubeadmConfigSpec;
    expect(kcs.clusterConfiguration.apiServer.certSANs).toContain("10.20.0.10");
    const pod = yaml.load(kcs.files[0].content) as Any;
    const env = Object.fromEntries((pod.spec.containers[0].env as Any[]).map(e => [e.name, e.value]));
    expect(pod.spec.containers[0].image).toBe("registry.example/kube-vip:v9");
    expect(env).toMatchObject({ address: "10.20.0.10", port: "8443", vip_subnet: "32", cp_enable: "true" });
  });

  test("the VIP defaults to the first master's hostIp; IPv6 gets a /128", () => {
    const p = clusterParams(1, 0, { controlPlaneEndpoint: undefined, podCIDR: "fd00:10::/56", serviceCIDR: "fd00:20::/108" });
    p.hosts.masters = [{ hostId: "m1", hostName: "host-m1", hostIp: "2001:db8::11" }];
    const objs = generate(p);
    expect(spec(one(objs, "ByoCluster")).controlPlaneEndpoint.host).toBe("2001:db8::11");
    const pod = yaml.load(spec(one(objs, "KubeadmControlPlane")).kubeadmConfigSpec.files[0].content) as Any;
    expect((pod.spec.containers[0].env as Any[]).find(e => e.name === "vip_subnet")!.value).toBe("128");
  });
});

describe("kubeadm control plane", () => {
  test("kube-vip's interface placeholder is verbatim and is the only Go template action", () => {
    const kcs = spec(one(generate(seedParams()), "KubeadmControlPlane")).kubeadmConfigSpec;
    const content: string = kcs.files[0].content;
    expect(kcs.files[0]).toMatchObject({ path: "/etc/kubernetes/manifests/kube-vip.yaml", owner: "root:root" });
    expect(content).toContain(INTERFACE_PLACEHOLDER);
    expect(content.split("{{")).toHaveLength(2);
    const pod = yaml.load(content) as Any;
    expect(pod).toMatchObject({
      kind: "Pod",
      metadata: { name: "kube-vip", namespace: "kube-system" },
      spec: { hostNetwork: true },
    });
    expect(kcs).toMatchObject({
      format: "cloud-config",
      initConfiguration: { nodeRegistration: { criSocket: "/var/run/containerd/containerd.sock" } },
      joinConfiguration: { nodeRegistration: { criSocket: "/var/run/containerd/containerd.sock" } },
    });
    expect(kcs.initConfiguration.nodeRegistration.ignorePreflightErrors).toContain("DirAvailable--etc-kubernetes-manifests");
  });

  test("super-admin.conf swap only for Kubernetes >= 1.29, on the init node only", () => {
    const template = { ...defaultTemplate(), supportedK8sVersions: ["v1.28.9", "v1.29.0"] };
    const old = spec(
      one(generate(clusterParams(1, 0, { k8sVersion: "v1.28.9" }), template), "KubeadmControlPlane"),
    ).kubeadmConfigSpec;
    expect(old.preKubeadmCommands).toBeUndefined();
    expect(old.postKubeadmCommands).toBeUndefined();
    const current = spec(
      one(generate(clusterParams(1, 0, { k8sVersion: "v1.29.0" }), template), "KubeadmControlPlane"),
    ).kubeadmConfigSpec;
    expect(current.preKubeadmCommands).toHaveLength(1);
    expect(current.preKubeadmCommands[0]).toMatch(
      /^if \[ -f \/run\/kubeadm\/kubeadm\.yaml \]; then sed .*super-admin\.conf.*kube-vip\.yaml; fi$/,
    );
    expect(current.postKubeadmCommands[0]).toMatch(
      /path: \/etc\/kubernetes\/super-admin\.conf#path: \/etc\/kubernetes\/admin\.conf#/,
    );
  });

  test("version and machine template", () => {
    const kcp = one(generate(clusterParams(3, 0, { k8sVersion: "v1.32.4" })), "KubeadmControlPlane");
    expect(spec(kcp).version).toBe("v1.32.4");
    expect(spec(kcp).machineTemplate).toEqual({
      infrastructureRef: {
        apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
        kind: "ByoMachineTemplate",
        name: "edge-control-plane",
        namespace: "o2ims",
      },
    });
  });
});

describe("installer", () => {
  test("K8sInstallerConfigTemplates carry the template's bundle and are referenced with their namespace", () => {
    const objs = generate(clusterParams(1, 1), { ...defaultTemplate(), installer: INSTALLER });
    for (const ict of ofKind(objs, "K8sInstallerConfigTemplate")) expect(spec(ict)).toEqual({ template: { spec: INSTALLER } });
    for (const bmt of ofKind(objs, "ByoMachineTemplate")) {
      expect(spec(bmt).template.spec.installerRef).toMatchObject({ kind: "K8sInstallerConfigTemplate", namespace: "o2ims" });
    }
  });
});

describe("CNI", () => {
  test("the default template delivers Calico through a ClusterResourceSet selecting only this cluster", () => {
    const objs = generate(clusterParams(1, 2));
    const crs = one(objs, "ClusterResourceSet");
    expect(crs.apiVersion).toBe("addons.cluster.x-k8s.io/v1beta1");
    expect(crs.metadata).toMatchObject({ name: "edge-cni", namespace: "o2ims" });
    expect(spec(crs)).toEqual({
      clusterSelector: { matchLabels: { "cluster.x-k8s.io/cluster-name": "edge" } },
      resources: [{ kind: "ConfigMap", name: "calico-cni" }],
      strategy: "ApplyOnce",
    });
    // The selector must match the Cluster's own labels, or CAPI never applies the set.
    expect(one(objs, "Cluster").metadata.labels).toMatchObject(spec(crs).clusterSelector.matchLabels);
  });

  test("resources and strategy come from the template, in order", () => {
    const cni = {
      mode: "ClusterResourceSet" as const,
      resources: [
        { kind: "Secret" as const, name: "cni-a" },
        { kind: "ConfigMap" as const, name: "cni-b" },
      ],
      strategy: "Reconcile" as const,
    };
    const crs = one(generate(clusterParams(1, 0), { ...defaultTemplate(), cni }), "ClusterResourceSet");
    expect(spec(crs)).toMatchObject({ resources: cni.resources, strategy: "Reconcile" });
  });

  test.each([
    ["none", { mode: "none" as const }],
    ["absent", undefined],
  ])("cni %s: no ClusterResourceSet", (_, cni) => {
    const objs = generate(clusterParams(1, 1), { ...defaultTemplate(), cni });
    expect(ofKind(objs, "ClusterResourceSet")).toEqual([]);
  });

  test("the ClusterResourceSet is applied before the Cluster it selects", () => {
    const kinds = generate(clusterParams(1, 1)).map(o => o.kind);
    expect(kinds.indexOf("ClusterResourceSet")).toBeLessThan(kinds.indexOf("Cluster"));
  });
});

describe("metadata", () => {
  test("every object links back to the request and carries the cluster-name label, without ownerReferences", () => {
    for (const o of generate(clusterParams(3, 3))) {
      expect(o.metadata.namespace).toBe("o2ims");
      expect(o.metadata.labels).toMatchObject({
        [O2IMS_REQUEST_NAME_LABEL]: "edge-request",
        [O2IMS_REQUEST_NAMESPACE_LABEL]: "o2ims",
        [O2IMS_REQUEST_UID_LABEL]: UID,
        [CAPI_CLUSTER_NAME_LABEL]: "edge",
      });
      expect(o.metadata.annotations).toEqual({ [O2IMS_REQUEST_ANNOTATION]: "o2ims/edge-request" });
      expect(o.metadata.ownerReferences).toBeUndefined();
    }
  });

  test("names and label values stay within Kubernetes limits for the longest allowed cluster name", () => {
    const ids = ["Rack_7.Node_12", "x".repeat(63), "du-1"];
    const namespace = "o2ims";
    const clusterName = "c".repeat(maxClusterNameLength(namespace, ids));
    const p = clusterParams(1, 0, { clusterName });
    p.hosts.workers = ids.map((id, i) => ({ hostId: id, hostName: `worker-${i}`, hostIp: `172.16.4.${60 + i}` }));
    const objs = generate(p, defaultTemplate(), namespace);
    for (const o of objs) {
      expect(isDns1123Subdomain(o.metadata.name)).toBe(true);
      for (const v of Object.values(o.metadata.labels ?? {})) expect(isLabelValue(v)).toBe(true);
    }
    for (const md of ofKind(objs, "MachineDeployment")) expect(md.metadata.name.length).toBeLessThanOrEqual(63);
  });
});

describe("determinism", () => {
  test("the same input gives the same output; host order does not matter", () => {
    const a = generate(clusterParams(3, 4));
    expect(generate(clusterParams(3, 4))).toEqual(a);
    const shuffled = clusterParams(3, 4);
    shuffled.hosts.masters.reverse();
    shuffled.hosts.workers = [2, 0, 3, 1].map(i => shuffled.hosts.workers![i]);
    expect(generate(shuffled)).toEqual(a);
  });

  test("objects come in apply order: referenced kinds first", () => {
    const objs = generate(clusterParams(1, 2), { ...defaultTemplate(), installer: INSTALLER });
    const ranks = objs.map(o => GENERATED_KINDS.findIndex(r => r.kind === o.kind));
    expect(ranks.every(r => r >= 0)).toBe(true);
    expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
    expect(GENERATED_KINDS.findIndex(r => r.kind === "Cluster")).toBeGreaterThan(
      GENERATED_KINDS.findIndex(r => r.kind === "KubeadmControlPlane"),
    );
  });

  test("does not mutate its input", () => {
    const params = applyDefaults(clusterParams(3, 2), defaultTemplate());
    const before = JSON.stringify(params);
    generateCluster({ name: "r", namespace: "n", params, template: defaultTemplate() });
    expect(JSON.stringify(params)).toBe(before);
  });
});

describe("helpers", () => {
  test("objectKey ignores the API version", () => {
    const o = { apiVersion: "cluster.x-k8s.io/v1beta1", kind: "Cluster", metadata: { name: "edge", namespace: "o2ims" } };
    expect(objectKey(o)).toBe("Cluster.cluster.x-k8s.io/o2ims/edge");
    expect(objectKey({ ...o, apiVersion: "cluster.x-k8s.io/v1beta2" })).toBe(objectKey(o));
  });

  test("refuses parameters that were not validated", () => {
    const p = clusterParams(1, 0, { controlPlaneEndpoint: undefined });
    delete p.hosts.masters[0].hostIp;
    expect(() => generateCluster({ name: "r", namespace: "n", params: p, template: defaultTemplate() })).toThrow(/validated/);
  });
});
