/**
 * Control-plane outages (issue 17): the built module (admission webhooks and watcher in one process) and the
 * BYOH/CAPI simulator keep running while a component of a plane is stopped on purpose, on the same ports and
 * data. After kube-apiserver or etcd returns, every request in flight is fulfilled within 15 s, a request created
 * after the return is processed, nothing is duplicated, and the module's process is the same one throughout.
 * The same for the SMO plane with FOCOM, and a fixed OCloud Secret is picked up within 5 s.
 *
 * The 300 s kube-apiserver outage runs only with OCP_OUTAGE_LONG=1: it alone takes over 5 minutes, and the rest
 * of this file about 7 on 2 cores.
 * Measured recovery times are printed at the end ("outage recovery: ...").
 */
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { load, loadAll } from "js-yaml";
import { KubeClient, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import { ModuleProcess, startModule } from "../../local/module";
import { Plane, PlaneComponent, startPlane } from "../../local/plane/plane";
import { delay, waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "../..");
const NS = "outage";
const FOCOM_NS = "o2ims"; // seed 002's namespace, on both planes
const RECOVERY_MS = 15_000;
const SECRET_PICKUP_MS = 5_000;
const IN_FLIGHT = 6;

type PR = KubeObject & { status?: { provisioningStatus?: { provisioningState?: string } } };
type FPR = KubeObject & {
  status?: { phase?: string; observedGeneration?: number; conditions?: { type: string; status: string; reason: string }[] };
};

let ocloudPlane: Plane;
let smoPlane: Plane;
let edge: KubeClient;
let smo: KubeClient;
let edgeModule: ModuleProcess;
let smoModule: ModuleProcess;
let sim: Simulator;
let nextHost = 0;
const measured: string[] = [];

// Outside the template's default pod (192.168.0.0/16) and service (10.128.0.0/12) networks.
const ipOf = (id: number) => `172.20.${Math.floor(id / 250)}.${(id % 250) + 1}`;
const hostRef = (id: number) => ({ hostId: id, hostName: `target-${id}`, hostIp: ipOf(id) });
const takeHosts = (n: number) => Array.from({ length: n }, () => hostRef(++nextHost));

function prRequest(name: string): PR {
  const [master, worker] = takeHosts(2);
  return {
    apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
    kind: "ProvisioningRequest",
    metadata: { name, namespace: NS },
    spec: {
      name: `${name} cluster`,
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: {
        clusterName: name,
        k8sVersion: "v1.32.0",
        controlPlaneEndpoint: master.hostIp,
        hosts: { masters: [master], workers: [worker] },
      },
    },
  } as PR;
}

function fprRequest(name: string, ocloud = "edge-ocloud"): FPR {
  return {
    apiVersion: "focom.nephio.org/v1alpha1",
    kind: "FocomProvisioningRequest",
    metadata: { name, namespace: FOCOM_NS },
    spec: {
      oCloudId: ocloud,
      templateName: "byoh-workload-cluster",
      templateParameters: { clusterName: name, hosts: { masters: takeHosts(1) } },
    },
  } as FPR;
}

const prState = async (name: string) =>
  (await edge.find<PR>(R.ProvisioningRequest, name, NS))?.status?.provisioningStatus?.provisioningState;

async function allFulfilled(names: string[], timeoutMs: number): Promise<void> {
  await waitFor(async () => (await Promise.all(names.map(prState))).every(s => s === "fulfilled"), {
    timeoutMs,
    intervalMs: 200,
    message: `fulfilled: ${names.join(", ")} (states: ${JSON.stringify(await Promise.all(names.map(prState)))})`,
  });
}

async function fprSynced(name: string): Promise<boolean> {
  const fpr = await smo.find<FPR>(R.FocomProvisioningRequest, name, FOCOM_NS);
  return fpr?.status?.phase === "Synced" && fpr.status.observedGeneration === fpr.metadata.generation;
}

/** Exactly one of each generated object per request: nothing was created twice across the outage. */
async function expectNoDuplicates(names: string[]): Promise<void> {
  for (const name of names) {
    const pr = await edge.get(R.ProvisioningRequest, name, NS);
    const selector = { namespace: NS, labelSelector: `o2ims.provisioning.oran.org/request-uid=${pr.metadata.uid}` };
    expect((await edge.list(R.Cluster, selector)).length).toBe(1);
    expect((await edge.list(R.KubeadmControlPlane, selector)).length).toBe(1);
    expect((await edge.list(R.MachineDeployment, selector)).length).toBe(1);
  }
}

/** The module's admission server answers /healthz (it must stay up while the API server is away). */
function admissionUp(mod: ModuleProcess): Promise<boolean> {
  return new Promise(resolve => {
    const req = https.request(
      { host: "127.0.0.1", port: mod.port, path: "/healthz", rejectUnauthorized: false, timeout: 2000 },
      res => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/** Lines of the module's log that say a watch was lost / restored. */
function watchLogLines(mod: ModuleProcess, what: "lost" | "restored after"): string[] {
  return fs
    .readFileSync(mod.logFile, "utf8")
    .split("\n")
    .filter(l => l.includes("watch of ") && l.includes(` ${what}`));
}

/** Stops a component for `seconds`, checking meanwhile that the module lives and admission answers; returns when it is back. */
async function outage(plane: Plane, mod: ModuleProcess, component: PlaneComponent, seconds: number): Promise<number> {
  const lostBefore = watchLogLines(mod, "lost").length;
  await plane.stopComponent(component);
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await delay(Math.min(5000, until - Date.now()));
    expect(await admissionUp(mod)).toBe(true);
  }
  await plane.startComponent(component, { timeoutMs: 120_000 });
  const back = Date.now();
  // Once per outage and watch, not per attempt: at most one "lost" line per watch of this plane.
  const lost = watchLogLines(mod, "lost").slice(lostBefore);
  const perWatch = new Map<string, number>();
  // Each Secret an OCloud names is watched twice for now (by its connection, and by the OCloud Secret watches that
  // also cover missing Secrets), under one label: those lines are left out of the count.
  for (const line of lost.filter(l => !/ secrets in /.test(l))) {
    const watch = /watch of (\S+ \S+(?: in \S+)?(?: \([^)]*\))?) lost/.exec(line)?.[1] ?? line;
    perWatch.set(watch, (perWatch.get(watch) ?? 0) + 1);
  }
  expect([...perWatch.values()].every(n => n === 1)).toBe(true);
  return back;
}

/** The O-Cloud scenario: requests in flight, an outage, then everything fulfilled and one more request processed. */
async function ocloudOutage(component: PlaneComponent, seconds: number): Promise<void> {
  const pid = edgeModule.pid();
  expect(pid).toBeDefined();
  const tag = `${component === "etcd" ? "etcd" : "api"}${seconds}`;
  const names = Array.from({ length: IN_FLIGHT }, (_, i) => `${tag}-${i}`);
  for (const name of names) await edge.create(R.ProvisioningRequest, prRequest(name));
  // In flight: the module has started on them, the hosts are still bootstrapping (1 s per step).
  await waitFor(async () => (await edge.list(R.Cluster, { namespace: NS })).some(c => c.metadata.name.startsWith(tag)), {
    message: `a Cluster of ${tag}`,
  });
  const back = await outage(ocloudPlane, edgeModule, component, seconds);
  await allFulfilled(names, RECOVERY_MS);
  const recovered = Date.now() - back;
  const after = `${tag}-after`;
  await edge.create(R.ProvisioningRequest, prRequest(after));
  const createdAt = Date.now();
  await allFulfilled([after], 60_000);
  measured.push(
    `${component} of the O-Cloud plane stopped ${seconds}s: ${IN_FLIGHT} requests fulfilled ${(recovered / 1000).toFixed(1)}s ` +
      `after its return; a request created after it fulfilled in ${((Date.now() - createdAt) / 1000).toFixed(1)}s`,
  );
  expect(edgeModule.pid()).toBe(pid);
  await expectNoDuplicates([...names, after]);
}

beforeAll(async () => {
  [ocloudPlane, smoPlane] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "all" })]);
  [edge, smo] = await Promise.all([ocloudPlane.client("outage-it"), smoPlane.client("outage-it")]);
  await edge.apply(
    R.ClusterTemplate,
    load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject,
  );
  for (const ns of [NS, FOCOM_NS]) await edge.apply(R.Namespace, { metadata: { name: ns } });
  for (let batch = 0; batch < 9; batch++)
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => batch * 10 + i + 1).map(id =>
        registerHost(edge, { name: `target-${id}`, labels: { "host-id": String(id) }, ip: ipOf(id) }),
      ),
    );
  sim = new Simulator(await ocloudPlane.client("capi-simulator"), { stepDelayMs: 1000 });
  await sim.start();
  // No periodic resync (an hour): whatever heals after an outage heals through the watches.
  const env = { OCP_RESYNC_SECONDS: "3600" };
  [edgeModule, smoModule] = await Promise.all([
    startModule({ kubeconfig: ocloudPlane.kubeconfig, dir: path.join(ocloudPlane.dir, "module"), env }),
    startModule({ kubeconfig: smoPlane.kubeconfig, dir: path.join(smoPlane.dir, "module"), env }),
  ]);
  // Seed 002 on the SMO plane: namespace, kubeconfig Secret of the O-Cloud, OCloud, TemplateInfo.
  const kubeconfig = fs.readFileSync(ocloudPlane.kubeconfig, "utf8");
  for (const o of loadAll(fs.readFileSync(path.join(ROOT, "examples/seed-002-focom-request.yaml"), "utf8")) as KubeObject[]) {
    if (o.kind === "FocomProvisioningRequest") continue;
    // startModule has created the namespace already (it grants the module Secret reads there), as the manifest does.
    if (o.kind === "Namespace") {
      await smo.apply(R.Namespace, o);
      continue;
    }
    await smo.create(resourceFor(o.apiVersion!, o.kind!), o.kind === "Secret" ? { ...o, stringData: { kubeconfig } } : o);
  }
}, 400_000);

afterAll(async () => {
  sim?.stop();
  await Promise.all([edgeModule?.stop(), smoModule?.stop()]);
  await Promise.all([ocloudPlane?.stop(), smoPlane?.stop()]);
  if (measured.length) console.log(`outage recovery:\n${measured.map(m => `  ${m}`).join("\n")}`);
});

describe("O-Cloud plane: the O2IMS module outlives outages of its control plane", () => {
  it("kube-apiserver stopped for 10 s", () => ocloudOutage("kube-apiserver", 10));
  it("kube-apiserver stopped for 60 s", () => ocloudOutage("kube-apiserver", 60));
  it("etcd stopped for 30 s", () => ocloudOutage("etcd", 30));
  (process.env.OCP_OUTAGE_LONG === "1" ? it : it.skip)("kube-apiserver stopped for 300 s", () =>
    ocloudOutage("kube-apiserver", 300),
  );
});

describe("SMO plane: FOCOM", () => {
  const secret = (data: Record<string, string>) => ({
    metadata: { name: "late-kubeconfig", namespace: FOCOM_NS },
    stringData: data,
  });
  const reachable = async (name: string) =>
    (await smo.find<FPR>(R.FocomProvisioningRequest, name, FOCOM_NS))?.status?.conditions?.find(
      c => c.type === "OCloudReachable",
    );

  it("picks up an OCloud Secret within 5 s of its creation and of its fix", async () => {
    await smo.create(R.OCloud, {
      metadata: { name: "late-ocloud", namespace: FOCOM_NS },
      spec: { secretRef: { name: "late-kubeconfig", namespace: FOCOM_NS } },
    });
    const fpr = fprRequest("late", "late-ocloud");
    await smo.create(R.FocomProvisioningRequest, fpr);
    await waitFor(async () => (await reachable("late"))?.reason === "SecretNotFound", { message: "late: SecretNotFound" });
    await delay(12_000); // the request's retry back-off has grown past 5 s by now
    // Created, but broken: no key "kubeconfig".
    let t = Date.now();
    await smo.apply(R.Secret, secret({ wrong: "x" }));
    await waitFor(async () => (await reachable("late"))?.reason === "KubeconfigMissing", {
      timeoutMs: SECRET_PICKUP_MS,
      intervalMs: 100,
      message: "late: KubeconfigMissing within 5 s of the Secret's creation",
    });
    const created = Date.now() - t;
    await delay(12_000);
    // Fixed (a kubeconfig that reaches the O-Cloud): the ProvisioningRequest appears on the O-Cloud.
    t = Date.now();
    await smo.mergePatch(R.Secret, "late-kubeconfig", FOCOM_NS, {
      data: null,
      stringData: { kubeconfig: fs.readFileSync(ocloudPlane.kubeconfig, "utf8") },
    });
    await waitFor(() => edge.find(R.ProvisioningRequest, "late-o2ims", FOCOM_NS), {
      timeoutMs: SECRET_PICKUP_MS,
      intervalMs: 100,
      message: "late-o2ims on the O-Cloud within 5 s of the Secret's fix",
    });
    measured.push(
      `OCloud Secret: created (broken) seen in ${(created / 1000).toFixed(1)}s, fixed picked up in ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );
    await waitFor(() => fprSynced("late"), { timeoutMs: 60_000, message: "late Synced" });
  });

  it("kube-apiserver of the SMO plane stopped for 60 s while requests provision", async () => {
    const pid = smoModule.pid();
    const names = Array.from({ length: 4 }, (_, i) => `smo-${i}`);
    for (const name of names) await smo.create(R.FocomProvisioningRequest, fprRequest(name));
    await waitFor(() => edge.find(R.ProvisioningRequest, `${names[0]}-o2ims`, FOCOM_NS), { message: "a remote request" });
    const back = await outage(smoPlane, smoModule, "kube-apiserver", 60);
    await waitFor(async () => (await Promise.all(names.map(fprSynced))).every(Boolean), {
      timeoutMs: RECOVERY_MS,
      intervalMs: 200,
      message: `Synced: ${names.join(", ")}`,
    });
    const recovered = Date.now() - back;
    await smo.create(R.FocomProvisioningRequest, fprRequest("smo-after"));
    const createdAt = Date.now();
    await waitFor(() => fprSynced("smo-after"), { timeoutMs: 60_000, message: "smo-after Synced" });
    measured.push(
      `kube-apiserver of the SMO plane stopped 60s: 4 FocomProvisioningRequests Synced ${(recovered / 1000).toFixed(1)}s ` +
        `after its return; one created after it Synced in ${((Date.now() - createdAt) / 1000).toFixed(1)}s`,
    );
    expect(smoModule.pid()).toBe(pid);
    for (const name of [...names, "smo-after"]) {
      const fpr = await smo.get(R.FocomProvisioningRequest, name, FOCOM_NS);
      const remotes = await edge.list(R.ProvisioningRequest, {
        namespace: FOCOM_NS,
        labelSelector: `focom.nephio.org/request-uid=${fpr.metadata.uid}`,
      });
      expect(remotes).toHaveLength(1);
    }
  });
});
