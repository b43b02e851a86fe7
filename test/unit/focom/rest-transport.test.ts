/**
 * What only the REST transport does, against an in-process O2 IMS endpoint (fake-o2ims.ts): POST when missing,
 * nothing but a GET while current, PUT on a new generation; OCloud status reports (credential problems named, the
 * delivery mode); the poll interval; the subscription deleted with its client when the OCloud is forgotten. What both
 * transports share is in transport-contract.test.ts.
 */
import type { FPRObject, OCloudObject } from "../../../capabilities/focom/cache";
import type { OCloudReport } from "../../../capabilities/focom/ocloud-status";
import { RestConnections } from "../../../capabilities/focom/rest-connections";
import { NOTIFIED_POLL_MS, RestTransport } from "../../../capabilities/focom/rest-transport";
import { CallbackServer } from "../../../capabilities/focom/callbacks";
import { RestSubscriptions } from "../../../capabilities/focom/rest-subscriptions";
import { FakeO2ims } from "./fake-o2ims";

const UID = "0b6f7c1e-3d2a-4f7e-9a51-2c4d6e8f0a1b";
const o2ims = new FakeO2ims();

beforeAll(() => o2ims.start());
afterAll(() => o2ims.stop());
beforeEach(() => o2ims.reset());

let token = "good";
const secret = () => ({
  metadata: { name: "tok", namespace: "smo", resourceVersion: token },
  data: { token: Buffer.from(token).toString("base64") },
});
const ocloud = (name = "edge", uid = "oc-1"): OCloudObject => ({
  metadata: { name, namespace: "smo", uid },
  spec: { o2ims: { url: o2ims.url, tokenSecretRef: { name: "tok" } } },
});
const fpr = (generation = 1, workers: unknown[] = []): FPRObject => ({
  metadata: { name: "r", namespace: "smo", uid: UID, generation },
  spec: {
    oCloudId: "edge",
    templateName: "t",
    templateVersion: "v1",
    templateParameters: { clusterName: "c", hosts: { masters: [{ hostId: 1, hostName: "h1" }], workers } },
  },
});

function transport(subscriptions?: RestSubscriptions) {
  const reports: OCloudReport[] = [];
  const connections = new RestConnections({ readSecret: async () => secret() });
  const t = new RestTransport({ connections, pollMs: 1000, report: async (_, r) => void reports.push(r), subscriptions });
  return { t, reports, connections };
}

describe("RestTransport", () => {
  it("POSTs a missing request under the uid, then only GETs while it is current, and PUTs a new generation", async () => {
    token = "good";
    const { t, reports } = transport();
    expect(await t.ensure(fpr(), ocloud())).toMatchObject({
      observation: { kind: "mirrored", remote: { status: { provisioningStatus: { provisioningState: "progressing" } } } },
      requeueAfterMs: 1000, // polling: no callback configured
    });
    expect(o2ims.calls).toEqual([
      `GET /o2ims-infrastructureProvisioning/v1/provisioningRequests/${UID}`,
      "POST /o2ims-infrastructureProvisioning/v1/provisioningRequests",
    ]);
    o2ims.calls.length = 0;
    await t.ensure(fpr(), ocloud());
    expect(o2ims.calls.map(c => c.split(" ")[0])).toEqual(["GET"]);
    o2ims.calls.length = 0;
    await t.ensure(fpr(2, [{ hostId: 2, hostName: "h2" }]), ocloud());
    expect(o2ims.calls.map(c => c.split(" ")[0])).toEqual(["GET", "PUT"]);
    expect((o2ims.requests.get(UID)!.templateParameters as { hosts: { workers: unknown[] } }).hosts.workers).toHaveLength(1);
    expect(reports.every(r => !r.failure)).toBe(true);
    expect(reports.at(-1)?.delivery).toMatchObject({ mode: "polling" });
  });

  it("polls a settled request ten times less often", async () => {
    token = "good";
    const { t } = transport();
    await t.ensure(fpr(), ocloud());
    o2ims.requests.set(UID, { ...o2ims.requests.get(UID)!, status: { provisioningPhase: "FULFILLED", updateTime: "x" } });
    expect((await t.ensure(fpr(), ocloud())).requeueAfterMs).toBe(10_000);
  });

  it("reports a refused token to the OCloud's status, naming the Secret and not the token", async () => {
    token = "stale";
    const { t, reports } = transport();
    const { observation } = await t.ensure(fpr(), ocloud());
    expect(observation).toMatchObject({ kind: "disconnected", failure: { kind: "unauthorized", reason: "Unauthorized" } });
    expect(reports.at(-1)?.failure?.message).toContain("spec.o2ims.tokenSecretRef");
    expect(JSON.stringify(reports)).not.toContain("stale");
  });
});

describe("RestTransport.prepare (an OCloud without requests)", () => {
  it("reports the connection: reachable with the delivery mode, or the refused token", async () => {
    token = "good";
    const { t, reports } = transport();
    await t.prepare(ocloud());
    expect(reports).toEqual([{ delivery: expect.objectContaining({ mode: "polling" }) }]);
    expect(o2ims.requests.size).toBe(0);
    token = "stale";
    await t.prepare(ocloud());
    expect(reports.at(-1)?.failure).toMatchObject({ kind: "unauthorized", reason: "Unauthorized" });
  });
});

describe("RestTransport with notifications", () => {
  const callbacks = new CallbackServer({ baseUrl: "http://smo.example:3002", port: 0, host: "127.0.0.1" }, () => undefined);

  it("subscribes once per OCloud, polls only as a safety net, and deletes the subscription when the OCloud is forgotten", async () => {
    token = "good";
    const { t, reports } = transport(new RestSubscriptions(callbacks));
    expect((await t.ensure(fpr(), ocloud())).requeueAfterMs).toBe(NOTIFIED_POLL_MS);
    await t.ensure(fpr(), ocloud());
    expect([...o2ims.subscriptions.values()]).toEqual([
      expect.objectContaining({
        consumerSubscriptionId: "focom/smo/edge/oc-1",
        callback: expect.stringMatching(/^http:\/\/smo\.example:3002\//),
      }),
    ]);
    expect(reports.at(-1)?.delivery).toMatchObject({ mode: "notifications", subscriptionId: "sub-1" });
    await t.forget("smo", "edge");
    expect(o2ims.subscriptions.size).toBe(0);
  });

  it("collects, when it subscribes, the subscriptions of ours no current OCloud accounts for, and nobody else's", async () => {
    token = "good";
    const stale = (id: string, consumer: string, callback: string) =>
      o2ims.subscriptions.set(id, { subscriptionId: id, consumerSubscriptionId: consumer, callback });
    const ours = "http://smo.example:3002/focom/o2ims/notifications/" + "0".repeat(64);
    stale("old-run", "focom/smo/edge/oc-1", ours); // this OCloud, an earlier run
    stale("deleted", "focom/smo/gone/oc-9", ours); // an OCloud deleted while the module was down
    stale("sibling", "focom/smo/other/oc-2", ours); // another current OCloud's: it replaces its own
    stale("foreign", "focom/smo/x/oc-3", "http://another-smo.example/focom/o2ims/notifications/x"); // another SMO's
    stale("not-focom", "someone", ours);
    const current = new Set(["focom/smo/edge/oc-1", "focom/smo/other/oc-2"]);
    const { t } = transport(new RestSubscriptions(callbacks, c => current.has(c)));
    await t.prepare(ocloud());
    expect([...o2ims.subscriptions.keys()].sort()).toEqual(["foreign", "not-focom", "sibling", "sub-1"]);
  });
});
