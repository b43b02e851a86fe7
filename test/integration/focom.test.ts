/**
 * The FOCOM capability end to end, with the built module (real admission webhooks) on two planes shared by every
 * transport (support/focom-planes.ts): the O-Cloud plane runs the module, the simulator and the O2 IMS REST server;
 * the SMO plane runs the module and reaches the O-Cloud through one OCloud per transport:
 * - kubeconfig: seed 002 applied as written (only the placeholder kubeconfig replaced), OCloud edge-ocloud;
 * - rest: OCloud edge-rest with spec.o2ims, a bearer token of the SMO's REST identity, never a kubeconfig
 *   (local/ocloud-rest.ts), status by notifications to the SMO module's callback endpoint.
 * Both go through the same scenarios (create -> fulfilled, a bad request denied at admission in the O-Cloud's words,
 * scale, O-Cloud unreachable then back, delete cascade), then their own. The kubeconfig transport runs first and
 * removes its Secret when done, so the REST scenarios run with no kubeconfig of the O-Cloud on the SMO plane.
 * The O-Cloud plane also plays the single-cluster topology (seed 000: request and mirror in one plane, local transport).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { load, loadAll } from "js-yaml";
import { KubeClient, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import { waitFor } from "../../local/plane/wait";
import { declareRestOCloud, RestOCloud } from "../../local/ocloud-rest";
import { O2imsClient } from "../../capabilities/focom/o2ims-client";
import { FocomPlanes, NS, RELEASE_SECONDS, ROOT, startFocomPlanes } from "./support/focom-planes";
import { condition, denial, eventReasons, FPR, getFPR, waitCondition, waitPhase } from "./support/focom-requests";

jest.setTimeout(300_000);

type PR = KubeObject & {
  spec: { templateParameters: { hosts: { workers?: unknown[] } } };
  status?: { observedGeneration?: number; provisioningStatus?: { provisioningState?: string } };
};
type Sub = KubeObject & { spec: { consumerSubscriptionId?: string; callback: string } };

let p: FocomPlanes;
const run = promisify(execFile);
const example = (file: string) => loadAll(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as KubeObject[];
const SEED_002 = example("seed-002-focom-request.yaml");
const seedObject = (kind: string) => structuredClone(SEED_002.find(o => o.kind === kind)!);
/** As kubectl apply would (the TemplateInfo is shared by both transports' OClouds). */
const applyObject = (client: KubeClient, obj: KubeObject) => client.apply(resourceFor(obj.apiVersion!, obj.kind!), obj);

/** A loopback port nothing listens on (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** One transport as the shared scenarios drive it. */
interface TransportCase {
  ocloud: string;
  request: string;
  cluster: string;
  /** Host ids: master, worker, the worker a scale adds. */
  hosts: [number, number, number];
  /** Declares the OCloud on the SMO plane. */
  declare(): Promise<void>;
  /** The request as an operator writes it (seed 002's shape). */
  requestManifest(): KubeObject;
  /** The mirror on the O-Cloud plane. */
  mirror(fpr: FPR): Promise<PR | undefined>;
  /** Makes the O-Cloud unreachable for this transport, and back. */
  cutOff(): Promise<unknown>;
  restore(): Promise<unknown>;
  cleanup(): Promise<void>;
}

let kubeconfigText = "";
const setKubeconfig = (text: string) =>
  p.smo.mergePatch(R.Secret, "edge-cluster-kubeconfig", NS, { stringData: { kubeconfig: text } });
const breakKubeconfig = async () =>
  setKubeconfig(kubeconfigText.replace(p.ocloudPlane.server, `https://127.0.0.1:${await closedPort()}`));

let restOCloud: RestOCloud;

const CASES: Record<"kubeconfig" | "rest", TransportCase> = {
  kubeconfig: {
    ocloud: "edge-ocloud",
    request: "edge-5g-deployment",
    cluster: "edge-5g",
    hosts: [51, 52, 53],
    async declare() {
      kubeconfigText = fs.readFileSync(p.ocloudPlane.kubeconfig, "utf8");
      const secret = { ...seedObject("Secret"), stringData: { kubeconfig: kubeconfigText } };
      for (const obj of [secret, seedObject("OCloud")]) await applyObject(p.smo, obj);
    },
    requestManifest: () => seedObject("FocomProvisioningRequest"),
    mirror: () => p.edge.find<PR>(R.ProvisioningRequest, "edge-5g-deployment-o2ims", NS),
    cutOff: breakKubeconfig,
    restore: () => setKubeconfig(kubeconfigText),
    async cleanup() {
      await p.smo.delete(R.OCloud, "edge-ocloud", NS);
      await p.smo.delete(R.Secret, "edge-cluster-kubeconfig", NS);
    },
  },
  rest: {
    ocloud: "edge-rest",
    request: "edge-rest-deployment",
    cluster: "edge-rest",
    hosts: [71, 72, 73],
    async declare() {
      restOCloud = await declareRestOCloud({ ocloudAdmin: p.edge, smo: p.smo, api: p.api, name: "edge-rest", namespace: NS });
    },
    requestManifest() {
      const r = seedObject("FocomProvisioningRequest") as KubeObject & { spec: Record<string, unknown> };
      r.metadata.name = "edge-rest-deployment";
      r.spec.ocloudRef = { name: "edge-rest" };
      r.spec.parameters = {
        clusterName: "edge-rest",
        hosts: {
          masters: [{ hostId: "71", hostName: "edge-71", hostIp: "172.16.4.71" }],
          workers: [{ hostId: "72", hostName: "edge-72", hostIp: "172.16.4.72" }],
        },
      };
      return r;
    },
    // Over REST the mirror's id, and so its name on the O-Cloud, is the request's uid.
    mirror: fpr => p.edge.find<PR>(R.ProvisioningRequest, fpr.metadata.uid!, NS),
    cutOff: () => p.api.stop(),
    restore: () => p.api.restart(),
    async cleanup() {},
  },
};

beforeAll(async () => {
  p = await startFocomPlanes([
    ...[3, 4].map(id => ({ name: `target-${id}`, id })), // seed 000's
    ...[51, 52, 53, 61, 71, 72, 73].map(id => ({ name: `edge-${id}`, id, ip: `172.16.4.${id}` })),
  ]);
  await applyObject(p.smo, seedObject("TemplateInfo"));
}, 300_000);

afterAll(async () => {
  await p?.stop();
});

describe("single cluster (seed 000): request and ProvisioningRequest in one plane", () => {
  const edge = () => p.edge;

  it("denies a bad request at admission, naming every field, and creates nothing", async () => {
    for (const obj of example("seed-000-focom-request.yaml").filter(o => o.kind !== "FocomProvisioningRequest"))
      await applyObject(edge(), obj);
    const bad: FPR = {
      apiVersion: "focom.nephio.org/v1alpha1",
      kind: "FocomProvisioningRequest",
      metadata: { name: "bad", namespace: "default" },
      spec: {
        oCloudId: "nowhere",
        templateName: "byoh-workload-cluster",
        templateParameters: {
          clusterName: "bad",
          hosts: {
            masters: [
              { hostId: 3, hostName: 7 },
              { hostId: 4, hostName: "target-4" },
            ],
          },
        },
      },
    };
    const e = await denial(edge().create(R.FocomProvisioningRequest, bad));
    expect(e.message).toContain("denied the request");
    expect(e.message).toContain(
      'spec.oCloudId: no OCloud named "nowhere" in namespace default; known OClouds: management-cluster',
    );
    expect(e.message).toContain(
      "spec.templateParameters.hosts.masters[0].hostName: hosts.masters[0].hostName must be of type string",
    );
    expect(e.message).toMatch(/spec\.templateParameters\.hosts\.masters: .*odd number/);
    expect(await getFPR(edge(), "bad", "default")).toBeUndefined();
    expect(await edge().find(R.ProvisioningRequest, "bad-o2ims", "default")).toBeUndefined();
  });

  it("creates the ProvisioningRequest in the same plane and reaches Synced with the remote fulfilled", async () => {
    const request = example("seed-000-focom-request.yaml").find(o => o.kind === "FocomProvisioningRequest")!;
    await edge().create(R.FocomProvisioningRequest, request);
    const fpr = await waitPhase(edge(), "edge-cluster-request", "default", "Synced");
    expect(fpr.spec.templateVersion).toBe("v1"); // defaulted from the TemplateInfo
    expect(fpr.status?.remoteName).toBe("edge-cluster-request-o2ims");
    expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
    const pr = await edge().get<PR>(R.ProvisioningRequest, "edge-cluster-request-o2ims", "default");
    expect(pr.metadata.labels?.["focom.nephio.org/request-uid"]).toBe(fpr.metadata.uid);
    expect(fpr.status?.remoteState?.oCloudNodeClusterId).toBe((await edge().get(R.Cluster, "edge", "default")).metadata.uid);
    expect(condition(fpr, "OCloudReachable")?.status).toBe("True");
    const reasons = await eventReasons(edge(), "default", "edge-cluster-request");
    expect(reasons).toContain("Synced");
    expect(reasons).not.toContain("Failed");
  });
});

describe.each(["kubeconfig", "rest"] as const)("two planes, SMO -> O-Cloud over %s", kind => {
  const t = CASES[kind];
  const [master, worker, added] = t.hosts;
  const smo = () => p.smo;

  beforeAll(() => t.declare());
  afterAll(() => t.cleanup());

  describe("the scenarios every transport goes through", () => {
    it("denies at admission a request the O-Cloud refuses, in the O-Cloud's words, and creates nothing", async () => {
      const before = (await p.edge.list(R.ProvisioningRequest, { namespace: NS })).length;
      const bad: FPR = {
        apiVersion: "focom.nephio.org/v1alpha1",
        kind: "FocomProvisioningRequest",
        metadata: { name: "unregistered", namespace: NS },
        spec: {
          oCloudId: t.ocloud,
          templateName: "byoh-workload-cluster",
          templateParameters: {
            clusterName: "unregistered",
            hosts: { masters: [{ hostId: 70, hostName: "nowhere", hostIp: "172.16.4.70" }] },
          },
        },
      };
      const e = await denial(smo().create(R.FocomProvisioningRequest, bad));
      expect(e.message).toContain(`FocomProvisioningRequest rejected by O-Cloud ${t.ocloud} (server-side dry run`);
      expect(e.message).toContain(
        'spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "nowhere" is registered in any namespace',
      );
      expect(await getFPR(smo(), "unregistered", NS)).toBeUndefined();
      expect(await p.edge.list(R.ProvisioningRequest, { namespace: NS })).toHaveLength(before);
    });

    it("converts seed 002's request, creates its mirror on the O-Cloud and reaches Synced with it fulfilled", async () => {
      await smo().create(R.FocomProvisioningRequest, t.requestManifest());
      const fpr = await waitPhase(smo(), t.request, NS, "Synced");
      expect(fpr.spec).toMatchObject({ oCloudId: t.ocloud, templateName: "byoh-workload-cluster", templateVersion: "v1" });
      expect(fpr.spec).not.toHaveProperty("ocloudRef");
      expect(fpr.spec).not.toHaveProperty("parameters");
      expect(await smo().find(R.ProvisioningRequest, `${t.request}-o2ims`, NS)).toBeUndefined(); // not on the SMO plane
      const mirror = await t.mirror(fpr);
      expect(mirror?.status?.provisioningStatus?.provisioningState).toBe("fulfilled");
      expect(fpr.status?.remoteName).toBe(mirror?.metadata.name);
      expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
      expect(fpr.status?.remoteState?.oCloudNodeClusterId).toBe((await p.edge.get(R.Cluster, t.cluster, NS)).metadata.uid);
      expect(condition(fpr, "OCloudReachable")?.status).toBe("True");
      const reasons = await eventReasons(smo(), NS, t.request);
      expect(reasons).toEqual(expect.arrayContaining(["Creating", "Synced"]));
      expect(reasons).not.toContain("Failed"); // OCloud and TemplateInfo created a moment before are found at once
      // Event-driven on both (the remote watch; the O-Cloud's notifications): Ready within a second or two of the
      // O-Cloud's fulfilled state (both times have one-second resolution).
      const fulfilledAt = Date.parse(fpr.status!.remoteState!.provisioningUpdateTime!);
      const readyAt = Date.parse(condition(fpr, "Ready")!.lastTransitionTime!);
      process.stdout.write(`focom ${kind}: O-Cloud fulfilled -> FPR Ready ${readyAt - fulfilledAt} ms (1 s resolution)\n`);
      expect(readyAt - fulfilledAt).toBeLessThanOrEqual(2_000);
      // kubectl conventions: a Ready condition that `kubectl wait` understands.
      const { stdout } = await run("kubectl", [
        ...["--kubeconfig", p.smoPlane.kubeconfig, "wait", "--for=condition=Ready", `focomreq/${t.request}`],
        ...["-n", NS, "--timeout=30s"],
      ]);
      expect(stdout).toContain("condition met");
    });

    it("scales: the worker reaches the O-Cloud's cluster and the request is Synced again", async () => {
      const fpr = (await getFPR(smo(), t.request, NS))!;
      const params = fpr.spec.templateParameters as { hosts: { masters: unknown[]; workers: unknown[] } };
      const workers = [
        ...params.hosts.workers,
        { hostId: String(added), hostName: `edge-${added}`, hostIp: `172.16.4.${added}` },
      ];
      await smo().mergePatch(R.FocomProvisioningRequest, t.request, NS, {
        spec: { templateParameters: { hosts: { ...params.hosts, workers } } },
      });
      await waitFor(
        async () =>
          (await p.edge.list(R.MachineDeployment, { namespace: NS, labelSelector: `cluster.x-k8s.io/cluster-name=${t.cluster}` }))
            .length === 2,
        { timeoutMs: 60_000, message: `2 MachineDeployments for ${t.cluster} on the O-Cloud` },
      );
      const synced = await waitPhase(smo(), t.request, NS, "Synced");
      expect(synced.metadata.generation).toBe(2);
      expect((await t.mirror(synced))?.spec.templateParameters.hosts.workers).toHaveLength(2);
      expect([master, worker]).not.toContain(added);
    });

    it("reports the O-Cloud unreachable without changing the phase, and recovers when it is back", async () => {
      await t.cutOff(); // no resync, no touch of the request: the Secret's watch or the next poll notices
      const down = await waitCondition(smo(), t.request, NS, "OCloudReachable", "False");
      expect(down.status?.phase).toBe("Synced");
      expect(condition(down, "OCloudReachable")).toMatchObject({ reason: "Unreachable" });
      expect(condition(down, "OCloudReachable")?.message).toMatch(
        new RegExp(`^cannot reach O-Cloud ${t.ocloud}: .*(ECONNREFUSED|ECONNRESET|socket hang up)`),
      );
      expect(condition(down, "Ready")?.status).toBe("True"); // the cluster is no less ready for FOCOM not seeing it
      expect(await eventReasons(smo(), NS, t.request)).toContain("OCloudUnreachable");
      await t.restore();
      const up = await waitCondition(smo(), t.request, NS, "OCloudReachable", "True");
      expect(up.status?.phase).toBe("Synced");
    });

    it("deletes across planes: the mirror and its cluster first, the FOCOM request last", async () => {
      const fpr = (await getFPR(smo(), t.request, NS))!;
      expect(fpr.metadata.finalizers).toContain("pepr.dev/finalizer");
      await smo().delete(R.FocomProvisioningRequest, t.request, NS);
      await waitFor(async () => (await getFPR(smo(), t.request, NS)) === undefined, {
        timeoutMs: 90_000,
        message: `${t.request} gone from the SMO plane`,
      });
      expect(await t.mirror(fpr)).toBeUndefined();
      expect(await p.edge.find(R.Cluster, t.cluster, NS)).toBeUndefined();
      expect(await eventReasons(smo(), NS, t.request)).toContain("Deleting");
    });
  });

  if (kind === "kubeconfig") describe("kubeconfig only", kubeconfigOnly);
  else describe("REST only", restOnly);
});

function kubeconfigOnly() {
  it("recovers when the O-Cloud's module is killed and restarted mid-provisioning", async () => {
    p.sim.setFault("edge-61", { slowMs: 3_000 });
    const request: FPR = {
      apiVersion: "focom.nephio.org/v1alpha1",
      kind: "FocomProvisioningRequest",
      metadata: { name: "restart", namespace: NS },
      spec: {
        oCloudId: "edge-ocloud",
        templateName: "byoh-workload-cluster",
        templateParameters: {
          clusterName: "restart",
          hosts: { masters: [{ hostId: 61, hostName: "edge-61", hostIp: "172.16.4.61" }] },
        },
      },
    };
    await p.smo.create(R.FocomProvisioningRequest, request);
    await waitFor(() => p.edge.find(R.Cluster, "restart", NS), { timeoutMs: 60_000, message: "Cluster restart on the O-Cloud" });
    await p.edgeModule.stop({ hard: true, keepWebhooks: true });
    expect((await getFPR(p.smo, "restart", NS))?.status?.phase).not.toBe("Synced");
    await p.edgeModule.restart();
    const fpr = await waitPhase(p.smo, "restart", NS, "Synced");
    expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
    const mirrors = await p.edge.list(R.ProvisioningRequest, {
      namespace: NS,
      labelSelector: `focom.nephio.org/request-uid=${fpr.metadata.uid}`,
    });
    expect(mirrors).toHaveLength(1);
  });

  it("releases a request whose O-Cloud stays unreachable past the limit, with a Warning, leaving the remote in place", async () => {
    await breakKubeconfig();
    await waitCondition(p.smo, "restart", NS, "OCloudReachable", "False");
    await p.smo.delete(R.FocomProvisioningRequest, "restart", NS);
    await waitFor(async () => (await getFPR(p.smo, "restart", NS)) === undefined, {
      timeoutMs: 60_000,
      message: "restart released",
    });
    const warnings = (await p.smo.list(R.Event, {
      namespace: NS,
      fieldSelector: "involvedObject.name=restart,reason=ReleasedUnconfirmed",
    })) as unknown as { type: string; message: string }[];
    expect(warnings.map(w => w.type)).toEqual(["Warning"]);
    expect(warnings[0].message).toContain(
      `released after ${RELEASE_SECONDS}s without confirming that ProvisioningRequest ${NS}/restart-o2ims was deleted`,
    );
    expect(await p.edge.find(R.ProvisioningRequest, "restart-o2ims", NS)).toBeDefined();
    await setKubeconfig(kubeconfigText);
    await p.edge.delete(R.ProvisioningRequest, "restart-o2ims", NS); // what the Warning asks the operator to do
  });

  it("never shows the kubeconfig Secret's credentials in the SMO plane's logs, events or status", async () => {
    const key = (load(kubeconfigText) as { users: { user: Record<string, string> }[] }).users[0].user["client-key-data"];
    expect(key).toBeTruthy();
    const decoded = Buffer.from(key, "base64").toString("utf8").split("\n")[1]; // a line of the PEM body
    const visible = JSON.stringify([
      await p.smo.list(R.Event, { namespace: NS }),
      await p.smo.list(R.FocomProvisioningRequest, { namespace: NS }),
      await p.smo.list(R.OCloud, { namespace: NS }),
    ]);
    for (const text of [fs.readFileSync(p.smoModule.logFile, "utf8"), visible]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(decoded);
    }
  });
}

function restOnly() {
  const ocloudCondition = async (type: string) =>
    condition(await p.smo.get<KubeObject & { status?: { conditions?: unknown[] } }>(R.OCloud, "edge-rest", NS), type);
  const waitOCloud = (type: string, want: Record<string, string>) =>
    waitFor(
      async () => {
        const c = await ocloudCondition(type);
        return c && Object.entries(want).every(([k, v]) => c[k as keyof typeof c] === v) ? c : undefined;
      },
      { timeoutMs: 60_000, message: `OCloud edge-rest condition ${type} ${JSON.stringify(want)}` },
    );
  /** FOCOM's subscriptions on the O-Cloud's O2 IMS server (O2imsSubscription CRs there). */
  const focomSubscriptions = async () =>
    (await p.edge.list<Sub>(R.O2imsSubscription)).filter(s => s.spec.consumerSubscriptionId?.startsWith("focom/"));

  it("denies an OCloud whose spec.o2ims is malformed, naming each field and not quoting the URL", async () => {
    const e = await denial(
      p.smo.create(R.OCloud, {
        metadata: { name: "bad-ocloud", namespace: NS },
        spec: { o2ims: { url: "http://user:pw@o2ims.example", tokenSecretRef: { name: "t" }, caBundle: "not a PEM" } },
      }),
    );
    expect(e.message).toContain("spec.o2ims.url: rule https-url: must use https");
    expect(e.message).toContain("spec.o2ims.url: rule no-credentials");
    expect(e.message).toContain("spec.o2ims.caBundle: rule pem-certificates");
    expect(e.message).not.toContain("pw@");
  });

  it("shows the connection in the OCloud's status: reachable, REST, notifications", async () => {
    expect(await waitOCloud("Reachable", { status: "True", reason: "Reachable" })).toBeDefined();
    expect(await ocloudCondition("Transport")).toMatchObject({ status: "True", reason: "Rest" });
    expect(await ocloudCondition("StatusDelivery")).toMatchObject({ status: "True", reason: "Notifications" });
  });

  it("warns at admission that spec.oCloudNamespace does not choose the namespace over REST", async () => {
    const request = CASES.rest.requestManifest() as KubeObject & { spec: Record<string, unknown> };
    request.metadata.name = "elsewhere";
    request.spec.oCloudNamespace = "elsewhere";
    (request.spec.parameters as Record<string, unknown>).clusterName = "elsewhere";
    const dir = fs.mkdtempSync(path.join(p.smoPlane.dir, "warn-"));
    fs.writeFileSync(path.join(dir, "fpr.json"), JSON.stringify(request));
    // A server-side dry run goes through both webhooks and the O-Cloud's own dry run, and stores nothing.
    const { stderr } = await run("kubectl", [
      ...["--kubeconfig", p.smoPlane.kubeconfig, "create", "--dry-run=server", "-f", path.join(dir, "fpr.json")],
    ]);
    expect(stderr).toContain(
      'Warning: spec.oCloudNamespace: OCloud edge-rest is reached over O2 IMS REST, where the O-Cloud\'s O2 IMS server places the request in the namespace it serves; "elsewhere" is not sent',
    );
    expect(await getFPR(p.smo, "elsewhere", NS)).toBeUndefined();
  });

  it("names the credential problem when the O-Cloud refuses the token, and recovers when the Secret is fixed", async () => {
    const good = (await p.smo.get<KubeObject & { data: Record<string, string> }>(R.Secret, restOCloud.tokenSecret, NS)).data
      .token;
    await p.smo.mergePatch(R.Secret, restOCloud.tokenSecret, NS, { stringData: { token: "not-a-valid-token" } });
    const refused = await waitOCloud("Reachable", { status: "False", reason: "Unauthorized" });
    expect(refused.message).toContain("refused the bearer token of its spec.o2ims.tokenSecretRef Secret (HTTP 401");
    expect(refused.message).not.toContain("not-a-valid-token");
    await p.smo.mergePatch(R.Secret, restOCloud.tokenSecret, NS, { data: { token: good } });
    await waitOCloud("Reachable", { status: "True" });
    await waitOCloud("StatusDelivery", { reason: "Notifications" });
  });

  it("keeps no kubeconfig of the O-Cloud on the SMO plane, and no token in its logs, events or status", async () => {
    const secrets = await p.smo.list<KubeObject & { data?: Record<string, string> }>(R.Secret);
    const holding = secrets.flatMap(s =>
      Object.entries(s.data ?? {})
        .filter(([, value]) => /clusters:|kind: Config/.test(Buffer.from(value, "base64").toString("utf8")))
        .map(([key]) => `${s.metadata.namespace}/${s.metadata.name}:${key}`),
    );
    expect(holding).toEqual([]);
    const token = Buffer.from(
      (await p.smo.get<KubeObject & { data: Record<string, string> }>(R.Secret, restOCloud.tokenSecret, NS)).data.token,
      "base64",
    ).toString("utf8");
    expect(token.length).toBeGreaterThan(20);
    const visible = JSON.stringify([
      await p.smo.list(R.Event, { namespace: NS }),
      await p.smo.list(R.FocomProvisioningRequest, { namespace: NS }),
      await p.smo.list(R.OCloud, { namespace: NS }),
    ]);
    for (const text of [fs.readFileSync(p.smoModule.logFile, "utf8"), visible]) expect(text).not.toContain(token);
  });

  it("collects at start the subscriptions of its own that no OCloud accounts for, and keeps one per OCloud", async () => {
    const token = Buffer.from(
      (await p.smo.get<KubeObject & { data: Record<string, string> }>(R.Secret, restOCloud.tokenSecret, NS)).data.token,
      "base64",
    ).toString("utf8");
    const client = new O2imsClient({ url: p.api.url, token, ca: fs.readFileSync(p.api.caFile, "utf8") });
    // One of an OCloud deleted while the module was down: its callback under this module's URL.
    const ghost = await client.createSubscription({
      callback: `${p.callbackUrl}/focom/o2ims/notifications/${"0".repeat(64)}`,
      consumerSubscriptionId: "focom/o2ims/ghost/00000000-0000-0000-0000-000000000000",
    });
    client.close();
    expect((await focomSubscriptions()).map(s => s.spec.consumerSubscriptionId)).toContain(
      "focom/o2ims/ghost/00000000-0000-0000-0000-000000000000",
    );
    await p.smoModule.stop({ keepWebhooks: true });
    await p.smoModule.restart();
    const uid = (await p.smo.get(R.OCloud, "edge-rest", NS)).metadata.uid;
    const left = await waitFor(
      async () => {
        const subs = await focomSubscriptions();
        return subs.length === 1 && !subs.some(s => s.metadata.name === ghost.subscriptionId) ? subs : undefined;
      },
      { timeoutMs: 60_000, message: "the ghost and the earlier run's subscription collected, one new one made" },
    );
    expect(left.map(s => s.spec.consumerSubscriptionId)).toEqual([`focom/o2ims/edge-rest/${uid}`]);
  });

  it("deletes its subscription on the O-Cloud when the OCloud's spec changes, and when the OCloud is deleted", async () => {
    const [before] = await focomSubscriptions();
    await p.smo.mergePatch(R.OCloud, "edge-rest", NS, { spec: { o2ims: { caBundle: `${restOCloud.spec.o2ims.caBundle}\n` } } });
    await waitFor(
      async () => {
        const subs = await focomSubscriptions();
        return subs.length === 1 && subs[0].metadata.name !== before.metadata.name;
      },
      { timeoutMs: 30_000, message: "the subscription replaced (one left) after the OCloud's spec changed" },
    );
    await p.smo.delete(R.OCloud, "edge-rest", NS);
    await waitFor(async () => (await focomSubscriptions()).length === 0, {
      timeoutMs: 30_000,
      message: "no FOCOM subscription left on the O-Cloud once the OCloud is deleted",
    });
  });
}
