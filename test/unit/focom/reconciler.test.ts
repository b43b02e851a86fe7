import type { FPRObject } from "../../../capabilities/focom/cache";
import { FocomReconciler } from "../../../capabilities/focom/reconciler";
import { KubeTransport } from "../../../capabilities/focom/kube-transport";
import { OCloudConnections } from "../../../capabilities/focom/oclouds";
import { RestConnections } from "../../../capabilities/focom/rest-connections";
import { RestTransport } from "../../../capabilities/focom/rest-transport";
import { Transports } from "../../../capabilities/focom/transport";
import { releaseDeadline } from "../../../capabilities/focom/deletion";
import type { RemoteRequest } from "../../../capabilities/focom/remote";
import { KubeError } from "../../../kube/client";
import { R } from "../../../kube/resources";
import { FakeKube } from "./fake-kube";
import { byohParams, byohTemplateInfo, NS, ocloud } from "./fixtures";

const TOKEN = "tok-very-secret-123";
const KUBECONFIG = `apiVersion: v1
clusters: [{name: e, cluster: {server: "https://192.0.2.1:6443"}}]
users: [{name: u, user: {token: "${TOKEN}"}}]
contexts: [{name: e, context: {cluster: e, user: u}}]
current-context: e`;
const REMOTE = "edge-o2ims";

function setup(opts: { releaseAfterSeconds?: number; kubeconfig?: string; informer?: () => FPRObject | undefined } = {}) {
  const smo = new FakeKube("smo");
  const edge = new FakeKube("edge");
  smo.put(R.Secret, {
    metadata: { name: "kc", namespace: NS },
    data: { kubeconfig: Buffer.from(opts.kubeconfig ?? KUBECONFIG).toString("base64") },
  });
  const oc = ocloud("edge-ocloud", "kc");
  const ti = byohTemplateInfo();
  const templateInfos = [ti];
  const connections = new OCloudConnections({
    fieldManager: "test",
    local: async () => smo.client(),
    readSecret: (name, ns) => smo.client().find(R.Secret, name, ns),
    createClient: async () => edge.client(),
  });
  const reconciler = new FocomReconciler(
    smo.client(),
    {
      ...(opts.informer ? { request: () => opts.informer!() } : {}),
      ocloud: async (ns, name) => (ns === NS && name === oc.metadata.name ? oc : undefined),
      templateInfos: async () => templateInfos,
    },
    new Transports(
      new KubeTransport(connections),
      new RestTransport({ connections: new RestConnections({ readSecret: async () => undefined }), pollMs: 1000 }),
    ),
    { unreachableReleaseSeconds: opts.releaseAfterSeconds ?? 600 },
  );
  const fpr = smo.put(R.FocomProvisioningRequest, {
    metadata: { name: "edge", namespace: NS, uid: "fpr-uid", finalizers: ["pepr.dev/finalizer"] },
    spec: {
      oCloudId: "edge-ocloud",
      oCloudNamespace: NS,
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: byohParams(),
    },
  });
  const get = () => smo.peek<FPRObject>(R.FocomProvisioningRequest, "edge", NS);
  const remote = () => edge.peek<RemoteRequest>(R.ProvisioningRequest, REMOTE, NS);
  const setRemoteState = (state: string, message = "") => {
    const r = remote()!;
    edge.put(R.ProvisioningRequest, {
      ...r,
      status: {
        observedGeneration: r.metadata.generation,
        provisioningStatus: { provisioningState: state, provisioningMessage: message },
      },
    });
  };
  const reconcile = () => reconciler.reconcile(`${NS}/edge`);
  const condition = (type: string) => get()?.status?.conditions?.find(c => c.type === type);
  return { smo, edge, fpr, get, remote, setRemoteState, reconcile, condition, templateInfos, reconciler };
}

describe("FocomReconciler", () => {
  it("creates the remote request, follows it to Synced, and writes status and events only on change", async () => {
    const t = setup();
    await t.reconcile();
    const remote = t.remote()!;
    expect(remote.metadata.labels?.["focom.nephio.org/request-uid"]).toBe("fpr-uid");
    expect(remote.spec?.templateParameters).toEqual(byohParams());
    expect(t.get()?.status).toMatchObject({ phase: "Creating", remoteName: REMOTE, observedGeneration: 1 });

    t.setRemoteState("progressing", "control plane 0/1 ready");
    t.edge.calls.length = 0;
    await t.reconcile();
    expect(t.edge.calls).toEqual([`get provisioningrequests/${REMOTE}`]); // nothing re-applied
    expect(t.get()?.status?.remoteState?.provisioningMessage).toBe("control plane 0/1 ready");

    t.setRemoteState("fulfilled", "ready");
    await t.reconcile();
    expect(t.get()?.status?.phase).toBe("Synced");
    const writes = t.smo.calls.filter(c => c.startsWith("patch")).length;
    await t.reconcile();
    expect(t.smo.calls.filter(c => c.startsWith("patch")).length).toBe(writes);
    expect(t.smo.events()).toEqual([
      ["Normal", "Creating"],
      ["Normal", "Synced"],
    ]);
  });

  it("reads the request from its informer without a GET, and its own write where the informer lags", async () => {
    const informer: { fpr?: FPRObject } = {};
    const t = setup({ informer: () => informer.fpr });
    informer.fpr = t.get(); // the informer has the request as created, and never catches up in this test
    await t.reconcile();
    expect(t.get()?.status?.phase).toBe("Creating");
    t.setRemoteState("progressing", "control plane 0/1 ready");
    await t.reconcile();
    await t.reconcile();
    // Read from the stale informer, the status would be written again and again, with a Creating Event each time.
    expect(t.smo.calls.filter(c => c.startsWith("get focomprovisioningrequests"))).toEqual([]);
    expect(t.smo.calls.filter(c => c.startsWith("patch")).length).toBe(2);
    expect(t.smo.events()).toEqual([["Normal", "Creating"]]);
    expect(t.get()?.status?.remoteState?.provisioningMessage).toBe("control plane 0/1 ready");
  });

  it("applies a spec change (scale) and reports Creating until the O-Cloud has processed it", async () => {
    const t = setup();
    await t.reconcile();
    t.setRemoteState("fulfilled");
    await t.reconcile();
    const fpr = t.get()!;
    t.smo.put(R.FocomProvisioningRequest, {
      ...fpr,
      metadata: { ...fpr.metadata, generation: 2 },
      spec: {
        ...fpr.spec,
        templateParameters: byohParams({
          hosts: { masters: [{ hostId: 1, hostName: "target-1", hostIp: "10.10.0.1" }], workers: [] },
        }),
      },
    });
    await t.reconcile();
    expect(t.remote()?.metadata.annotations?.["focom.nephio.org/request-generation"]).toBe("2");
    expect(t.get()?.status?.phase).toBe("Creating");
    expect(t.condition("Synced")?.reason).toBe("UpdatePending");
    t.setRemoteState("fulfilled");
    await t.reconcile();
    expect(t.get()?.status?.phase).toBe("Synced");
  });

  it("never overwrites a same-named remote request of another owner", async () => {
    const t = setup();
    t.edge.put(R.ProvisioningRequest, {
      metadata: { name: REMOTE, namespace: NS, labels: { "focom.nephio.org/request-uid": "other" } },
      spec: { templateName: "x" },
    });
    expect(await t.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.edge.calls.some(c => c.startsWith("apply"))).toBe(false);
    expect(t.get()?.status?.phase).toBe("Failed");
    expect(t.condition("RemoteCreated")).toMatchObject({ status: "False", reason: "NameConflict" });
    expect(t.remote()?.spec?.templateName).toBe("x");
  });

  it("fails with the O-Cloud's message when it rejects the request, and writes again only for a new spec", async () => {
    const t = setup();
    t.edge.fail = op =>
      op === "apply" ? new KubeError(422, "admission webhook denied the request: host target-1 is claimed by x") : undefined;
    expect(await t.reconcile()).toEqual({});
    expect(t.get()?.status?.phase).toBe("Failed");
    expect(t.get()?.status?.message).toContain("host target-1 is claimed by x");
    expect(t.get()?.status?.message).toContain("not retried until the request's spec changes");
    expect(t.condition("Synced")).toMatchObject({ status: "False", reason: "Rejected", observedGeneration: 1 });

    // The O-Cloud would accept it now (the winner released the host): neither a pass nor a resync writes it.
    t.edge.fail = undefined;
    t.edge.calls.length = 0;
    t.reconciler.resync(`${NS}/edge`);
    expect(await t.reconcile()).toEqual({});
    expect(t.edge.calls).toEqual([]);
    expect(t.remote()).toBeUndefined();
    expect(t.get()?.status?.phase).toBe("Failed");

    const fpr = t.get()!;
    t.smo.put(R.FocomProvisioningRequest, { ...fpr, metadata: { ...fpr.metadata, generation: 2 } });
    await t.reconcile();
    expect(t.remote()).toBeDefined();
    expect(t.get()?.status?.phase).toBe("Creating");
  });

  it("keeps the phase and retries (throws) while the O-Cloud is unreachable, then recovers", async () => {
    const t = setup();
    await t.reconcile();
    t.setRemoteState("fulfilled");
    await t.reconcile();
    t.edge.fail = () => new Error("connect ECONNREFUSED 192.0.2.1:6443");
    await expect(t.reconcile()).rejects.toThrow("cannot reach O-Cloud edge-ocloud: connect ECONNREFUSED 192.0.2.1:6443");
    expect(t.get()?.status?.phase).toBe("Synced");
    expect(t.condition("OCloudReachable")).toMatchObject({ status: "False", reason: "Unreachable" });
    expect(t.smo.events().map(e => e[1])).toContain("OCloudUnreachable");
    t.edge.fail = undefined;
    await t.reconcile();
    expect(t.condition("OCloudReachable")).toMatchObject({ status: "True", reason: "Reachable" });
  });

  it("keeps the Secret's content out of status and events, and re-checks an unusable Secret later (no retry storm)", async () => {
    const t = setup({ kubeconfig: KUBECONFIG.replace(`{token: "${TOKEN}"}`, `{exec: {command: "sh", args: ["${TOKEN}"]}}`) });
    expect(await t.reconcile()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.condition("OCloudReachable")).toMatchObject({ status: "False", reason: "InvalidKubeconfig" });
    expect(t.get()?.status?.phase).toBe("Failed");
    const everything = JSON.stringify([...t.smo.objects.values()].filter(o => o.kind !== "Secret"));
    expect(everything).not.toContain(TOKEN);
  });

  it("reports a TemplateInfo that disappeared, without contacting the O-Cloud", async () => {
    const t = setup();
    t.templateInfos.length = 0;
    await t.reconcile();
    expect(t.get()?.status?.phase).toBe("Failed");
    expect(t.condition("Validated")).toMatchObject({ status: "False", reason: "TemplateNotFound" });
    expect(t.edge.calls).toEqual([]);
  });
});

describe("FOCOM deletion", () => {
  const markDeleted = (t: ReturnType<typeof setup>, at = new Date().toISOString()) => {
    const fpr = t.get()!;
    t.smo.put(R.FocomProvisioningRequest, { ...fpr, metadata: { ...fpr.metadata, deletionTimestamp: at } });
  };

  it("deletes the remote, waits until it is gone, then releases the finalizer", async () => {
    const t = setup();
    await t.reconcile();
    const r = t.remote()!;
    t.edge.put(R.ProvisioningRequest, { ...r, metadata: { ...r.metadata, finalizers: ["pepr.dev/finalizer"] } }); // the O2IMS side deletes the cluster first
    markDeleted(t);
    expect(await t.reconcile()).toEqual({ requeueAfterMs: 30_000 });
    expect(t.remote()?.metadata.deletionTimestamp).toBeDefined();
    expect(t.get()?.status?.phase).toBe("Deleting");
    expect(t.get()?.metadata.finalizers).toEqual(["pepr.dev/finalizer"]);
    t.edge.objects.clear();
    await t.reconcile();
    expect(t.get()).toBeUndefined();
  });

  it("waits for an unreachable O-Cloud up to the limit, then releases with a Warning", async () => {
    const t = setup({ releaseAfterSeconds: 60 });
    await t.reconcile();
    t.edge.fail = () => new Error("connect ETIMEDOUT");
    markDeleted(t);
    await expect(t.reconcile()).rejects.toThrow("ETIMEDOUT");
    expect(t.get()?.status?.message).toMatch(/released anyway at \d{4}-/);
    expect(t.condition("OCloudReachable")?.reason).toBe("Unreachable");
    // The same outage, long enough ago.
    const old = new Date(Date.now() - 120_000).toISOString();
    const fpr = t.get()!;
    const conditions = fpr.status!.conditions!.map(c => (c.type === "OCloudReachable" ? { ...c, lastTransitionTime: old } : c));
    t.smo.put(R.FocomProvisioningRequest, {
      ...fpr,
      metadata: { ...fpr.metadata, deletionTimestamp: old },
      status: { ...fpr.status, conditions },
    });
    await t.reconcile();
    expect(t.get()).toBeUndefined();
    expect(t.smo.events()).toContainEqual(["Warning", "ReleasedUnconfirmed"]);
  });

  it("releases at once when nothing was ever created on the unreachable O-Cloud", async () => {
    const t = setup();
    t.edge.fail = () => new Error("connect EHOSTUNREACH");
    await expect(t.reconcile()).rejects.toThrow();
    expect(t.get()?.status?.phase).toBe("Pending");
    markDeleted(t);
    await t.reconcile();
    expect(t.get()).toBeUndefined();
  });

  it("counts the limit from the later of the deletion and the start of the outage", () => {
    const base = { metadata: { name: "x", deletionTimestamp: "2026-01-01T00:10:00Z" } };
    const now = new Date("2026-01-01T00:20:00Z");
    expect(releaseDeadline(base, 600, now).toISOString()).toBe("2026-01-01T00:30:00.000Z"); // outage starts now
    const down = (since: string) => ({
      ...base,
      status: {
        conditions: [
          { type: "OCloudReachable", status: "False" as const, reason: "Unreachable", message: "", lastTransitionTime: since },
        ],
      },
    });
    expect(releaseDeadline(down("2026-01-01T00:00:00Z"), 600, now).toISOString()).toBe("2026-01-01T00:20:00.000Z");
    expect(releaseDeadline(down("2026-01-01T00:15:00Z"), 600, now).toISOString()).toBe("2026-01-01T00:25:00.000Z");
  });
});
