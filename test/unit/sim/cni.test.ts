import {
  bindingEntry,
  cniState,
  needsApply,
  notFoundMessage,
  resourceHash,
  selectsCluster,
  withEntry,
  withoutSet,
  withSet,
  workloadReachable,
} from "../../../local/sim/cni";
import { Cluster, ClusterResourceSet, ClusterResourceSetBinding } from "../../../local/sim/model";

const NOW = "2024-01-01T00:00:00Z";
const cluster = (
  name: string,
  labels: Record<string, string> = { "cluster.x-k8s.io/cluster-name": name },
  ns = "ns",
): Cluster => ({
  metadata: { name, namespace: ns, labels },
});
const crs = (
  name: string,
  cl: string,
  resources = [{ kind: "ConfigMap", name: "calico-cni" }],
  ns = "ns",
): ClusterResourceSet => ({
  metadata: { name, namespace: ns },
  spec: { clusterSelector: { matchLabels: { "cluster.x-k8s.io/cluster-name": cl } }, resources, strategy: "ApplyOnce" },
});
const binding = (
  cl: string,
  bindings: NonNullable<ClusterResourceSetBinding["spec"]>["bindings"],
): ClusterResourceSetBinding => ({
  metadata: { name: cl, namespace: "ns" },
  spec: { clusterName: cl, bindings },
});

describe("selectsCluster", () => {
  it("matches labels in the set's namespace, never with an empty selector nor a deleting cluster", () => {
    expect(selectsCluster(crs("a-cni", "a"), cluster("a"))).toBe(true);
    expect(selectsCluster(crs("a-cni", "a"), cluster("b"))).toBe(false);
    expect(selectsCluster(crs("a-cni", "a", undefined, "other"), cluster("a"))).toBe(false);
    expect(selectsCluster({ metadata: { name: "x", namespace: "ns" }, spec: { clusterSelector: {} } }, cluster("a"))).toBe(false);
    const deleting = cluster("a");
    deleting.metadata.deletionTimestamp = NOW;
    expect(selectsCluster(crs("a-cni", "a"), deleting)).toBe(false);
  });
});

describe("cniState", () => {
  it("is applied only when every resource of every selecting set is recorded applied", () => {
    const c = cluster("a");
    const sets = [crs("a-cni", "a"), crs("b-cni", "b")];
    expect(cniState(c, sets, undefined)).toEqual({ applied: false, pending: ["a-cni: ConfigMap/calico-cni"] });
    const empty = binding("a", [{ clusterResourceSetName: "a-cni", resources: [] }]);
    expect(cniState(c, sets, empty).applied).toBe(false);
    const notApplied = binding("a", [
      { clusterResourceSetName: "a-cni", resources: [{ kind: "ConfigMap", name: "calico-cni", applied: false }] },
    ]);
    expect(cniState(c, sets, notApplied).applied).toBe(false);
    const applied = binding("a", [
      { clusterResourceSetName: "a-cni", resources: [{ kind: "ConfigMap", name: "calico-cni", applied: true }] },
    ]);
    expect(cniState(c, sets, applied)).toEqual({ applied: true, pending: [] });
  });

  it("counts a cluster no set selects as applied (hosts with their own CNI, hand-written clusters)", () => {
    expect(cniState(cluster("a"), [], undefined).applied).toBe(true);
  });

  it("ignores a deleting set", () => {
    const set = crs("a-cni", "a");
    set.metadata.deletionTimestamp = NOW;
    expect(cniState(cluster("a"), [set], undefined).applied).toBe(true);
  });
});

describe("binding entries", () => {
  it("adds, replaces and removes entries without touching the input", () => {
    const start = withSet(undefined, "a-cni");
    expect(start).toEqual([{ clusterResourceSetName: "a-cni", resources: [] }]);
    const one = withEntry(start, "a-cni", { kind: "ConfigMap", name: "calico-cni", applied: true, hash: "sha256:1" });
    const two = withEntry(one, "a-cni", { kind: "ConfigMap", name: "calico-cni", applied: true, hash: "sha256:2" });
    expect(start[0].resources).toEqual([]);
    expect(two[0].resources).toEqual([{ kind: "ConfigMap", name: "calico-cni", applied: true, hash: "sha256:2" }]);
    expect(bindingEntry(binding("a", two), "a-cni", { kind: "ConfigMap", name: "calico-cni" })?.hash).toBe("sha256:2");
    expect(bindingEntry(binding("a", two), "a-cni", { kind: "Secret", name: "calico-cni" })).toBeUndefined();
    expect(withSet(two, "a-cni")).toHaveLength(1);
    expect(withoutSet(withEntry(two, "x-cni", { kind: "Secret", name: "s", applied: true }), "a-cni")).toEqual([
      { clusterResourceSetName: "x-cni", resources: [{ kind: "Secret", name: "s", applied: true }] },
    ]);
  });

  it("applies once for ApplyOnce, again on a changed hash for Reconcile", () => {
    const entry = { kind: "ConfigMap", name: "c", applied: true, hash: "sha256:old" };
    expect(needsApply("ApplyOnce", undefined, "sha256:new")).toBe(true);
    expect(needsApply("ApplyOnce", { ...entry, applied: false }, "sha256:old")).toBe(true);
    expect(needsApply("ApplyOnce", entry, "sha256:new")).toBe(false);
    expect(needsApply("Reconcile", entry, "sha256:new")).toBe(true);
    expect(needsApply("Reconcile", entry, "sha256:old")).toBe(false);
  });
});

describe("resourceHash", () => {
  it("is CAPI's sha256 over the values in key order, a Secret's decoded", () => {
    const cm = resourceHash({ kind: "ConfigMap", metadata: { name: "c" }, data: { b: "2", a: "1" } });
    expect(cm).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(resourceHash({ kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } })).toBe(cm);
    const secret = {
      kind: "Secret",
      metadata: { name: "s" },
      data: { a: Buffer.from("1").toString("base64"), b: Buffer.from("2").toString("base64") },
    };
    expect(resourceHash(secret)).toBe(cm);
  });
});

describe("reachability and messages", () => {
  it("needs ControlPlaneInitialized before anything is applied", () => {
    expect(workloadReachable(undefined)).toBe(false);
    expect(
      workloadReachable({
        metadata: { name: "a" },
        status: { conditions: [{ type: "ControlPlaneInitialized", status: "True", lastTransitionTime: NOW }] },
      }),
    ).toBe(true);
  });

  it("says what the API server says for a missing resource", () => {
    expect(notFoundMessage({ kind: "ConfigMap", name: "calico-cni" })).toBe('configmaps "calico-cni" not found');
    expect(notFoundMessage({ kind: "Secret", name: "x" })).toBe('secrets "x" not found');
  });
});
