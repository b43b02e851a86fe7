/**
 * The O2 IMS inventory and subscription services end to end on a real control plane: the built module (admission,
 * reconcile), the BYOH/CAPI simulator playing the hosts and Cluster API, and the REST server as it ships (the built
 * bundle, its own ServiceAccount, TLS). A caller with a ServiceAccount token of its own reads the inventory and
 * subscribes; a local HTTP consumer receives the notifications. Every answer is validated against the service's
 * OpenAPI document with openapi-backend (the library the server itself validates requests with).
 * Prints: GET resources p99 with 1,000 hosts in a pool, notification delay p95.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import OpenAPIBackend, { type Document } from "openapi-backend";
import { KubeClient, KubeObject } from "../../kube/client";
import { Informer } from "../../kube/informer";
import { R } from "../../kube/resources";
import { applyIdentity, requestToken } from "../../local/identity";
import { ModuleProcess, startModule } from "../../local/module";
import { O2imsApiProcess, startO2imsApi } from "../../local/o2ims-api";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";
import { registerFleet, registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";
import { INVENTORY_DOCUMENT } from "../../o2ims-api/inventory";
import { PROVISIONING_SUBSCRIPTIONS_DOCUMENT } from "../../o2ims-api/subscriptions";

const ROOT = path.resolve(__dirname, "../..");
const NS = "o2ims";
const INV = "/o2ims-infrastructureInventory/v1";
const PROV_SUBS = "/o2ims-infrastructureProvisioning/v1/subscriptions";
const FLEET = 1000;

let plane: Plane;
let client: KubeClient;
let mod: ModuleProcess;
let sim: Simulator;
let server: O2imsApiProcess;
let token: string;
let ca: Buffer;
let prWatch: Informer;
/** Local time at which the test's own watch saw each ProvisioningRequest state: "<name>/<state>" -> ms. */
const stateSeen = new Map<string, number>();
const delays: number[] = [];

// ---- the consumer ---------------------------------------------------------------------------------------------

interface Received {
  path: string;
  at: number;
  body: {
    notificationEventType: number;
    objectType: string;
    objectRef: string;
    subscriptionId: string;
    consumerSubscriptionId?: string;
    provisioningRequestId?: string;
    status?: { provisioningPhase: string };
    priorObjectState?: Record<string, never>;
    postObjectState?: {
      resourceId?: string;
      name?: string;
      extensions?: {
        name?: string;
        namespace?: string;
        state?: string;
        pinning?: { value: string } | null;
        cluster?: { name: string; deploymentManagerId: string | null } | null;
      };
    };
  };
}
const received: Received[] = [];
let consumer: http.Server;
let consumerUrl: string;

// ---- the REST client, validating every answer -----------------------------------------------------------------

const backends = new Map<string, OpenAPIBackend>();
async function backend(file: string): Promise<OpenAPIBackend> {
  let b = backends.get(file);
  if (!b) {
    const definition = load(fs.readFileSync(file, "utf8")) as Document;
    b = new OpenAPIBackend({
      definition,
      apiRoot: new URL(definition.servers![0].url, "http://x").pathname,
      strict: true,
      customizeAjv: ajv => {
        addFormats(ajv);
        return ajv;
      },
    });
    await b.init();
    backends.set(file, b);
  }
  return b;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

function call(method: string, p: string, body?: unknown, bearer = token): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      `${server.url}${p}`,
      {
        method,
        ca,
        headers: {
          ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
          ...(payload ? { "Content-Type": "application/json", "Content-Length": String(payload.length) } : {}),
        },
      },
      res => {
        const chunks: Buffer[] = [];
        res.on("data", c => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Calls the API and validates the answer against the document's response for that operation and status. */
async function api(method: string, p: string, body?: unknown): Promise<Answer> {
  const a = await call(method, p, body);
  const file = p.startsWith(PROV_SUBS) ? PROVISIONING_SUBSCRIPTIONS_DOCUMENT : INVENTORY_DOCUMENT;
  const b = await backend(file);
  const [pathname, search] = p.split("?");
  const op = b.router.matchOperation({ method: method.toLowerCase(), path: pathname, query: search ?? "", headers: {} });
  if (!op) throw new Error(`no operation for ${method} ${p} in ${file}`);
  const v = b.validateResponse(a.body, op, a.status);
  if (v.errors?.length)
    throw new Error(`${method} ${p} -> ${a.status}: the answer breaks ${path.basename(file)}: ${JSON.stringify(v.errors)}`);
  return a;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function receivedWhere(pred: (r: Received) => boolean, what: string, timeoutMs = 30_000): Promise<Received> {
  return waitFor(async () => received.find(pred), {
    timeoutMs,
    message: `a notification: ${what} (received: ${JSON.stringify(received.map(r => [r.path, r.body.objectType, r.body.notificationEventType]))})`,
  });
}

beforeAll(async () => {
  consumer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", c => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>(r => consumer.listen(0, "127.0.0.1", r));
  consumerUrl = `http://127.0.0.1:${(consumer.address() as AddressInfo).port}`;

  plane = await startPlane({ crds: "all" });
  client = await plane.client("o2ims-api-inventory-it");
  const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject;
  await client.apply(R.ClusterTemplate, template);
  const ns = await client.apply(R.Namespace, { metadata: { name: NS } });
  await client.apply(R.ConfigMap, {
    metadata: {
      name: "calico-cni",
      namespace: NS,
      ownerReferences: [{ apiVersion: "v1", kind: "Namespace", name: NS, uid: ns.metadata.uid! }],
    },
    data: { "calico.yaml": "# a stand-in for the Calico manifest\n" },
  });
  for (let i = 1; i <= 3; i++) await registerHost(client, { name: `target-${i}`, labels: { "host-id": String(i) } });
  sim = new Simulator(await plane.client("capi-simulator"), { stepDelayMs: 50, cniPlaceholders: false });
  await sim.start();
  mod = await startModule({ kubeconfig: plane.kubeconfig, dir: path.join(plane.dir, "module") });
  server = await startO2imsApi({
    kubeconfig: plane.kubeconfig,
    dir: path.join(plane.dir, "o2ims-api"),
    namespace: NS,
    env: { OCP_O2IMS_CALLBACK_ALLOW: "127.0.0.1", OCP_O2IMS_NOTIFY_RETRY_BASE_MS: "100" },
  });
  ca = fs.readFileSync(server.caFile);

  // The SMO: a ServiceAccount allowed what the inventory and subscriptions map to, and provisioning requests.
  const rbac = "rbac.authorization.k8s.io/v1";
  await applyIdentity(client, [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "smo", namespace: NS } },
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: { name: "o2ims-it-smo" },
      rules: [
        { apiGroups: ["infrastructure.cluster.x-k8s.io"], resources: ["byohosts"], verbs: ["get", "list"] },
        { apiGroups: ["cluster.x-k8s.io"], resources: ["clusters"], verbs: ["get", "list"] },
        {
          apiGroups: ["o2ims.provisioning.oran.org"],
          resources: ["o2imssubscriptions"],
          verbs: ["get", "list", "create", "delete"],
        },
      ],
    },
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: "o2ims-it-smo" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "o2ims-it-smo" },
      subjects: [{ kind: "ServiceAccount", name: "smo", namespace: NS }],
    },
  ]);
  token = await requestToken(client, { name: "smo", namespace: NS });

  prWatch = new Informer(client, R.ProvisioningRequest, { namespace: NS });
  prWatch.onChange((_phase, pr) => {
    const state = (pr.status as { provisioningStatus?: { provisioningState?: string } } | undefined)?.provisioningStatus
      ?.provisioningState;
    const key = `${pr.metadata.name}/${state}`;
    if (state && !stateSeen.has(key)) stateSeen.set(key, Date.now());
  });
  await prWatch.start();
}, 300_000);

afterAll(async () => {
  prWatch?.stop();
  await server?.stop();
  sim?.stop();
  await mod?.stop();
  await plane?.stop();
  await new Promise(r => consumer?.close(r));
  if (delays.length)
    console.log(
      `notification delay (change seen by a watch of the test -> callback received): n=${delays.length} p50=${pct(delays, 50)} ms p95=${pct(delays, 95)} ms max=${Math.max(...delays)} ms`,
    );
});

describe("inventory reads", () => {
  it("CloudInfo names the O-Cloud by the kube-system namespace's UID", async () => {
    const a = await api("GET", INV);
    expect(a.status).toBe(200);
    const kubeSystem = await client.get(R.Namespace, "kube-system");
    expect(a.body).toMatchObject({ oCloudId: kubeSystem.metadata.uid, globalCloudId: kubeSystem.metadata.uid });
    expect((await api("GET", `${INV}/resourceTypes`)).body).toHaveLength(1);
  });

  it("a pool per namespace holding ByoHosts; its resources are the hosts, with pinning value and state", async () => {
    const def = await client.get(R.Namespace, "default");
    const pools = (await api("GET", `${INV}/resourcePools`)).body as { resourcePoolId: string; name: string }[];
    expect(pools).toEqual([expect.objectContaining({ resourcePoolId: def.metadata.uid, name: "default" })]);
    const res = (await api("GET", `${INV}/resourcePools/${def.metadata.uid}/resources`))
      .body as Received["body"]["postObjectState"][];
    const host1 = await client.get(R.ByoHost, "target-1", "default");
    const r1 = res.find(r => r?.resourceId === host1.metadata.uid);
    expect(r1?.extensions).toMatchObject({ name: "target-1", state: "free", pinning: { label: "host-id", value: "1" } });
    const one = await api("GET", `${INV}/resourcePools/${def.metadata.uid}/resources/${host1.metadata.uid}`);
    expect(one.body).toEqual(r1);
    const filtered = await api(
      "GET",
      `${INV}/resourcePools/${def.metadata.uid}/resources?filter=(eq,extensions/pinning/value,2)&fields=resourceId`,
    );
    const host2 = await client.get(R.ByoHost, "target-2", "default");
    expect(filtered.body).toEqual([{ resourceId: host2.metadata.uid }]);
  });

  it("404 for an unknown pool or resource, 400 naming a bad filter, 401 without a token", async () => {
    expect((await api("GET", `${INV}/resourcePools/nope/resources`)).status).toBe(404);
    expect((await api("GET", `${INV}/deploymentManagers/nope`)).status).toBe(404);
    const bad = await api("GET", `${INV}/resourcePools?filter=(like,name,x)`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("filter");
    expect((await call("GET", `${INV}/resourcePools`, undefined, "")).status).toBe(401);
  });
});

describe("subscriptions and notifications", () => {
  let invSub: string;
  let provSub: string;

  it("a callback to a disallowed address is refused at subscription time, naming callback; no CR is made", async () => {
    for (const callback of [
      "http://169.254.169.254/latest/meta-data",
      "http://10.1.2.3/cb",
      "ftp://127.0.0.1/cb",
      "http://u:p@127.0.0.1/cb",
    ]) {
      const a = await api("POST", `${INV}/subscriptions`, { callback });
      expect(a.status).toBe(400);
      expect((a.body as { invalidParams: { param: string }[] }).invalidParams[0].param).toBe("callback");
    }
    expect(await client.list(R.O2imsSubscription, { namespace: "pepr-system" })).toEqual([]);
  });

  it("subscribes to the inventory and to ProvisioningRequest changes", async () => {
    const a = await api("POST", `${INV}/subscriptions`, {
      callback: `${consumerUrl}/inventory`,
      consumerSubscriptionId: "smo-inv-1",
    });
    expect(a.status).toBe(201);
    invSub = (a.body as { subscriptionId: string }).subscriptionId;
    expect(a.headers.location).toBe(`${INV}/subscriptions/${invSub}`);
    const b = await api("POST", PROV_SUBS, { callback: `${consumerUrl}/provisioning`, consumerSubscriptionId: "smo-prov-1" });
    expect(b.status).toBe(201);
    provSub = (b.body as { subscriptionId: string }).subscriptionId;
    expect(((await api("GET", `${INV}/subscriptions`)).body as unknown[]).length).toBe(1);
    expect((await api("GET", `${PROV_SUBS}/${provSub}`)).body).toMatchObject({
      subscriptionId: provSub,
      consumerSubscriptionId: "smo-prov-1",
    });
    // Durable: each is a CR in the server's namespace.
    expect((await client.list(R.O2imsSubscription, { namespace: "pepr-system" })).map(s => s.metadata.name).sort()).toEqual(
      [invSub, provSub].sort(),
    );
  });

  it("a host registering is notified (resource create; pool create for a new namespace)", async () => {
    const t0 = Date.now();
    await registerHost(client, { name: "target-4", labels: { "host-id": "4" } });
    const n = await receivedWhere(
      r => r.path === "/inventory" && r.body.objectType === "resource" && r.body.postObjectState?.extensions?.name === "target-4",
      "target-4 created",
    );
    delays.push(n.at - t0);
    expect(n.body).toMatchObject({ subscriptionId: invSub, consumerSubscriptionId: "smo-inv-1" });
    // registerHost creates the ByoHost, then writes its status: a create, then a modify with addresses.
    expect(n.body.notificationEventType).toBe(0);
    await client.apply(R.Namespace, { metadata: { name: "site-b" } });
    const t1 = Date.now();
    await registerHost(client, { name: "site-b-1", namespace: "site-b", labels: { "host-id": "b1" } });
    const pool = await receivedWhere(
      r => r.body.objectType === "resourcePool" && r.body.notificationEventType === 0,
      "pool site-b created",
    );
    delays.push(pool.at - t1);
    expect(pool.body.postObjectState).toMatchObject({ name: "site-b" });
  });

  it("a ProvisioningRequest: host attached (resource modify), deployment manager created, state notifications", async () => {
    await client.create(R.ProvisioningRequest, {
      metadata: { name: "edge", namespace: NS },
      spec: {
        name: "edge cluster",
        templateName: "byoh-workload-cluster",
        templateVersion: "v1",
        templateParameters: {
          clusterName: "edge",
          k8sVersion: "v1.32.0",
          controlPlaneEndpoint: "10.10.1.1",
          hosts: {
            masters: [{ hostId: 1, hostName: "target-1", hostIp: "10.10.0.1" }],
            workers: [{ hostId: 2, hostName: "target-2", hostIp: "10.10.0.2" }],
          },
        },
      },
    });
    const cluster = await waitFor(async () => client.find(R.Cluster, "edge", NS), { timeoutMs: 60_000, message: "Cluster edge" });
    const dm = await receivedWhere(
      r => r.body.objectType === "deploymentManager" && r.body.notificationEventType === 0,
      "Cluster edge created",
    );
    expect(dm.body.objectRef).toBe(`${INV}/deploymentManagers/${cluster.metadata.uid}`);
    const attached = await receivedWhere(
      r =>
        r.body.objectType === "resource" &&
        r.body.postObjectState?.extensions?.name === "target-1" &&
        r.body.postObjectState.extensions.state === "attached" &&
        r.body.postObjectState.extensions.cluster?.deploymentManagerId === cluster.metadata.uid,
      "target-1 attached to edge",
      60_000,
    );
    expect(attached.body.notificationEventType).toBe(1);
    const fulfilled = await receivedWhere(
      r => r.path === "/provisioning" && r.body.status?.provisioningPhase === "FULFILLED",
      "edge FULFILLED",
      90_000,
    );
    expect(fulfilled.body).toMatchObject({
      provisioningRequestId: "edge",
      subscriptionId: provSub,
      consumerSubscriptionId: "smo-prov-1",
    });
    const phases = received.filter(r => r.path === "/provisioning").map(r => r.body.status?.provisioningPhase);
    expect(received.find(r => r.path === "/provisioning")?.body.notificationEventType).toBe(0);
    expect(phases).toContain("PROGRESSING");
    // Delivered within a second of the status change (as the test's own watch saw it).
    for (const state of ["progressing", "fulfilled"]) {
      const seen = stateSeen.get(`edge/${state}`)!;
      const got = received.find(r => r.path === "/provisioning" && r.body.status?.provisioningPhase === state.toUpperCase())!;
      delays.push(got.at - seen);
      expect(got.at - seen).toBeLessThan(1000);
    }
    const dms = (await api("GET", `${INV}/deploymentManagers`)).body as { deploymentManagerId: string; serviceUri: string }[];
    expect(dms).toEqual([
      expect.objectContaining({ deploymentManagerId: cluster.metadata.uid, serviceUri: "https://10.10.1.1:6443" }),
    ]);
  }, 180_000);

  it("a restart of the server loses no subscription, and notifications go on", async () => {
    await server.stop();
    await server.restart();
    expect(((await api("GET", `${INV}/subscriptions`)).body as { subscriptionId: string }[]).map(s => s.subscriptionId)).toEqual([
      invSub,
    ]);
    expect(((await api("GET", PROV_SUBS)).body as { subscriptionId: string }[]).map(s => s.subscriptionId)).toEqual([provSub]);
    const t0 = Date.now();
    await registerHost(client, { name: "target-5", labels: { "host-id": "5" } });
    const n = await receivedWhere(r => r.body.postObjectState?.extensions?.name === "target-5", "target-5 after restart");
    delays.push(n.at - t0);
    expect(n.body.subscriptionId).toBe(invSub);
  });

  it("DELETE ends a subscription: 404 afterwards, its CR gone", async () => {
    expect((await api("DELETE", `${INV}/subscriptions/${invSub}`)).status).toBe(200);
    expect((await api("GET", `${INV}/subscriptions/${invSub}`)).status).toBe(404);
    expect((await api("DELETE", `${INV}/subscriptions/${invSub}`)).status).toBe(404);
    expect(await client.find(R.O2imsSubscription, invSub, "pepr-system")).toBeUndefined();
  });
});

describe("scale", () => {
  it(`GET resources of a pool of ${FLEET} hosts: p99 printed`, async () => {
    await client.apply(R.Namespace, { metadata: { name: "fleet" } });
    // Notification delay under load: a subscription to the fleet's resources, and the test's own watch of the
    // ByoHosts noting when each host's creation became visible.
    const sub = await api("POST", `${INV}/subscriptions`, {
      callback: `${consumerUrl}/fleet`,
      filter: "(eq,objectType,resource);(eq,extensions/namespace,fleet)",
    });
    expect(sub.status).toBe(201);
    const createdSeen = new Map<string, number>();
    const hostWatch = new Informer(client, R.ByoHost, { namespace: "fleet" });
    hostWatch.onChange((phase, h) => phase === "ADDED" && createdSeen.set(h.metadata.uid!, Date.now()));
    await hostWatch.start();
    const t0 = Date.now();
    await registerFleet(client, FLEET, { namespace: "fleet", prefix: "fleet-", idOffset: 10_000 });
    const fleetNs = await client.get(R.Namespace, "fleet");
    const url = `${INV}/resourcePools/${fleetNs.metadata.uid}/resources`;
    await waitFor(
      async () => {
        const a = await call("GET", url);
        return a.status === 200 && (a.body as unknown[]).length === FLEET ? true : undefined;
      },
      { timeoutMs: 60_000, message: `${FLEET} resources listed` },
    );
    const registered = Date.now() - t0;
    await api("GET", url); // validated once in full
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = process.hrtime.bigint();
      const a = await call("GET", url);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      expect(a.status).toBe(200);
    }
    const filtered = await api("GET", `${url}?filter=(eq,extensions/pinning/value,10500)`);
    expect((filtered.body as unknown[]).length).toBe(1);
    console.log(
      `GET ${FLEET} resources (${(JSON.stringify((await call("GET", url)).body).length / 1024).toFixed(0)} KiB): ` +
        `p50=${pct(times, 50).toFixed(1)} ms p99=${pct(times, 99).toFixed(1)} ms (200 calls; hosts registered in ${registered} ms)`,
    );
    expect(pct(times, 99)).toBeLessThan(1000);

    const creates = await waitFor(
      async () => {
        const got = received.filter(r => r.path === "/fleet" && r.body.notificationEventType === 0);
        return got.length >= FLEET ? got : undefined;
      },
      { timeoutMs: 60_000, message: `${FLEET} create notifications` },
    );
    hostWatch.stop();
    const fleetDelays = creates.map(r => r.at - createdSeen.get(r.body.postObjectState!.resourceId!)!);
    expect(fleetDelays.every(d => Number.isFinite(d))).toBe(true);
    console.log(
      `notification delay, ${FLEET} hosts registering 16 at a time (the test's watch saw the host -> callback received): ` +
        `p50=${pct(fleetDelays, 50)} ms p95=${pct(fleetDelays, 95)} ms max=${Math.max(...fleetDelays)} ms`,
    );
    // Under this load (16 registrations at a time, API server, module, simulator and server sharing 2 cores) one run
    // measured p50 203 ms, p95 962 ms; the one-second promise is for a request's state change, asserted above.
    expect(pct(fleetDelays, 95)).toBeLessThan(3000);
  }, 300_000);
});
