import { Expectations } from "../../../local/sim/expectations";
import { HostPool } from "../../../local/sim/host-pool";
import { ByoHost } from "../../../local/sim/model";

const host = (name: string, labels: Record<string, string>, namespace = "default"): ByoHost => ({
  metadata: { name, namespace, labels, resourceVersion: "1" },
});

describe("HostPool", () => {
  it("selects only free hosts matching the selector, across namespaces, lowest namespace/name first", () => {
    const pool = new HostPool();
    pool.update(host("h2", { "host-id": "2" }, "b"), true);
    pool.update(host("h1", { "host-id": "1" }, "a"), true);
    pool.update(host("h3", { "host-id": "3", "cluster.x-k8s.io/cluster-name": "other" }), true);
    const sel = { matchExpressions: [{ key: "host-id", operator: "In" as const, values: ["1", "2", "3"] }] };
    expect(pool.candidates(sel).map(h => `${h.metadata.namespace}/${h.metadata.name}`)).toEqual(["a/h1", "b/h2"]);
    expect(pool.candidates({ matchLabels: { "host-id": "3" } })).toEqual([]);
    expect(pool.candidates(undefined)).toHaveLength(2);
  });

  it("reserves a host for one owner until released or attached", () => {
    const pool = new HostPool();
    pool.update(host("h1", { "host-id": "1" }), true);
    const sel = { matchLabels: { "host-id": "1" } };
    expect(pool.reserve(sel, "ns/bm-a")?.metadata.name).toBe("h1");
    expect(pool.reserve(sel, "ns/bm-b")).toBeUndefined();
    expect(pool.reserve(sel, "ns/bm-a")?.metadata.name).toBe("h1"); // the owner itself may retry
    pool.release("default/h1", "ns/bm-a");
    expect(pool.reserve(sel, "ns/bm-b")?.metadata.name).toBe("h1");
    // attached: no longer free, reservation gone
    expect(pool.update(host("h1", { "host-id": "1", "cluster.x-k8s.io/cluster-name": "c" }), true)).toBe(false);
    expect(pool.freeCount).toBe(0);
    // released by the agent: free again, and the update says so
    expect(pool.update(host("h1", { "host-id": "1" }), true)).toBe(true);
    expect(pool.reserve(sel, "ns/bm-c")?.metadata.name).toBe("h1");
  });

  it("lets a reservation lapse after its timeout", () => {
    let now = 0;
    const pool = new HostPool(() => now);
    pool.update(host("h1", { "host-id": "1" }), true);
    pool.reserve(undefined, "x");
    expect(pool.reserve(undefined, "y")).toBeUndefined();
    now = 31_000;
    expect(pool.reserve(undefined, "y")?.metadata.name).toBe("h1");
  });

  it("forgets deleted and deleting hosts", () => {
    const pool = new HostPool();
    pool.update(host("h1", {}), true);
    pool.update({ metadata: { name: "h1", namespace: "default", deletionTimestamp: "2024-01-01T00:00:00Z" } }, true);
    expect(pool.freeCount).toBe(0);
    pool.update(host("h2", {}), true);
    pool.update(host("h2", {}), false);
    expect(pool.freeCount).toBe(0);
  });
});

describe("Expectations", () => {
  it("counts creations until the watch shows them, deletions until deleting or gone", () => {
    let now = 0;
    const e = new Expectations(() => now);
    e.expectCreate("owner", "Machine/ns/a");
    e.expectCreate("owner", "Machine/ns/b");
    expect(e.pendingCreates("owner")).toEqual(["Machine/ns/a", "Machine/ns/b"]);
    e.observe("Machine/ns/a", true, false);
    expect(e.pendingCreates("owner")).toEqual(["Machine/ns/b"]);
    e.expectDelete("Machine/ns/a");
    expect(e.isDeleting("Machine/ns/a")).toBe(true);
    e.observe("Machine/ns/a", true, true);
    expect(e.isDeleting("Machine/ns/a")).toBe(false);
    now = 31_000;
    expect(e.pendingCreates("owner")).toEqual([]);
  });
});
