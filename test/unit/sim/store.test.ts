import type { KubeClient, KubeObject, WatchPhase } from "../../../kube/client";
import { R } from "../../../kube/resources";
import { Store } from "../../../local/sim/store";

/** Feeds watch events straight into the store, as its informer would (no API server needed). */
const feed = (store: Store, phase: WatchPhase, obj: KubeObject) =>
  (store as unknown as { apply(p: WatchPhase, o: KubeObject): void }).apply(phase, obj);

const machine = (name: string, owner: string, cluster?: string, rv = "1"): KubeObject => ({
  metadata: {
    name,
    namespace: "ns",
    resourceVersion: rv,
    labels: cluster ? { "cluster.x-k8s.io/cluster-name": cluster } : {},
    ownerReferences: [{ apiVersion: "v1", kind: "MachineSet", name: owner, uid: `uid-${owner}`, controller: true }],
  },
});

describe("Store", () => {
  const make = () =>
    new Store({} as KubeClient, R.Machine)
      .addIndex("owner", o => [o.metadata.ownerReferences?.[0]?.uid])
      .addIndex("cluster", o => [o.metadata.labels?.["cluster.x-k8s.io/cluster-name"]]);

  it("files objects under their index values and keeps the indexes current on change and delete", () => {
    const store = make();
    feed(store, "ADDED", machine("a", "ms1", "c1"));
    feed(store, "ADDED", machine("b", "ms1", "c1"));
    feed(store, "ADDED", machine("c", "ms2"));
    expect(
      store
        .byIndex("owner", "uid-ms1")
        .map(o => o.metadata.name)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(store.countByIndex("cluster", "c1")).toBe(2);
    expect(store.byIndex("cluster", "nope")).toEqual([]);

    feed(store, "MODIFIED", machine("b", "ms2", "c2", "2"));
    expect(store.byIndex("owner", "uid-ms1").map(o => o.metadata.name)).toEqual(["a"]);
    expect(
      store
        .byIndex("owner", "uid-ms2")
        .map(o => o.metadata.name)
        .sort(),
    ).toEqual(["b", "c"]);
    expect(store.byIndex("cluster", "c2").map(o => o.metadata.resourceVersion)).toEqual(["2"]);

    feed(store, "DELETED", machine("a", "ms1", "c1"));
    expect(store.countByIndex("owner", "uid-ms1")).toBe(0);
    expect(store.get("ns", "a")).toBeUndefined();
    expect(store.size).toBe(2);
  });

  it("tells listeners the previous version", () => {
    const store = make();
    const seen: [string, string | undefined][] = [];
    store.onChange((_p, o, old) => seen.push([o.metadata.resourceVersion!, old?.metadata.resourceVersion]));
    feed(store, "ADDED", machine("a", "ms1", "c1", "1"));
    feed(store, "MODIFIED", machine("a", "ms1", "c1", "2"));
    expect(seen).toEqual([
      ["1", undefined],
      ["2", "1"],
    ]);
  });
});
