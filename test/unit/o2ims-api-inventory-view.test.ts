/**
 * InventoryView's change reporting, driven through its informers by a stub watch (no API server: the integration
 * test runs the same against a real one): nothing is reported for the initial list, a registered host is a resource
 * create (its namespace's pool first), an attach a modify naming the cluster once the Cluster is known, the last
 * host leaving removes the pool, and a write that leaves the O2 IMS view equal reports nothing.
 */
import type { KubeClient } from "../../kube/client";
import type { KubeObject, WatchPhase } from "../../kube/types";
import type { ByoHost } from "../../o2ims-api/inventory/model";
import { InventoryView } from "../../o2ims-api/inventory/view";
import type { Change } from "../../o2ims-api/subscriptions/events";

type Emit = (phase: WatchPhase, obj: KubeObject) => void;

function stubClient(initial: Record<string, KubeObject[]>) {
  const emitters = new Map<string, Emit>();
  const client = {
    watch(res: { plural: string }, onEvent: Emit, opts: { onSynced?: () => void }) {
      emitters.set(res.plural, onEvent);
      for (const o of initial[res.plural] ?? []) onEvent("ADDED", structuredClone(o));
      opts.onSynced?.();
      return () => undefined;
    },
  } as unknown as KubeClient;
  const emit = (plural: string, phase: WatchPhase, obj: KubeObject) => emitters.get(plural)!(phase, structuredClone(obj));
  return { client, emit };
}

const ns = (name: string, uid: string): KubeObject => ({ metadata: { name, uid } });
const host = (name: string, namespace: string, labels: Record<string, string> = {}, extra: Partial<ByoHost> = {}): ByoHost => ({
  metadata: { name, namespace, uid: `u-${name}`, labels: { "host-id": name, ...labels }, resourceVersion: "1" },
  ...extra,
});

describe("InventoryView", () => {
  let changes: Change[];
  let view: InventoryView;
  let emit: ReturnType<typeof stubClient>["emit"];

  beforeEach(async () => {
    const stub = stubClient({
      namespaces: [ns("kube-system", "u-ks"), ns("default", "u-default"), ns("site-b", "u-site-b"), ns("o2ims", "u-o2ims")],
      byohosts: [host("h1", "default")],
    });
    emit = stub.emit;
    view = new InventoryView(stub.client);
    changes = [];
    view.onChange(c => changes.push(c));
    await view.start();
  });

  const summary = () =>
    changes.map(c => `${c.objectType} ${c.prior ? (c.post ? "modify" : "delete") : "create"} ${c.objectRef.split("/").pop()}`);

  it("reports nothing for the initial list and serves it", () => {
    expect(changes).toEqual([]);
    expect(view.oCloudId).toBe("u-ks");
    expect(view.listPools().map(p => p.name)).toEqual(["default"]);
    expect(view.listResources("u-default")?.map(r => r.extensions.name)).toEqual(["h1"]);
    expect(view.listResources("nope")).toBeUndefined();
  });

  it("a host in a new namespace: pool create, then resource create; its removal: resource delete, then pool delete", () => {
    emit("byohosts", "ADDED", host("b1", "site-b"));
    expect(summary()).toEqual(["resourcePool create u-site-b", "resource create u-b1"]);
    changes.length = 0;
    emit("byohosts", "DELETED", host("b1", "site-b"));
    expect(summary()).toEqual(["resource delete u-b1", "resourcePool delete u-site-b"]);
    expect(view.pool("u-site-b")).toBeUndefined();
  });

  it("an attach is a modify; the Cluster's arrival fills in the deploymentManagerId", () => {
    const attached = host(
      "h1",
      "default",
      { "cluster.x-k8s.io/cluster-name": "edge" },
      {
        status: { machineRef: { kind: "ByoMachine", namespace: "o2ims", name: "edge-cp-x" } },
      },
    );
    emit("byohosts", "MODIFIED", attached);
    expect(summary()).toEqual(["resource modify u-h1"]);
    expect(changes[0].post).toMatchObject({
      extensions: { state: "attached", cluster: { name: "edge", deploymentManagerId: null } },
    });
    changes.length = 0;
    emit("clusters", "ADDED", { metadata: { name: "edge", namespace: "o2ims", uid: "u-edge" } });
    expect(summary()).toEqual(["deploymentManager create u-edge", "resource modify u-h1"]);
    expect(changes[1].post).toMatchObject({ extensions: { cluster: { deploymentManagerId: "u-edge" } } });
    expect(view.manager("u-edge")?.name).toBe("edge");
  });

  it("a write that leaves the view equal (resourceVersion, an annotation) reports nothing", () => {
    emit("byohosts", "MODIFIED", {
      ...host("h1", "default"),
      metadata: { ...host("h1", "default").metadata, resourceVersion: "2", annotations: { a: "b" } },
    });
    expect(changes).toEqual([]);
  });
});
