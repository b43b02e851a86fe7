/**
 * The O2 IMS REST API end to end on a real control plane: the built bundle as the REST server (its own
 * ServiceAccount, TLS), the built module (admission webhooks called by the API server, the reconciler) and the
 * BYOH/CAPI simulator. Callers are ServiceAccounts with and without RBAC on provisioningrequests. Every answer is
 * validated against o2ims-api/openapi/provisioning.yaml (support/openapi-responses.ts).
 */
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { load } from "js-yaml";
import { KubeClient, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { requestToken } from "../../local/identity";
import { ModuleProcess, startModule } from "../../local/module";
import { O2imsApiProcess, startO2imsApi } from "../../local/o2ims-api";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";
import { PROVISIONING_DOCUMENT } from "../../o2ims-api/provisioning";
import { Answer, ResponseValidator } from "./support/openapi-responses";

const ROOT = path.resolve(__dirname, "../..");
const NS = "o2ims";
const BASE = "/o2ims-infrastructureProvisioning/v1/provisioningRequests";
const ID = "0b6f1c5e-8d0a-4b57-9a43-6f3c2d1e0a01";
const BAD_ID = "0b6f1c5e-8d0a-4b57-9a43-6f3c2d1e0a02";

let plane: Plane;
let admin: KubeClient;
let mod: ModuleProcess;
let sim: Simulator;
let api: O2imsApiProcess;
let validator: ResponseValidator;
let ca: Buffer;
let smoToken: string;
let nobodyToken: string;
const agent = new https.Agent({ keepAlive: true });

type Info = {
  provisioningRequestId: string;
  templateParameters: { hosts: { masters: unknown[]; workers: unknown[] } };
  status: {
    provisioningPhase: string;
    message?: string;
    updateTime: string;
    provisionedResources?: { oCloudNodeClusterId?: string; oCloudInfrastructureResourceIds?: string[] };
  };
};
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
type Problem = {
  status: number;
  title: string;
  detail: string;
  instance: string;
  invalidParams?: { param: string; reason: string }[];
};

interface CallOptions {
  token?: string | null;
  body?: unknown;
  raw?: string;
}

/** One HTTPS request to the server (the smo caller unless told otherwise). */
async function send(method: string, p: string, opts: CallOptions = {}): Promise<Answer & { body: Json }> {
  const token = opts.token === undefined ? smoToken : opts.token;
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const answer = await new Promise<Answer>((resolve, reject) => {
    const req = https.request(
      `${api.url}${p}`,
      {
        method,
        ca,
        agent,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined ? { "Content-Type": "application/json" } : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on("data", c => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
  return answer as Answer & { body: Json };
}

function conforms(method: string, p: string, answer: Answer) {
  const pathOnly = p.split("?")[0];
  expect({ call: `${method} ${p} -> ${answer.status}`, errors: validator.errors(method, pathOnly, answer) }).toEqual({
    call: `${method} ${p} -> ${answer.status}`,
    errors: [],
  });
}

/** One call; the answer must conform to the document whatever it is. */
async function call(method: string, p: string, opts: CallOptions = {}): Promise<Answer & { body: Json }> {
  const answer = await send(method, p, opts);
  conforms(method, p, answer);
  return answer;
}

const hostsOf = (masters: number[], workers: number[]) => ({
  masters: masters.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
  workers: workers.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
});
const data = (id: string, clusterName: string, masters: number[], workers: number[]) => ({
  provisioningRequestId: id,
  name: `${clusterName} cluster`,
  description: "created over the O2 IMS REST API",
  templateName: "byoh-workload-cluster",
  templateVersion: "v1",
  templateParameters: { clusterName, k8sVersion: "v1.32.0", controlPlaneEndpoint: "10.10.1.1", hosts: hostsOf(masters, workers) },
});

async function waitPhase(id: string, phase: string, until: (i: Info) => boolean = () => true): Promise<Info> {
  let last: unknown;
  return waitFor(
    async () => {
      const r = await call("GET", `${BASE}/${id}`);
      last = r.body;
      return r.status === 200 && r.body.status.provisioningPhase === phase && until(r.body) ? (r.body as Info) : undefined;
    },
    { timeoutMs: 90_000, message: `${id} ${phase} (last: ${JSON.stringify((last as Info | undefined)?.status)})` },
  );
}

/** A ServiceAccount in NS and, when rules are given, a Role + RoleBinding granting them; its token. */
async function serviceAccount(name: string, verbs?: string[]): Promise<string> {
  await admin.request("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name } });
  if (verbs) {
    const rbac = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + NS;
    await admin.request("POST", `${rbac}/roles`, {
      metadata: { name },
      rules: [{ apiGroups: [R.ProvisioningRequest.group], resources: ["provisioningrequests"], verbs }],
    });
    await admin.request("POST", `${rbac}/rolebindings`, {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: NS }],
    });
  }
  return requestToken(admin, { name, namespace: NS }, 3600);
}

beforeAll(async () => {
  plane = await startPlane({ crds: "all" });
  admin = await plane.client("o2ims-api-it");
  const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject;
  await admin.apply(R.ClusterTemplate, template);
  await admin.apply(R.Namespace, { metadata: { name: NS } });
  for (let i = 1; i <= 4; i++)
    await registerHost(admin, { name: `target-${i}`, labels: { "host-id": String(i) }, ip: `10.10.0.${i}` });
  sim = new Simulator(await plane.client("capi-simulator"), { stepDelayMs: 50 });
  await sim.start();
  mod = await startModule({ kubeconfig: plane.kubeconfig, dir: path.join(plane.dir, "module") });
  api = await startO2imsApi({ kubeconfig: plane.kubeconfig, dir: path.join(plane.dir, "o2ims-api"), namespace: NS });
  ca = fs.readFileSync(api.caFile);
  validator = await ResponseValidator.forDocument(PROVISIONING_DOCUMENT);
  smoToken = await serviceAccount("smo", ["get", "list", "create", "update", "delete"]);
  nobodyToken = await serviceAccount("nobody");
}, 300_000);

afterAll(async () => {
  agent.destroy();
  sim?.stop();
  await api?.stop();
  await mod?.stop();
  await plane?.stop();
});

const prNames = async () => (await admin.list(R.ProvisioningRequest, { namespace: NS })).map(p => p.metadata.name);

describe("who may call", () => {
  it("answers 401 without a token and with one the API server does not accept, and /healthz without one", async () => {
    const none = await call("GET", BASE, { token: null });
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect((none.body as Problem).detail).toMatch(/Authorization: Bearer/);
    const bad = await call("GET", BASE, { token: "not-a-token" });
    expect(bad.status).toBe(401);
    expect((bad.body as Problem).detail).toMatch(/not accepted/);
    const health = await new Promise<number>(resolve =>
      https.get(`${api.url}/healthz`, { ca }, res => resolve(res.statusCode!)).end(),
    );
    expect(health).toBe(200);
    // The token never reaches the server's log.
    expect(fs.readFileSync(api.logFile, "utf8")).not.toContain(smoToken.slice(-20));
  });

  it("answers 403 naming the verb and resource to a ServiceAccount without RBAC on provisioningrequests", async () => {
    const r = await call("GET", BASE, { token: nobodyToken });
    expect(r.status).toBe(403);
    expect((r.body as Problem).detail).toBe(
      `system:serviceaccount:${NS}:nobody may not list provisioningrequests.o2ims.provisioning.oran.org in namespace ${NS}`,
    );
    const post = await call("POST", BASE, { token: nobodyToken, body: data(BAD_ID, "nope", [1], []) });
    expect(post.status).toBe(403);
    expect((post.body as Problem).detail).toMatch(/may not create provisioningrequests/);
    expect(await prNames()).not.toContain(BAD_ID);
  });
});

describe("routing and validation", () => {
  it("404 for an unknown path and an unknown id, 405 with Allow for a method the path lacks", async () => {
    expect((await call("GET", "/o2ims-infrastructureProvisioning/v1/nothing")).status).toBe(404);
    expect((await call("GET", "/elsewhere")).status).toBe(404);
    const missing = await call("GET", `${BASE}/${BAD_ID}`);
    expect(missing.status).toBe(404);
    expect((missing.body as Problem).instance).toBe(`${BASE}/${BAD_ID}`);
    const patch = await call("PATCH", `${BASE}/${ID}`, { body: {} });
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe("GET, PUT, DELETE");
    const put = await call("PUT", BASE, { body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe("GET, POST");
  });

  it("400 naming the parameter for a bad filter, an unknown parameter and a body that breaks the schema; no CR", async () => {
    const filter = await call("GET", `${BASE}?filter=${encodeURIComponent("(like,name,x)")}`);
    expect(filter.status).toBe(400);
    expect((filter.body as Problem).detail).toMatch(/^query parameter filter: term "\(like,name,x\)": unknown operator "like"/);
    const unknown = await call("GET", `${BASE}?colour=blue`);
    expect(unknown.status).toBe(400);
    expect((unknown.body as Problem).invalidParams).toEqual([
      { param: "colour", in: "query", reason: "is not a known field/parameter" },
    ]);
    const { templateName: _omitted, ...noTemplate } = data(BAD_ID, "bad", [1], []);
    const body = await call("POST", BASE, { body: { ...noTemplate, provisioningRequestId: "NOT-A-UUID" } });
    expect(body.status).toBe(400);
    const params = (body.body as Problem).invalidParams!.map(p => p.param).sort();
    expect(params).toEqual(["provisioningRequestId", "templateName"]);
    const json = await call("POST", BASE, { raw: "{not json" });
    expect(json.status).toBe(400);
    expect(await prNames()).toEqual([]);
  });
});

describe("a ProvisioningRequest over REST", () => {
  it("POST -> 201 with Location, then FULFILLED with its provisioned resources; the same id again is 409", async () => {
    const r = await call("POST", BASE, { body: data(ID, "rest", [1], [2]) });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`${BASE}/${ID}`);
    expect(r.body.provisioningRequestId).toBe(ID);
    expect(["PENDING", "PROGRESSING"]).toContain(r.body.status.provisioningPhase);
    const done = await waitPhase(ID, "FULFILLED");
    expect(done.status.message).toMatch(/ready/);
    expect(done.status.provisionedResources?.oCloudNodeClusterId).toBe((await admin.get(R.Cluster, "rest", NS)).metadata.uid);
    expect(done.status.provisionedResources?.oCloudInfrastructureResourceIds).toHaveLength(2);
    const again = await call("POST", BASE, { body: data(ID, "rest", [1], [2]) });
    expect(again.status).toBe(409);
    expect((again.body as Problem).detail).toBe(`ProvisioningRequest ${ID} already exists`);
  }, 120_000);

  it("a request the admission webhook refuses is a 422 naming the field, and leaves no CR", async () => {
    const r = await call("POST", BASE, { body: data(BAD_ID, "even", [3, 4], []) });
    expect(r.status).toBe(422);
    const p = r.body as Problem;
    expect(p.detail).toMatch(/denied the request/);
    expect(p.invalidParams).toContainEqual({
      param: "templateParameters.hosts.masters",
      reason: expect.stringMatching(/odd number/),
    });
    expect(await prNames()).toEqual([ID]);
  });

  it("GET list with filter and fields", async () => {
    const all = await call("GET", BASE);
    expect(all.body.map((i: Info) => i.provisioningRequestId)).toEqual([ID]);
    const f = encodeURIComponent("(eq,status/provisioningPhase,FULFILLED);(cont,name,rest)");
    const some = await call("GET", `${BASE}?filter=${f}&fields=provisioningRequestId,status/provisioningPhase`);
    expect(some.body).toEqual([{ provisioningRequestId: ID, status: { provisioningPhase: "FULFILLED" } }]);
    const none = await call("GET", `${BASE}?filter=${encodeURIComponent("(neq,status/provisioningPhase,FULFILLED)")}`);
    expect(none.body).toEqual([]);
  });

  it("PUT scales the workers (and refuses another id in the body with 422)", async () => {
    const mismatch = await call("PUT", `${BASE}/${ID}`, { body: data(BAD_ID, "rest", [1], [2]) });
    expect(mismatch.status).toBe(422);
    expect((mismatch.body as Problem).invalidParams?.[0].param).toBe("provisioningRequestId");
    const r = await call("PUT", `${BASE}/${ID}`, { body: data(ID, "rest", [1], [2, 3]) });
    expect(r.status).toBe(200);
    expect(r.body.templateParameters.hosts.workers).toHaveLength(2);
    const done = await waitPhase(
      ID,
      "FULFILLED",
      i => (i.status.provisionedResources?.oCloudInfrastructureResourceIds ?? []).length === 3,
    );
    expect(done.status.message).toMatch(/workers 2\/2/);
    const deployments = await admin.list(R.MachineDeployment, {
      namespace: NS,
      labelSelector: "cluster.x-k8s.io/cluster-name=rest",
    });
    expect(deployments).toHaveLength(2);
  }, 120_000);

  it("DELETE -> 202, DELETING, then 404 and no Cluster API object left", async () => {
    const uid = (await admin.get(R.ProvisioningRequest, ID, NS)).metadata.uid!;
    const r = await call("DELETE", `${BASE}/${ID}`);
    expect(r.status).toBe(202);
    expect(r.headers.location).toBe(`${BASE}/${ID}`);
    await waitFor(async () => (await call("GET", `${BASE}/${ID}`)).status === 404, {
      timeoutMs: 90_000,
      message: `${ID} gone`,
    });
    for (const res of [
      R.Cluster,
      R.KubeadmControlPlane,
      R.MachineDeployment,
      R.ByoCluster,
      R.ByoMachineTemplate,
      R.KubeadmConfigTemplate,
    ])
      expect(await admin.list(res, { namespace: NS, labelSelector: `o2ims.provisioning.oran.org/request-uid=${uid}` })).toEqual(
        [],
      );
    expect(await admin.list(R.Cluster, { namespace: NS })).toEqual([]);
    expect((await call("DELETE", `${BASE}/${ID}`)).status).toBe(404);
  }, 120_000);
});

describe("latency", () => {
  it("GET list of 100 ProvisioningRequests: p99 printed", async () => {
    // The module and its webhooks are stopped first: these requests are list material only (no hosts behind them).
    await mod.stop();
    const N = 100;
    for (let i = 0; i < N; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
      const d = data(id, `c${i}`, [1], []);
      await admin.create(R.ProvisioningRequest, {
        apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
        kind: "ProvisioningRequest",
        metadata: { name: id, namespace: NS },
        spec: {
          name: d.name,
          templateName: d.templateName,
          templateVersion: d.templateVersion,
          templateParameters: d.templateParameters,
        },
      });
    }
    const samples: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      const r = await send("GET", BASE);
      samples.push(performance.now() - t);
      conforms("GET", BASE, r);
      expect(r.body).toHaveLength(N);
    }
    samples.sort((a, b) => a - b);
    const q = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)].toFixed(1);
    console.log(`GET ${BASE} with ${N} requests, ${samples.length} calls: p50 ${q(50)} ms, p99 ${q(99)} ms, max ${q(100)} ms`);
    expect(samples.length).toBe(200);
  }, 120_000);
});
