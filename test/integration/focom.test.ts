/**
 * The FOCOM capability end to end, with the built module (real admission webhooks) on two planes:
 * - the O-Cloud plane runs the module and the BYOH/CAPI simulator; it also plays the single-cluster topology
 *   (seed 000: the FocomProvisioningRequest and its ProvisioningRequest in one plane);
 * - the SMO plane runs the module too and reaches the O-Cloud through an OCloud's kubeconfig Secret (seed 002).
 * The examples are applied as written (only the placeholder kubeconfig is replaced). The SMO module's periodic
 * resync is off (an hour), so every status change seen there arrives through the remote or the Secret watch; its
 * unreachable-release limit is 5 s.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { load, loadAll } from "js-yaml";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import type { FocomProvisioningRequestSpec, FocomProvisioningRequestStatus } from "../../api/generated/types";
import { ModuleProcess, startModule } from "../../local/module";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";

jest.setTimeout(300_000);

const ROOT = path.resolve(__dirname, "../..");
const RELEASE_SECONDS = 5;
type FPR = KubeObject & { spec: FocomProvisioningRequestSpec; status?: FocomProvisioningRequestStatus };
type PR = KubeObject & {
  spec: { templateParameters: { hosts: { workers?: unknown[] } } };
  status?: { observedGeneration?: number; provisioningStatus?: { provisioningState?: string } };
};

let ocloudPlane: Plane;
let smoPlane: Plane;
let edge: KubeClient; // admin client of the O-Cloud plane
let smo: KubeClient; // admin client of the SMO plane
let edgeModule: ModuleProcess;
let smoModule: ModuleProcess;
let sim: Simulator;

const example = (file: string) => loadAll(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as KubeObject[];

/** Creates the objects in order, as kubectl apply of the file would. */
async function applyAll(client: KubeClient, objects: KubeObject[]): Promise<void> {
  for (const obj of objects) {
    // A Namespace may exist already (startModule creates the OCloud Secret namespaces it grants the module), and
    // kubectl apply accepts that.
    if (obj.kind === "Namespace") await client.apply(R.Namespace, obj);
    else await client.create(resourceFor(obj.apiVersion!, obj.kind!), obj);
  }
}

const getFPR = (client: KubeClient, name: string, ns: string) => client.find<FPR>(R.FocomProvisioningRequest, name, ns);

async function waitPhase(client: KubeClient, name: string, ns: string, phase: string, timeoutMs = 90_000): Promise<FPR> {
  let last: FPR | undefined;
  return waitFor(
    async () => {
      last = await getFPR(client, name, ns);
      return last?.status?.phase === phase && last.status.observedGeneration === last.metadata.generation ? last : undefined;
    },
    { timeoutMs, message: `FocomProvisioningRequest ${ns}/${name} ${phase} (last status: ${JSON.stringify(last?.status)})` },
  );
}

const condition = (fpr: FPR, type: string) => fpr.status?.conditions?.find(c => c.type === type);
const eventReasons = async (client: KubeClient, ns: string, name: string) =>
  (await client.list(R.Event, { namespace: ns, fieldSelector: `involvedObject.name=${name}` })).map(
    e => (e as unknown as { reason: string }).reason,
  );

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

/** The error a create fails with (the test fails if it succeeds). */
async function denial(request: Promise<unknown>): Promise<KubeError> {
  const outcome = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof KubeError)) throw new Error(`expected a denial, got ${String(outcome)}`);
  return outcome;
}

beforeAll(async () => {
  [ocloudPlane, smoPlane] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "all" })]);
  [edge, smo] = await Promise.all([ocloudPlane.client("focom-it"), smoPlane.client("focom-it")]);

  // The O-Cloud: its template, the namespace seed 002's requests land in, hosts for every test, the simulator.
  await edge.apply(
    R.ClusterTemplate,
    load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject,
  );
  await edge.apply(R.Namespace, { metadata: { name: "o2ims" } });
  for (const id of [3, 4]) await registerHost(edge, { name: `target-${id}`, labels: { "host-id": String(id) } });
  for (const id of [51, 52, 53, 61])
    await registerHost(edge, { name: `edge-${id}`, labels: { "host-id": String(id) }, ip: `172.16.4.${id}` });
  sim = new Simulator(await ocloudPlane.client("capi-simulator"), { stepDelayMs: 50 });
  await sim.start();

  [edgeModule, smoModule] = await Promise.all([
    startModule({ kubeconfig: ocloudPlane.kubeconfig, dir: path.join(ocloudPlane.dir, "module") }),
    startModule({
      kubeconfig: smoPlane.kubeconfig,
      dir: path.join(smoPlane.dir, "module"),
      env: { OCP_RESYNC_SECONDS: "3600", OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS: String(RELEASE_SECONDS) },
    }),
  ]);
}, 300_000);

afterAll(async () => {
  sim?.stop();
  await Promise.all([edgeModule?.stop(), smoModule?.stop()]);
  await Promise.all([ocloudPlane?.stop(), smoPlane?.stop()]);
});

describe("single cluster (seed 000): request and ProvisioningRequest in one plane", () => {
  it("denies a bad request at admission, naming every field, and creates nothing", async () => {
    await applyAll(
      edge,
      example("seed-000-focom-request.yaml").filter(o => o.kind !== "FocomProvisioningRequest"),
    );
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
    const e = await denial(edge.create(R.FocomProvisioningRequest, bad));
    expect(e.message).toContain("denied the request");
    expect(e.message).toContain(
      'spec.oCloudId: no OCloud named "nowhere" in namespace default; known OClouds: management-cluster',
    );
    expect(e.message).toContain(
      "spec.templateParameters.hosts.masters[0].hostName: hosts.masters[0].hostName must be of type string",
    );
    expect(e.message).toMatch(/spec\.templateParameters\.hosts\.masters: .*odd number/);
    expect(await getFPR(edge, "bad", "default")).toBeUndefined();
    expect(await edge.find(R.ProvisioningRequest, "bad-o2ims", "default")).toBeUndefined();
  });

  it("creates the ProvisioningRequest in the same plane and reaches Synced with the remote fulfilled", async () => {
    await applyAll(
      edge,
      example("seed-000-focom-request.yaml").filter(o => o.kind === "FocomProvisioningRequest"),
    );
    const fpr = await waitPhase(edge, "edge-cluster-request", "default", "Synced");
    expect(fpr.spec.templateVersion).toBe("v1"); // defaulted from the TemplateInfo
    expect(fpr.status?.remoteName).toBe("edge-cluster-request-o2ims");
    expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
    const pr = await edge.get<PR>(R.ProvisioningRequest, "edge-cluster-request-o2ims", "default");
    expect(pr.metadata.labels?.["focom.nephio.org/request-uid"]).toBe(fpr.metadata.uid);
    expect(fpr.status?.remoteState?.oCloudNodeClusterId).toBe((await edge.get(R.Cluster, "edge", "default")).metadata.uid);
    expect(condition(fpr, "OCloudReachable")?.status).toBe("True");
    const reasons = await eventReasons(edge, "default", "edge-cluster-request");
    expect(reasons).toContain("Synced");
    expect(reasons).not.toContain("Failed");
  });
});

describe("two planes (seed 002): SMO plane -> O-Cloud plane through an OCloud kubeconfig Secret", () => {
  const NS = "o2ims";
  const NAME = "edge-5g-deployment";
  const REMOTE = `${NAME}-o2ims`;
  let kubeconfigText: string;

  beforeAll(() => {
    kubeconfigText = fs.readFileSync(ocloudPlane.kubeconfig, "utf8");
  });

  const setKubeconfig = (text: string) =>
    smo.mergePatch(R.Secret, "edge-cluster-kubeconfig", NS, { stringData: { kubeconfig: text } });
  const breakKubeconfig = async () =>
    setKubeconfig(kubeconfigText.replace(ocloudPlane.server, `https://127.0.0.1:${await closedPort()}`));
  const waitReachable = (name: string, status: "True" | "False") =>
    waitFor(
      async () => {
        const fpr = await getFPR(smo, name, NS);
        return fpr && condition(fpr, "OCloudReachable")?.status === status ? fpr : undefined;
      },
      { timeoutMs: 60_000, message: `OCloudReachable ${status} on ${name}` },
    );

  it("converts seed 002's request, creates it on the O-Cloud and reaches Synced through the remote watch", async () => {
    const objects = example("seed-002-focom-request.yaml").map(o =>
      o.kind === "Secret" ? { ...o, stringData: { kubeconfig: kubeconfigText } } : o,
    );
    await applyAll(smo, objects);
    const fpr = await waitPhase(smo, NAME, NS, "Synced");
    expect(fpr.spec).toMatchObject({
      oCloudId: "edge-ocloud",
      oCloudNamespace: NS,
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
    });
    expect(fpr.spec).not.toHaveProperty("ocloudRef");
    expect(fpr.spec).not.toHaveProperty("parameters");
    expect(await smo.find(R.ProvisioningRequest, REMOTE, NS)).toBeUndefined(); // not on the SMO plane
    const pr = await edge.get<PR>(R.ProvisioningRequest, REMOTE, NS);
    expect(pr.metadata.annotations?.["focom.nephio.org/ocloud"]).toBe(`${NS}/edge-ocloud`);
    expect(pr.status?.provisioningStatus?.provisioningState).toBe("fulfilled");
    const reasons = await eventReasons(smo, NS, NAME);
    expect(reasons).toEqual(expect.arrayContaining(["Creating", "Synced"]));
    expect(reasons).not.toContain("Failed"); // OCloud and TemplateInfo created a moment before are found at once
    // kubectl conventions: a Ready condition that `kubectl wait` understands.
    const { stdout } = await promisify(execFile)("kubectl", [
      "--kubeconfig",
      smoPlane.kubeconfig,
      "wait",
      "--for=condition=Ready",
      `focomreq/${NAME}`,
      "-n",
      NS,
      "--timeout=30s",
    ]);
    expect(stdout).toContain("condition met");
  });

  it("scales through FOCOM: the worker reaches the O-Cloud's cluster and the request is Synced again", async () => {
    const fpr = (await getFPR(smo, NAME, NS))!;
    const params = fpr.spec.templateParameters as { hosts: { masters: unknown[]; workers: unknown[] } };
    const workers = [...params.hosts.workers, { hostId: "53", hostName: "edge-53", hostIp: "172.16.4.53" }];
    await smo.mergePatch(R.FocomProvisioningRequest, NAME, NS, {
      spec: { templateParameters: { hosts: { ...params.hosts, workers } } },
    });
    await waitFor(
      async () =>
        (await edge.list(R.MachineDeployment, { namespace: NS, labelSelector: "cluster.x-k8s.io/cluster-name=edge-5g" }))
          .length === 2,
      {
        timeoutMs: 60_000,
        message: "2 MachineDeployments for edge-5g on the O-Cloud",
      },
    );
    const synced = await waitPhase(smo, NAME, NS, "Synced");
    expect(synced.metadata.generation).toBe(2);
    const pr = await edge.get<PR>(R.ProvisioningRequest, REMOTE, NS);
    expect(pr.spec.templateParameters.hosts.workers).toHaveLength(2);
    expect(pr.status?.observedGeneration).toBe(pr.metadata.generation);
  });

  it("recovers when the O-Cloud's module is killed and restarted mid-provisioning", async () => {
    sim.setFault("edge-61", { slowMs: 3_000 });
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
    await smo.create(R.FocomProvisioningRequest, request);
    await waitFor(() => edge.find(R.Cluster, "restart", NS), { timeoutMs: 60_000, message: "Cluster restart on the O-Cloud" });
    await edgeModule.stop({ hard: true, keepWebhooks: true });
    expect((await getFPR(smo, "restart", NS))?.status?.phase).not.toBe("Synced");
    await edgeModule.restart();
    const fpr = await waitPhase(smo, "restart", NS, "Synced");
    expect(fpr.status?.remoteState?.provisioningState).toBe("fulfilled");
    expect(
      await edge.list(R.ProvisioningRequest, {
        namespace: NS,
        labelSelector: `focom.nephio.org/request-uid=${fpr.metadata.uid}`,
      }),
    ).toHaveLength(1);
  });

  it("reports an unreachable O-Cloud without changing the phase, and recovers once its kubeconfig is fixed", async () => {
    await breakKubeconfig(); // the Secret's watch re-queues the requests: no resync, no touch of the requests
    const down = await waitReachable("restart", "False");
    expect(down.status?.phase).toBe("Synced");
    expect(condition(down, "OCloudReachable")).toMatchObject({ reason: "Unreachable" });
    expect(condition(down, "OCloudReachable")?.message).toMatch(/^cannot reach O-Cloud edge-ocloud: .*ECONNREFUSED/);
    expect(await eventReasons(smo, NS, "restart")).toContain("OCloudUnreachable");
    await setKubeconfig(kubeconfigText);
    const up = await waitReachable("restart", "True");
    expect(up.status?.phase).toBe("Synced");
    await waitReachable(NAME, "True");
  });

  it("deletes across planes: the remote request and its cluster first, the FOCOM request last", async () => {
    const fpr = (await getFPR(smo, NAME, NS))!;
    await smo.delete(R.FocomProvisioningRequest, NAME, NS);
    await waitFor(async () => (await getFPR(smo, NAME, NS)) === undefined, {
      timeoutMs: 90_000,
      message: `${NAME} gone from the SMO plane`,
    });
    expect(await edge.find(R.ProvisioningRequest, REMOTE, NS)).toBeUndefined();
    expect(await edge.find(R.Cluster, "edge-5g", NS)).toBeUndefined();
    expect(await eventReasons(smo, NS, NAME)).toContain("Deleting");
    expect(fpr.metadata.finalizers).toContain("pepr.dev/finalizer");
  });

  it("releases a request whose O-Cloud stays unreachable past the limit, with a Warning, leaving the remote in place", async () => {
    await breakKubeconfig();
    await waitReachable("restart", "False");
    await smo.delete(R.FocomProvisioningRequest, "restart", NS);
    await waitFor(async () => (await getFPR(smo, "restart", NS)) === undefined, {
      timeoutMs: 60_000,
      message: "restart released",
    });
    const warnings = (await smo.list(R.Event, {
      namespace: NS,
      fieldSelector: "involvedObject.name=restart,reason=ReleasedUnconfirmed",
    })) as unknown as { type: string; message: string }[];
    expect(warnings.map(w => w.type)).toEqual(["Warning"]);
    expect(warnings[0].message).toContain(
      `released after ${RELEASE_SECONDS}s without confirming that ProvisioningRequest ${NS}/restart-o2ims was deleted`,
    );
    expect(await edge.find(R.ProvisioningRequest, "restart-o2ims", NS)).toBeDefined();
    await setKubeconfig(kubeconfigText);
    await edge.delete(R.ProvisioningRequest, "restart-o2ims", NS); // what the Warning asks the operator to do
  });

  it("never shows the kubeconfig Secret's credentials in the SMO plane's logs, events or status", async () => {
    const key = (load(kubeconfigText) as { users: { user: Record<string, string> }[] }).users[0].user["client-key-data"];
    expect(key).toBeTruthy();
    const decoded = Buffer.from(key, "base64").toString("utf8").split("\n")[1]; // a line of the PEM body
    const log = fs.readFileSync(smoModule.logFile, "utf8");
    const visible = JSON.stringify([
      await smo.list(R.Event, { namespace: NS }),
      await smo.list(R.FocomProvisioningRequest, { namespace: NS }),
    ]);
    for (const text of [log, visible]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(decoded);
    }
  });
});
