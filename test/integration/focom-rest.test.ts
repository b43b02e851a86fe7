/**
 * FOCOM over the O2 IMS REST API (issue 16), end to end with the built module on two planes: the O-Cloud plane runs
 * the module, the simulator and its O2 IMS REST server (local/o2ims-api.ts: the built bundle under its own
 * ServiceAccount, TLS); the SMO plane runs the module, and its OCloud names the REST server with a bearer token of
 * the SMO's REST identity (deploy/ocloud-o2ims-rest-identity.yaml), never a kubeconfig. The same scenarios as the
 * kubeconfig suite (focom.test.ts): create -> fulfilled, bad request denied at admission in the O-Cloud's words,
 * scale, O-Cloud unreachable then back, delete cascade; plus what only REST has: the OCloud's transport conditions,
 * a refused token, and no Secret on the SMO plane holding a kubeconfig.
 */
import fs from "node:fs";
import path from "node:path";
import { load, loadAll } from "js-yaml";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import type { FocomProvisioningRequestSpec, FocomProvisioningRequestStatus } from "../../api/generated/types";
import { ModuleProcess, startModule } from "../../local/module";
import { O2imsApiProcess, startO2imsApi } from "../../local/o2ims-api";
import { declareRestOCloud, RestOCloud } from "../../local/ocloud-rest";
import { Plane, startPlane } from "../../local/plane/plane";
import { freePorts } from "../../local/plane/ports";
import { waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");
const NS = "o2ims";
const NAME = "edge-5g-deployment";
type FPR = KubeObject & { spec: FocomProvisioningRequestSpec; status?: FocomProvisioningRequestStatus };
type Cond = { type: string; status: string; reason: string; message: string; lastTransitionTime?: string };
type PR = KubeObject & { spec: { templateParameters: { hosts: { workers?: unknown[] } } } };

let ocloudPlane: Plane;
let smoPlane: Plane;
let edge: KubeClient;
let smo: KubeClient;
let edgeModule: ModuleProcess;
let smoModule: ModuleProcess;
let api: O2imsApiProcess;
let sim: Simulator;
let restOCloud: RestOCloud;

const getFPR = (name: string) => smo.find<FPR>(R.FocomProvisioningRequest, name, NS);
const condition = (obj: { status?: { conditions?: unknown[] } } | undefined, type: string) =>
  (obj?.status?.conditions as Cond[] | undefined)?.find(c => c.type === type);

async function waitPhase(name: string, phase: string, timeoutMs = 90_000): Promise<FPR> {
  let last: FPR | undefined;
  return waitFor(
    async () => {
      last = await getFPR(name);
      return last?.status?.phase === phase && last.status.observedGeneration === last.metadata.generation ? last : undefined;
    },
    { timeoutMs, message: `FocomProvisioningRequest ${NS}/${name} ${phase} (last status: ${JSON.stringify(last?.status)})` },
  );
}

const ocloudCondition = async (type: string) =>
  condition(await smo.get<KubeObject & { status?: { conditions?: unknown[] } }>(R.OCloud, "edge-ocloud", NS), type);

const waitOCloud = (type: string, want: Partial<Cond>) =>
  waitFor(
    async () => {
      const c = await ocloudCondition(type);
      return c && Object.entries(want).every(([k, v]) => c[k as keyof Cond] === v) ? c : undefined;
    },
    { timeoutMs: 60_000, message: `OCloud edge-ocloud condition ${type} ${JSON.stringify(want)}` },
  );

const eventReasons = async (name: string) =>
  (await smo.list(R.Event, { namespace: NS, fieldSelector: `involvedObject.name=${name}` })).map(
    e => (e as unknown as { reason: string }).reason,
  );

/** The O-Cloud's ProvisioningRequest of a request: named by the request's uid over REST. */
const remoteOf = (fpr: FPR) => edge.find<PR>(R.ProvisioningRequest, fpr.metadata.uid!, NS);

beforeAll(async () => {
  [ocloudPlane, smoPlane] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "all" })]);
  [edge, smo] = await Promise.all([ocloudPlane.client("focom-rest-it"), smoPlane.client("focom-rest-it")]);
  await edge.apply(
    R.ClusterTemplate,
    load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject,
  );
  await edge.apply(R.Namespace, { metadata: { name: NS } });
  for (const id of [51, 52, 53])
    await registerHost(edge, { name: `edge-${id}`, labels: { "host-id": String(id) }, ip: `172.16.4.${id}` });
  sim = new Simulator(await ocloudPlane.client("capi-simulator"), { stepDelayMs: 50 });
  await sim.start();
  const [callbackPort] = await freePorts(1);
  [edgeModule, smoModule] = await Promise.all([
    startModule({ kubeconfig: ocloudPlane.kubeconfig, dir: path.join(ocloudPlane.dir, "module") }),
    startModule({
      kubeconfig: smoPlane.kubeconfig,
      dir: path.join(smoPlane.dir, "module"),
      // No resync: every status change arrives by the O-Cloud's notifications (or the REST transport's own polls).
      env: {
        OCP_RESYNC_SECONDS: "3600",
        OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS: "5",
        OCP_FOCOM_CALLBACK_URL: `http://127.0.0.1:${callbackPort}`,
        OCP_FOCOM_CALLBACK_PORT: String(callbackPort),
        OCP_FOCOM_CALLBACK_HOST: "127.0.0.1",
      },
    }),
  ]);
  api = await startO2imsApi({
    kubeconfig: ocloudPlane.kubeconfig,
    dir: path.join(ocloudPlane.dir, "o2ims-api"),
    namespace: NS,
    env: { OCP_O2IMS_CALLBACK_ALLOW: "127.0.0.1" }, // the SMO module's callback endpoint
  });
  // Seed 002 without its kubeconfig Secret and OCloud: the OCloud is declared over REST instead.
  await smo.apply(R.Namespace, { metadata: { name: NS } });
  restOCloud = await declareRestOCloud({ ocloudAdmin: edge, smo, api, name: "edge-ocloud", namespace: NS });
  const seed = loadAll(fs.readFileSync(path.join(ROOT, "examples/seed-002-focom-request.yaml"), "utf8")) as KubeObject[];
  const info = seed.find(o => o.kind === "TemplateInfo")!;
  await smo.create(resourceFor(info.apiVersion!, info.kind!), info);
}, 300_000);

afterAll(async () => {
  sim?.stop();
  await api?.stop();
  await Promise.all([edgeModule?.stop(), smoModule?.stop()]);
  await Promise.all([ocloudPlane?.stop(), smoPlane?.stop()]);
});

describe("FOCOM over O2 IMS REST (OCloud spec.o2ims)", () => {
  it("denies an OCloud whose spec.o2ims is malformed, naming each field", async () => {
    const e = await smo
      .create(R.OCloud, {
        metadata: { name: "bad-ocloud", namespace: NS },
        spec: { o2ims: { url: "http://user:pw@o2ims.example", tokenSecretRef: { name: "t" }, caBundle: "not a PEM" } },
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(KubeError);
    const message = (e as KubeError).message;
    expect(message).toContain("spec.o2ims.url: rule https-url: must use https");
    expect(message).toContain("spec.o2ims.url: rule no-credentials");
    expect(message).toContain("spec.o2ims.caBundle: rule pem-certificates");
    expect(message).not.toContain("pw@");
  });

  it("denies at admission a request the O-Cloud refuses, in the O-Cloud's words (REST dry run), and creates nothing", async () => {
    const bad: FPR = {
      apiVersion: "focom.nephio.org/v1alpha1",
      kind: "FocomProvisioningRequest",
      metadata: { name: "unregistered", namespace: NS },
      spec: {
        oCloudId: "edge-ocloud",
        templateName: "byoh-workload-cluster",
        templateParameters: {
          clusterName: "unregistered",
          hosts: { masters: [{ hostId: 70, hostName: "nowhere", hostIp: "172.16.4.70" }] },
        },
      },
    };
    const e = await smo.create(R.FocomProvisioningRequest, bad).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).message).toContain("FocomProvisioningRequest rejected by O-Cloud edge-ocloud");
    expect((e as KubeError).message).toContain(
      'spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "nowhere" is registered in any namespace',
    );
    expect(await getFPR("unregistered")).toBeUndefined();
    expect(await edge.list(R.ProvisioningRequest, { namespace: NS })).toEqual([]);
  });

  it("creates the request over REST (id = the request's uid) and reaches Synced with the remote fulfilled", async () => {
    const seed = loadAll(fs.readFileSync(path.join(ROOT, "examples/seed-002-focom-request.yaml"), "utf8")) as KubeObject[];
    const request = seed.find(o => o.kind === "FocomProvisioningRequest")!;
    await smo.create(R.FocomProvisioningRequest, request);
    const fpr = await waitPhase(NAME, "Synced");
    expect(fpr.status?.remoteName).toBe(fpr.metadata.uid);
    expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
    const pr = await remoteOf(fpr);
    expect(pr).toBeDefined();
    expect(fpr.status?.remoteState?.oCloudNodeClusterId).toBe((await edge.get(R.Cluster, "edge-5g", NS)).metadata.uid);
    expect(condition(fpr, "OCloudReachable")?.status).toBe("True");
    expect(await eventReasons(NAME)).toEqual(expect.arrayContaining(["Creating", "Synced"]));
    expect(await eventReasons(NAME)).not.toContain("Failed");
    await waitOCloud("Reachable", { status: "True", reason: "Reachable" });
    expect(await ocloudCondition("Transport")).toMatchObject({ status: "True", reason: "Rest" });
    expect((await ocloudCondition("StatusDelivery"))?.reason).toBe("Notifications");
    // Event-driven: the FPR turned Ready within a second or two of the O-Cloud's fulfilled state (the safety-net poll
    // is 15 s apart; both times have one-second resolution).
    const fulfilledAt = Date.parse(fpr.status!.remoteState!.provisioningUpdateTime!);
    const readyAt = Date.parse(condition(fpr, "Ready")!.lastTransitionTime!);
    process.stdout.write(`focom-rest: O-Cloud fulfilled -> FPR Ready ${readyAt - fulfilledAt} ms (1 s resolution)\n`);
    expect(readyAt - fulfilledAt).toBeLessThanOrEqual(2_000);
  });

  it("scales over REST (PUT): the worker reaches the O-Cloud's cluster and the request is Synced again", async () => {
    const fpr = (await getFPR(NAME))!;
    const params = fpr.spec.templateParameters as { hosts: { masters: unknown[]; workers: unknown[] } };
    const workers = [...params.hosts.workers, { hostId: "53", hostName: "edge-53", hostIp: "172.16.4.53" }];
    await smo.mergePatch(R.FocomProvisioningRequest, NAME, NS, {
      spec: { templateParameters: { hosts: { ...params.hosts, workers } } },
    });
    await waitFor(
      async () =>
        (await edge.list(R.MachineDeployment, { namespace: NS, labelSelector: "cluster.x-k8s.io/cluster-name=edge-5g" }))
          .length === 2,
      { timeoutMs: 60_000, message: "2 MachineDeployments for edge-5g on the O-Cloud" },
    );
    const synced = await waitPhase(NAME, "Synced");
    expect(synced.metadata.generation).toBe(2);
    expect((await remoteOf(synced))?.spec.templateParameters.hosts.workers).toHaveLength(2);
  });

  it("reports the O-Cloud's REST API unreachable without changing the phase, and recovers when it is back", async () => {
    await api.stop();
    const down = await waitFor(
      async () => {
        const fpr = await getFPR(NAME);
        return condition(fpr, "OCloudReachable")?.status === "False" ? fpr : undefined;
      },
      { timeoutMs: 60_000, message: "OCloudReachable False" },
    );
    expect(down?.status?.phase).toBe("Synced");
    expect(condition(down, "OCloudReachable")).toMatchObject({ reason: "Unreachable" });
    expect(condition(down, "OCloudReachable")?.message).toMatch(
      /^cannot reach O-Cloud edge-ocloud: .*(ECONNREFUSED|ECONNRESET|socket hang up)/,
    );
    await waitOCloud("Reachable", { status: "False", reason: "Unreachable" });
    expect(await eventReasons(NAME)).toContain("OCloudUnreachable");
    await api.restart();
    await waitFor(async () => condition(await getFPR(NAME), "OCloudReachable")?.status === "True", {
      timeoutMs: 60_000,
      message: "OCloudReachable True again",
    });
    expect((await getFPR(NAME))?.status?.phase).toBe("Synced");
    await waitOCloud("Reachable", { status: "True" });
  });

  it("names the credential problem when the O-Cloud refuses the token, and recovers when the Secret is fixed", async () => {
    const good = (await smo.get<KubeObject & { data: Record<string, string> }>(R.Secret, restOCloud.tokenSecret, NS)).data.token;
    await smo.mergePatch(R.Secret, restOCloud.tokenSecret, NS, { stringData: { token: "not-a-valid-token" } });
    const refused = await waitOCloud("Reachable", { status: "False", reason: "Unauthorized" });
    expect(refused.message).toContain("refused the bearer token of its spec.o2ims.tokenSecretRef Secret (HTTP 401");
    expect(refused.message).not.toContain("not-a-valid-token");
    await smo.mergePatch(R.Secret, restOCloud.tokenSecret, NS, { data: { token: good } });
    await waitOCloud("Reachable", { status: "True" });
  });

  it("deletes across planes over REST: the remote request and its cluster first, the FOCOM request last", async () => {
    const fpr = (await getFPR(NAME))!;
    await smo.delete(R.FocomProvisioningRequest, NAME, NS);
    await waitFor(async () => (await getFPR(NAME)) === undefined, { timeoutMs: 90_000, message: `${NAME} gone` });
    expect(await remoteOf(fpr)).toBeUndefined();
    expect(await edge.find(R.Cluster, "edge-5g", NS)).toBeUndefined();
    expect(await eventReasons(NAME)).toContain("Deleting");
  });

  it("keeps no kubeconfig of the O-Cloud on the SMO plane, and no token in its logs, events or status", async () => {
    const secrets = await smo.list<KubeObject & { data?: Record<string, string> }>(R.Secret);
    for (const s of secrets)
      for (const [key, value] of Object.entries(s.data ?? {})) {
        const text = Buffer.from(value, "base64").toString("utf8");
        expect({
          secret: `${s.metadata.namespace}/${s.metadata.name}`,
          key,
          kubeconfig: /clusters:|kind: Config/.test(text),
        }).toEqual({
          secret: `${s.metadata.namespace}/${s.metadata.name}`,
          key,
          kubeconfig: false,
        });
      }
    const token = Buffer.from(
      (await smo.get<KubeObject & { data: Record<string, string> }>(R.Secret, restOCloud.tokenSecret, NS)).data.token,
      "base64",
    ).toString("utf8");
    expect(token.length).toBeGreaterThan(20);
    const visible = JSON.stringify([
      await smo.list(R.Event, { namespace: NS }),
      await smo.list(R.FocomProvisioningRequest, { namespace: NS }),
      await smo.list(R.OCloud, { namespace: NS }),
    ]);
    for (const text of [fs.readFileSync(smoModule.logFile, "utf8"), visible]) expect(text).not.toContain(token);
  });
});
