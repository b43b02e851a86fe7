/**
 * The REST transport's reconcile and deletion against a small in-process O2 IMS provisioning endpoint (a real HTTP
 * server holding requests in a map): POST when missing, nothing when current, PUT on a new generation, a 422 as a
 * rejection in the O-Cloud's words, 401 as a credential problem re-checked later (no throw, so no retry storm), a
 * network failure thrown for the queue's backoff, and deletion waiting for the 404.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FPRObject, OCloudObject } from "../../../capabilities/focom/cache";
import type { ProvisioningRequestInfo } from "../../../capabilities/focom/o2ims-client";
import type { OCloudReport } from "../../../capabilities/focom/ocloud-status";
import { RestConnections } from "../../../capabilities/focom/rest-connections";
import {
  deleteOverRest,
  reconcileOverRest,
  RestContext,
  UNAUTHORIZED_RECHECK_MS,
} from "../../../capabilities/focom/rest-reconcile";
import { POLLING_UNCONFIGURED } from "../../../capabilities/focom/rest-subscriptions";
import type { Observation } from "../../../capabilities/focom/status";

const UID = "0b6f7c1e-3d2a-4f7e-9a51-2c4d6e8f0a1b";
const store = new Map<string, ProvisioningRequestInfo>();
const calls: string[] = [];
let refuse: { status: number; detail: string } | undefined;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      calls.push(`${req.method} ${req.url}`);
      const send = (status: number, body?: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      if (req.headers.authorization !== "Bearer good") return send(401, { status: 401, detail: "token not accepted" });
      if (refuse && (req.method === "POST" || req.method === "PUT"))
        return send(refuse.status, { status: refuse.status, detail: refuse.detail });
      const id = decodeURIComponent(req.url!.split("/")[4] ?? "");
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as ProvisioningRequestInfo) : undefined;
      if (req.method === "GET") return store.has(id) ? send(200, store.get(id)) : send(404, { status: 404, detail: "nf" });
      if (req.method === "POST" || req.method === "PUT") {
        const saved = { ...body!, status: { provisioningPhase: "PROGRESSING" as const, updateTime: "2026-01-01T00:00:00Z" } };
        store.set(body!.provisioningRequestId, saved);
        return send(req.method === "POST" ? 201 : 200, saved);
      }
      if (req.method === "DELETE") {
        const had = store.get(id);
        if (!had) return send(404, { status: 404, detail: "nf" });
        store.set(id, { ...had, status: { ...had.status, provisioningPhase: "DELETING" } });
        return send(202);
      }
      send(405);
    });
  });
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise(r => server.close(r)));
beforeEach(() => {
  store.clear();
  calls.length = 0;
  refuse = undefined;
});

let token = "good";
const secret = () => ({
  metadata: { name: "tok", namespace: "smo", resourceVersion: token },
  data: { token: Buffer.from(token).toString("base64") },
});
const ocloud = (): OCloudObject => ({
  metadata: { name: "edge", namespace: "smo", uid: "oc-1" },
  spec: { o2ims: { url, tokenSecretRef: { name: "tok" } } },
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

function context(): RestContext & { observed: Observation[]; reports: OCloudReport[] } {
  const observed: Observation[] = [];
  const reports: OCloudReport[] = [];
  return {
    observed,
    reports,
    connections: new RestConnections({ readSecret: async () => secret() }),
    observe: async o => void observed.push(o),
    pollMs: 1000,
    report: async (_, r) => void reports.push(r),
    sent: new Map(),
    delivery: async () => POLLING_UNCONFIGURED,
  };
}

describe("reconcileOverRest", () => {
  it("POSTs a missing request under the uid, then only GETs while it is current, and PUTs a new generation", async () => {
    token = "good";
    const ctx = context();
    expect(await reconcileOverRest(fpr(), ocloud(), ctx)).toEqual({ requeueAfterMs: 1000 });
    expect(calls).toEqual([
      `GET /o2ims-infrastructureProvisioning/v1/provisioningRequests/${UID}`,
      "POST /o2ims-infrastructureProvisioning/v1/provisioningRequests",
    ]);
    expect(ctx.observed.at(-1)).toMatchObject({
      kind: "mirrored",
      remote: { status: { provisioningStatus: { provisioningState: "progressing" } } },
    });
    calls.length = 0;
    await reconcileOverRest(fpr(), ocloud(), ctx);
    expect(calls.map(c => c.split(" ")[0])).toEqual(["GET"]);
    calls.length = 0;
    await reconcileOverRest(fpr(2, [{ hostId: 2, hostName: "h2" }]), ocloud(), ctx);
    expect(calls.map(c => c.split(" ")[0])).toEqual(["GET", "PUT"]);
    expect((store.get(UID)!.templateParameters as { hosts: { workers: unknown[] } }).hosts.workers).toHaveLength(1);
    expect(ctx.reports.every(r => !r.failure)).toBe(true);
  });

  it("reports a 422 as a rejection with the O-Cloud's field-named reasons, re-checked later", async () => {
    token = "good";
    refuse = {
      status: 422,
      detail: 'admission webhook "w" denied the request: ProvisioningRequest rejected: spec.templateParameters.hosts: bad',
    };
    const ctx = context();
    expect(await reconcileOverRest(fpr(), ocloud(), ctx)).toEqual({ requeueAfterMs: UNAUTHORIZED_RECHECK_MS });
    expect(ctx.observed.at(-1)).toEqual({
      kind: "rejected",
      message: "O-Cloud edge rejected the write of the ProvisioningRequest (HTTP 422): spec.templateParameters.hosts: bad",
      remote: undefined,
    });
  });

  it("names a refused token without throwing (no retry storm), and throws on a network failure (backoff)", async () => {
    token = "stale";
    const ctx = context();
    expect(await reconcileOverRest(fpr(), ocloud(), ctx)).toEqual({ requeueAfterMs: UNAUTHORIZED_RECHECK_MS });
    expect(ctx.reports.at(-1)?.failure).toMatchObject({ kind: "unauthorized", reason: "Unauthorized" });
    token = "good";
    const down = { ...ocloud(), spec: { o2ims: { url: "http://127.0.0.1:1", tokenSecretRef: { name: "tok" } } } };
    await expect(reconcileOverRest(fpr(), down, context())).rejects.toThrow(/cannot reach O-Cloud edge/);
  });
});

describe("deleteOverRest", () => {
  it("DELETEs, waits while the O-Cloud shows DELETING, and releases once it answers 404", async () => {
    token = "good";
    const ctx = context();
    await reconcileOverRest(fpr(), ocloud(), ctx);
    let released = 0;
    const del = { cannotDelete: async () => ({}), release: async () => void released++ };
    expect(await deleteOverRest(fpr(), ocloud(), ctx, del)).toEqual({ requeueAfterMs: 1000 });
    expect(store.get(UID)?.status?.provisioningPhase).toBe("DELETING");
    expect(released).toBe(0);
    store.delete(UID); // the O-Cloud finished
    expect(await deleteOverRest(fpr(), ocloud(), ctx, del)).toEqual({});
    expect(released).toBe(1);
    expect(ctx.observed.at(-1)).toMatchObject({ kind: "deleting", remote: null });
  });
});
