import { Informer } from "../../../kube/informer";
import type { KubeClient, KubeObject, WatchPhase } from "../../../kube/client";
import { R } from "../../../kube/resources";

/** A client whose watch hands its callback to the test, so the test plays the API server's events. */
function fakeClient() {
  let emit!: (phase: WatchPhase, obj: KubeObject) => void;
  const client = {
    watch: (_res: unknown, cb: (p: WatchPhase, o: KubeObject) => void, opts: { onSynced?: () => void }) => {
      emit = cb;
      opts.onSynced?.();
      return () => undefined;
    },
  } as unknown as KubeClient;
  return { client, emit: (p: WatchPhase, o: KubeObject) => emit(p, o) };
}

const host = (name: string, id: string, rv: string): KubeObject => ({
  metadata: {
    name,
    namespace: "default",
    uid: name,
    resourceVersion: rv,
    labels: { "host-id": id },
    managedFields: [{ manager: "x" }],
  },
});

describe("Informer", () => {
  it("keeps indexes current through add, change and delete, and drops managedFields", async () => {
    const { client, emit } = fakeClient();
    const inf = new Informer(client, R.ByoHost);
    inf.addIndex("id", h => [h.metadata.labels?.["host-id"] ?? ""]);
    await inf.start();
    emit("ADDED", host("a", "1", "1"));
    emit("ADDED", host("b", "1", "2"));
    expect(
      inf
        .byIndex("id", "1")
        .map(h => h.metadata.name)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(inf.get("a", "default")?.metadata.managedFields).toBeUndefined();
    emit("MODIFIED", host("a", "2", "3"));
    expect(inf.byIndex("id", "1").map(h => h.metadata.name)).toEqual(["b"]);
    expect(inf.byIndex("id", "2").map(h => h.metadata.name)).toEqual(["a"]);
    emit("DELETED", host("b", "1", "4"));
    expect(inf.byIndex("id", "1")).toEqual([]);
    expect(inf.list().map(h => h.metadata.name)).toEqual(["a"]);
  });
});
