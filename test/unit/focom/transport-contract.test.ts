/**
 * The OCloudTransport contract (capabilities/focom/transport.ts), run against both implementations: the kubeconfig
 * transport on an in-memory API server (fake-kube.ts) and the REST transport on an in-process O2 IMS endpoint
 * (fake-o2ims.ts). Same scenarios, same expected observations: what the reconciler and deletion decide from them
 * (phases, conditions, Events, retries) is then the same for both.
 */
import type { FPRObject, OCloudObject } from "../../../capabilities/focom/cache";
import { KubeTransport } from "../../../capabilities/focom/kube-transport";
import { OCloudConnections } from "../../../capabilities/focom/oclouds";
import type { RemoteRequest } from "../../../capabilities/focom/remote";
import { RestConnections } from "../../../capabilities/focom/rest-connections";
import { RestTransport } from "../../../capabilities/focom/rest-transport";
import type { OCloudTransport } from "../../../capabilities/focom/transport";
import { KubeError } from "../../../kube/client";
import { R } from "../../../kube/resources";
import { FakeKube } from "./fake-kube";
import { FakeO2ims } from "./fake-o2ims";
import { byohParams, NS } from "./fixtures";

const UID = "7d1c9a4e-5b2f-4c3d-8e6f-0a1b2c3d4e5f";
const DENIAL =
  'admission webhook "o2ims" denied the request: spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "h9"';

/** One transport and the O-Cloud behind it, driven the same way whatever the protocol. */
interface Harness {
  transport: OCloudTransport;
  ocloud: OCloudObject;
  /** The mirror as the O-Cloud holds it, with its workers; undefined when there is none. */
  stored(): { workers: number; deleting: boolean } | undefined;
  /** Writes (create/update) the O-Cloud received. */
  writes(): number;
  /** The O-Cloud's own state of the mirror. */
  setState(state: "progressing" | "fulfilled"): void;
  /** The O-Cloud refuses every write with DENIAL (422). */
  refuse(on: boolean): void;
  /** The O-Cloud stops answering (network failure). */
  cutOff(on: boolean): void;
  /** The O-Cloud keeps a deleted mirror until finish (its cluster is being torn down). */
  finishDeletion(): void;
}

const o2ims = new FakeO2ims();
beforeAll(() => o2ims.start());
afterAll(() => o2ims.stop());

function kubeHarness(): Harness {
  const smo = new FakeKube("smo");
  const edge = new FakeKube("edge");
  smo.put(R.Secret, {
    metadata: { name: "kc", namespace: NS },
    data: { kubeconfig: Buffer.from(KUBECONFIG).toString("base64") },
  });
  const connections = new OCloudConnections({
    fieldManager: "test",
    local: async () => smo.client(),
    readSecret: (name, ns) => smo.client().find(R.Secret, name, ns),
    createClient: async () => edge.client(),
  });
  let refuse = false;
  let down = false;
  edge.fail = op =>
    down
      ? new Error("connect ECONNREFUSED 192.0.2.1:6443")
      : refuse && (op === "apply" || op === "create")
        ? new KubeError(422, DENIAL)
        : undefined;
  const mirror = () => edge.peek<RemoteRequest>(R.ProvisioningRequest, "edge-o2ims", NS);
  return {
    transport: new KubeTransport(connections),
    ocloud: { metadata: { name: "edge-ocloud", namespace: NS, uid: "oc" }, spec: { secretRef: { name: "kc" } } },
    stored: () => {
      const m = mirror();
      if (!m) return undefined;
      const workers = (m.spec?.templateParameters as { hosts: { workers: unknown[] } }).hosts.workers.length;
      return { workers, deleting: !!m.metadata.deletionTimestamp };
    },
    writes: () => edge.calls.filter(c => /^(apply|create) /.test(c)).length,
    setState: state => {
      const m = mirror()!;
      // The O2IMS side's finalizer: deletion waits for its cluster.
      edge.put(R.ProvisioningRequest, {
        ...m,
        metadata: { ...m.metadata, finalizers: ["pepr.dev/finalizer"] },
        status: { observedGeneration: m.metadata.generation, provisioningStatus: { provisioningState: state } },
      });
    },
    refuse: on => void (refuse = on),
    cutOff: on => void (down = on),
    finishDeletion: () => edge.objects.clear(),
  };
}

function restHarness(): Harness {
  o2ims.reset();
  const connections = new RestConnections({
    readSecret: async () => ({ metadata: { name: "tok", namespace: NS, resourceVersion: "1" }, data: { token: btoa("good") } }),
  });
  let url = o2ims.url;
  return {
    transport: new RestTransport({ connections, pollMs: 1000 }),
    get ocloud(): OCloudObject {
      return {
        metadata: { name: "edge-ocloud", namespace: NS, uid: "oc" },
        spec: { o2ims: { url, tokenSecretRef: { name: "tok" } } },
      };
    },
    stored: () => {
      const r = o2ims.requests.get(UID);
      if (!r) return undefined;
      const workers = (r.templateParameters as { hosts: { workers: unknown[] } }).hosts.workers.length;
      return { workers, deleting: r.status?.provisioningPhase === "DELETING" };
    },
    writes: () => o2ims.calls.filter(c => /^(POST|PUT) .*provisioningRequests/.test(c)).length,
    setState: state => {
      const r = o2ims.requests.get(UID)!;
      o2ims.requests.set(UID, {
        ...r,
        status: { provisioningPhase: state === "fulfilled" ? "FULFILLED" : "PROGRESSING", updateTime: "t" },
      });
    },
    refuse: on =>
      void (o2ims.refuse = on
        ? { status: 422, detail: DENIAL, invalidParams: [{ param: "templateParameters.hosts.masters[0].hostName", reason: "x" }] }
        : undefined),
    // A different client is built for the new URL: nothing listens on port 1.
    cutOff: on => void (url = on ? "http://127.0.0.1:1" : o2ims.url),
    finishDeletion: () => o2ims.requests.delete(UID),
  };
}

const KUBECONFIG = `apiVersion: v1
clusters: [{name: e, cluster: {server: "https://192.0.2.1:6443"}}]
users: [{name: u, user: {token: "t"}}]
contexts: [{name: e, context: {cluster: e, user: u}}]
current-context: e`;

const fpr = (generation = 1, workers = [2]): FPRObject => ({
  metadata: { name: "edge", namespace: NS, uid: UID, generation },
  spec: {
    oCloudId: "edge-ocloud",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: byohParams({
      hosts: {
        masters: [{ hostId: 1, hostName: "target-1" }],
        workers: workers.map(i => ({ hostId: i, hostName: `target-${i}` })),
      },
    }),
  },
});

describe.each([
  ["kubeconfig", kubeHarness],
  ["rest", restHarness],
] as const)("the %s transport", (_, harness) => {
  it("creates the mirror, follows its state without writing again, and sends a new generation (scale)", async () => {
    const h = harness();
    const first = await h.transport.ensure(fpr(), h.ocloud);
    expect(first.observation).toMatchObject({ kind: "mirrored", remote: expect.anything() });
    expect(h.stored()).toEqual({ workers: 1, deleting: false });
    h.setState("fulfilled");
    const writes = h.writes();
    const second = await h.transport.ensure(fpr(), h.ocloud);
    expect(second.observation).toMatchObject({ remote: { status: { provisioningStatus: { provisioningState: "fulfilled" } } } });
    expect(h.writes()).toBe(writes);
    await h.transport.ensure(fpr(2, [2, 3]), h.ocloud);
    expect(h.stored()?.workers).toBe(2);
  });

  it("names the mirror in its status the same way in every message (refOf)", () => {
    const h = harness();
    const ref = h.transport.refOf(fpr());
    expect(ref.name).toBeTruthy();
    expect(ref.namespace).toBeTruthy();
  });

  it("reports a refused write as rejected, in the O-Cloud's words with the request's field", async () => {
    const h = harness();
    h.refuse(true);
    const { observation } = await h.transport.ensure(fpr(), h.ocloud);
    expect(observation.kind).toBe("rejected");
    expect(observation).toMatchObject({
      message: expect.stringContaining('spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "h9"'),
    });
    expect(h.stored()).toBeUndefined();
  });

  it("reports an O-Cloud that does not answer as disconnected (unreachable: retried with backoff)", async () => {
    const h = harness();
    h.cutOff(true);
    const { observation } = await h.transport.ensure(fpr(), h.ocloud);
    expect(observation).toMatchObject({
      kind: "disconnected",
      failure: {
        kind: "unreachable",
        reason: "Unreachable",
        message: expect.stringMatching(/^cannot reach O-Cloud edge-ocloud: /),
      },
    });
    h.cutOff(false);
    expect((await h.transport.ensure(fpr(), h.ocloud)).observation.kind).toBe("mirrored");
  });

  it("deletes: waiting while the O-Cloud tears the cluster down, gone once it has; failed while unreachable", async () => {
    const h = harness();
    await h.transport.ensure(fpr(), h.ocloud);
    h.setState("fulfilled");
    const waiting = await h.transport.remove(fpr(), h.ocloud);
    expect(waiting).toMatchObject({
      state: "waiting",
      message: expect.stringMatching(/^waiting for O-Cloud edge-ocloud to delete/),
    });
    expect(h.stored()?.deleting).toBe(true);
    h.cutOff(true);
    expect(await h.transport.remove(fpr(), h.ocloud)).toMatchObject({ state: "failed", failure: { kind: "unreachable" } });
    h.cutOff(false);
    h.finishDeletion();
    expect(await h.transport.remove(fpr(), h.ocloud)).toMatchObject({
      state: "gone",
      message: expect.stringMatching(/is gone from O-Cloud edge-ocloud; releasing$/),
    });
  });

  it("dry-runs at admission: accepted stores nothing; refused is a denial in the O-Cloud's words", async () => {
    const h = harness();
    await h.transport.dryRun(fpr(), h.ocloud, "CREATE");
    expect(h.stored()).toBeUndefined();
    h.refuse(true);
    const error = await h.transport.dryRun(fpr(), h.ocloud, "CREATE").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(h.transport.denialOf(error, fpr(), h.ocloud)).toMatch(
      /^FocomProvisioningRequest rejected by O-Cloud edge-ocloud \(server-side dry run of its ProvisioningRequest .*\): spec\.templateParameters\.hosts\.masters\[0\]\.hostName: no ByoHost named "h9"$/,
    );
    expect(h.stored()).toBeUndefined();
    // Failing to answer is not a denial: the request is admitted with a warning.
    h.refuse(false);
    h.cutOff(true);
    const unreachable = await h.transport.dryRun(fpr(), h.ocloud, "CREATE").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(unreachable).toBeDefined();
    expect(h.transport.denialOf(unreachable, fpr(), h.ocloud)).toBeUndefined();
  });
});
