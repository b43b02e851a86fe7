import { Informer } from "../../../kube/informer";
import type { KubeClient, KubeObject, WatchPhase } from "../../../kube/client";
import { R } from "../../../kube/resources";

const obj = (name: string, rv: string): KubeObject => ({ metadata: { name, namespace: "ns", uid: name, resourceVersion: rv } });

describe("Informer after an outage", () => {
  it("delivers every cached object again as MODIFIED once the watch recovers, so failed work is re-queued now", async () => {
    let emit!: (phase: WatchPhase, o: KubeObject) => void;
    let recovered!: () => void;
    const client = {
      watch: (_res: unknown, cb: typeof emit, opts: { onSynced?: () => void; onRecovered?: () => void }) => {
        emit = cb;
        recovered = opts.onRecovered!;
        opts.onSynced?.();
        return () => undefined;
      },
    } as unknown as KubeClient;
    const inf = new Informer(client, R.ProvisioningRequest);
    await inf.start();
    emit("ADDED", obj("a", "1"));
    emit("ADDED", obj("b", "2"));
    const seen: string[] = [];
    inf.onChange((phase, o) => seen.push(`${phase} ${o.metadata.name}`));
    inf.onChange(() => {
      throw new Error("a failing listener does not stop the replay");
    });
    recovered();
    expect(seen).toEqual(["MODIFIED a", "MODIFIED b"]);
  });
});
