/**
 * The core's request pipeline in process (no listener): authentication, routing by the document, validation,
 * authorisation, problem bodies. The Kubernetes side is a recording stand-in for the two review APIs only; the
 * integration test (test/integration/o2ims-api.test.ts) runs the same against a real API server.
 */
import type { KubeClient } from "../../kube/client";
import { ApiRequest, Service } from "../../o2ims-api/contract";
import { PROVISIONING_DOCUMENT } from "../../o2ims-api/provisioning";
import { createApiServer, mount } from "../../o2ims-api/server";
import { readSettings } from "../../o2ims-api/settings";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function reviews(allowed: (attrs: Record<string, string>) => boolean) {
  const calls: { path: string; body: Json }[] = [];
  const client = {
    async request(_method: string, path: string, body: Json) {
      calls.push({ path, body });
      if (path.endsWith("/tokenreviews"))
        return body.spec.token === "good"
          ? { status: { authenticated: true, user: { username: "alice", groups: ["smo"], uid: "u1" } } }
          : { status: { authenticated: false } };
      return { status: { allowed: allowed(body.spec.resourceAttributes) } };
    },
  };
  return { client: client as unknown as KubeClient, calls };
}

let handled: ApiRequest[] = [];
const service = (): Service => {
  const op = (status: number, body?: unknown) => ({
    access: (req: ApiRequest) => [
      {
        group: "o2ims.provisioning.oran.org",
        resource: "provisioningrequests",
        verb: req.method === "GET" ? "list" : "create",
        namespace: "o2ims",
      },
    ],
    handle: async (req: ApiRequest) => {
      handled.push(req);
      return { status, body };
    },
  });
  return {
    name: "provisioning",
    document: PROVISIONING_DOCUMENT,
    operations: {
      listProvisioningRequests: op(200, []),
      createProvisioningRequest: op(201, {}),
      getProvisioningRequest: op(200, {}),
      updateProvisioningRequest: op(200, {}),
      deleteProvisioningRequest: op(202),
    },
  };
};

const BASE = "/o2ims-infrastructureProvisioning/v1/provisioningRequests";
const auth = { authorization: "Bearer good" };
const settings = { ...readSettings({}), authCacheSeconds: 10 };

async function server(allowed = (_: Record<string, string>) => true) {
  handled = [];
  const r = reviews(allowed);
  return { ...r, api: await createApiServer({ services: [service()], client: r.client, settings, log: quiet }) };
}
const body = (a: { body?: string }) => JSON.parse(a.body ?? "null");

describe("the request pipeline", () => {
  it("/healthz needs no token", async () => {
    const { api } = await server();
    expect((await api.dispatch("GET", "/healthz", {}, Buffer.alloc(0))).status).toBe(200);
  });

  it("401 without a bearer token or with a refused one, as a problem with WWW-Authenticate", async () => {
    const { api } = await server();
    const none = await api.dispatch("GET", BASE, {}, Buffer.alloc(0));
    expect(none.status).toBe(401);
    expect(none.headers["Content-Type"]).toBe("application/problem+json");
    expect(none.headers["WWW-Authenticate"]).toMatch(/^Bearer/);
    expect(body(none)).toMatchObject({ type: "about:blank", title: "Unauthorized", status: 401, instance: BASE });
    expect((await api.dispatch("GET", BASE, { authorization: "Bearer nope" }, Buffer.alloc(0))).status).toBe(401);
    expect(handled).toEqual([]);
  });

  it("caches an identity by the token's hash, never the token", async () => {
    const { api, calls } = await server();
    await api.dispatch("GET", BASE, auth, Buffer.alloc(0));
    await api.dispatch("GET", BASE, auth, Buffer.alloc(0));
    expect(calls.filter(c => c.path.endsWith("/tokenreviews"))).toHaveLength(1);
  });

  it("404 for an unknown path, 405 with Allow for a method the path lacks", async () => {
    const { api } = await server();
    expect((await api.dispatch("GET", "/nowhere", auth, Buffer.alloc(0))).status).toBe(404);
    const m = await api.dispatch("PATCH", `${BASE}/x`, auth, Buffer.alloc(0));
    expect(m.status).toBe(405);
    expect(m.headers.Allow).toBe("GET, PUT, DELETE");
    expect(body(m).allow).toBeUndefined();
  });

  it("400 naming the body field or parameter; 415 for a body that is not JSON", async () => {
    const { api } = await server();
    const bad = await api.dispatch("POST", BASE, { ...auth, "content-type": "application/json" }, Buffer.from('{"name":""}'));
    expect(bad.status).toBe(400);
    const params = body(bad).invalidParams.map((p: { param: string }) => p.param);
    expect(params).toEqual(expect.arrayContaining(["provisioningRequestId", "templateName", "name"]));
    const q = await api.dispatch("GET", `${BASE}?limit=3`, auth, Buffer.alloc(0));
    expect(body(q).invalidParams).toEqual([{ param: "limit", in: "query", reason: "is not a known field/parameter" }]);
    const t = await api.dispatch("POST", BASE, { ...auth, "content-type": "text/plain" }, Buffer.from("x"));
    expect(t.status).toBe(415);
    expect(handled).toEqual([]);
  });

  it("403 naming verb and resource when the SubjectAccessReview says no; the review carries the caller", async () => {
    const { api, calls } = await server(a => a.verb !== "list");
    const r = await api.dispatch("GET", BASE, auth, Buffer.alloc(0));
    expect(r.status).toBe(403);
    expect(body(r).detail).toBe("alice may not list provisioningrequests.o2ims.provisioning.oran.org in namespace o2ims");
    const sar = calls.find(c => c.path.endsWith("/subjectaccessreviews"))!.body.spec;
    expect(sar).toMatchObject({ user: "alice", uid: "u1", groups: ["smo"] });
    expect(handled).toEqual([]);
  });

  it("hands a valid, allowed request to its operation with its path parameters", async () => {
    const { api } = await server();
    const r = await api.dispatch("GET", `${BASE}/edge-1`, auth, Buffer.alloc(0));
    expect(r.status).toBe(200);
    expect(handled[0]).toMatchObject({
      method: "GET",
      params: { provisioningRequestId: "edge-1" },
      caller: { username: "alice" },
    });
  });

  it("refuses to start when the document and the operations disagree", async () => {
    const s = service();
    delete s.operations.deleteProvisioningRequest;
    s.operations.extra = s.operations.getProvisioningRequest;
    await expect(mount(s)).rejects.toThrow(
      /documented, not implemented: deleteProvisioningRequest; implemented, not documented: extra/,
    );
  });
});

describe("settings", () => {
  it("names a bad value", () => {
    expect(() => readSettings({ OCP_O2IMS_API_PORT: "70000" })).toThrow(
      /OCP_O2IMS_API_PORT: "70000" must be an integer from 0 to 65535/,
    );
    expect(() => readSettings({ OCP_O2IMS_API_TLS_CERT: "/c" })).toThrow(/set both/);
    expect(() => readSettings({ OCP_O2IMS_API_NAMESPACE: "Bad_NS" })).toThrow(
      /OCP_O2IMS_API_NAMESPACE: "Bad_NS" must be a namespace name/,
    );
  });
});
