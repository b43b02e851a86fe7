/**
 * Exactly one request per host, under concurrency (issue 12), with the built module on two planes: the O-Cloud plane
 * runs the module, the simulator and the hosts; the SMO plane runs the module and reaches the O-Cloud through an
 * OCloud's kubeconfig Secret. 20 requests pinning one host are created at once, of each kind: exactly one gets
 * Cluster API objects, every other is denied at admission or failed naming the host, and deleting the winner hands
 * the host to none of them. A crash between claim and apply loses no claim and leaks none; a request in kube-system
 * is never reconciled; an FPR naming an unregistered host is denied by `kubectl apply` with the O-Cloud's words.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { load, loadAll } from "js-yaml";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import { hostClaimName } from "../../generators/names";
import { GENERATED_KINDS } from "../../generators/byoh-cluster";
import { O2IMS_REQUEST_UID_LABEL } from "../../api/vocabulary";
import { LEASE } from "../../capabilities/o2ims/claims";
import { ModuleProcess, startModule } from "../../local/module";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";

jest.setTimeout(600_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const NS = "o2ims"; // seed 002's namespace, on both planes
const CLAIMS_NS = "pepr-system";
const N = 20;
// Everything the generator can create for a request (the ClusterResourceSet of the CNI too), and the label linking it.
const GENERATED = GENERATED_KINDS;
const UID_LABEL = O2IMS_REQUEST_UID_LABEL;

type Status = {
  phase?: string;
  message?: string;
  provisioningStatus?: { provisioningState?: string; provisioningMessage?: string };
  conditions?: { type: string; status: string; reason: string; message: string }[];
};
type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Status };

let ocloudPlane: Plane;
let smoPlane: Plane;
let edge: KubeClient;
let smo: KubeClient;
let edgeModule: ModuleProcess;
let smoModule: ModuleProcess;
let sim: Simulator;
let faultMarker: string;

const params = (cluster: string, hostId: number) => ({
  clusterName: cluster,
  k8sVersion: "v1.32.0",
  hosts: { masters: [{ hostId, hostName: `target-${hostId}`, hostIp: `10.20.0.${hostId}` }] },
});

const provisioningRequest = (name: string, hostId: number, namespace = NS): Obj => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata: { name, namespace },
  spec: { templateName: "byoh-workload-cluster", templateVersion: "v1", templateParameters: params(name, hostId) },
});

const focomRequest = (name: string, hostId: number, hostName = `target-${hostId}`): Obj => ({
  apiVersion: "focom.nephio.org/v1alpha1",
  kind: "FocomProvisioningRequest",
  metadata: { name, namespace: NS },
  spec: {
    oCloudId: "edge-ocloud",
    templateName: "byoh-workload-cluster",
    templateParameters: { ...params(name, hostId), hosts: { masters: [{ hostId, hostName, hostIp: `10.20.0.${hostId}` }] } },
  },
});

/** Creates every object at once; resolves each to the created object or the KubeError that refused it. */
const createAll = (client: KubeClient, res: typeof R.ProvisioningRequest, objects: Obj[]) =>
  Promise.all(
    objects.map(o =>
      client.create<Obj>(res, o).then(
        created => created,
        (e: unknown) => {
          if (e instanceof KubeError) return e;
          throw e;
        },
      ),
    ),
  );

/** Every generated object of a ProvisioningRequest (by its uid label) on the O-Cloud. */
async function generatedFor(uid: string): Promise<string[]> {
  const out: string[] = [];
  for (const res of GENERATED) {
    for (const o of await edge.list(res, { namespace: NS, labelSelector: `${UID_LABEL}=${uid}` }))
      out.push(`${res.kind}/${o.metadata.name}`);
  }
  return out;
}

const claimsOn = async (hostId: number) =>
  (await edge.list(LEASE, { namespace: CLAIMS_NS })).filter(l => l.metadata.name === hostClaimName("host-id", hostId));

const prState = (pr: Obj | undefined) => pr?.status?.provisioningStatus?.provisioningState;
const prMessage = (pr: Obj | undefined) => pr?.status?.provisioningStatus?.provisioningMessage ?? "";

beforeAll(async () => {
  [ocloudPlane, smoPlane] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "all" })]);
  [edge, smo] = await Promise.all([ocloudPlane.client("claims-it"), smoPlane.client("claims-it")]);
  // The default template without its CNI step: the claims do not depend on it.
  const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as Obj;
  delete (template.spec as { cni?: unknown }).cni;
  await edge.apply(R.ClusterTemplate, template);
  await edge.apply(R.Namespace, { metadata: { name: NS } });
  for (const id of [50, 60, 51, 52]) await registerHost(edge, { name: `target-${id}`, labels: { "host-id": String(id) } });
  sim = new Simulator(await ocloudPlane.client("capi-simulator"), { stepDelayMs: 50 });
  await sim.start();

  faultMarker = path.join(ocloudPlane.dir, "exit-after-claim");
  const kubeconfig = fs.readFileSync(ocloudPlane.kubeconfig, "utf8");
  const smoObjects = (loadAll(fs.readFileSync(path.join(ROOT, "examples/seed-002-focom-request.yaml"), "utf8")) as Obj[])
    .filter(o => o.kind !== "FocomProvisioningRequest")
    .map(o => (o.kind === "Secret" ? { ...o, stringData: { kubeconfig } } : o));
  for (const o of smoObjects) await smo.create(resourceFor(o.apiVersion!, o.kind!), o);

  [edgeModule, smoModule] = await Promise.all([
    startModule({
      kubeconfig: ocloudPlane.kubeconfig,
      dir: path.join(ocloudPlane.dir, "module"),
      // A short resync: any retry that could hand a host to a loser would happen within the tests' waits.
      env: { OCP_RESYNC_SECONDS: "5", OCP_TEST_FAULT_EXIT_AFTER_CLAIM: faultMarker },
    }),
    startModule({ kubeconfig: smoPlane.kubeconfig, dir: path.join(smoPlane.dir, "module"), env: { OCP_RESYNC_SECONDS: "5" } }),
  ]);
}, 600_000);

afterAll(async () => {
  sim?.stop();
  await Promise.all([edgeModule?.stop(), smoModule?.stop()]);
  await Promise.all([ocloudPlane?.stop(), smoPlane?.stop()]);
});

describe(`${N} ProvisioningRequests pinning one host, created at once on the O-Cloud`, () => {
  const names = Array.from({ length: N }, (_, i) => `race-${i}`);
  let winner: Obj;
  let losers: Obj[] = [];

  it("gives exactly one of them Cluster API objects; every other is denied or failed naming the host", async () => {
    const outcomes = await createAll(
      edge,
      R.ProvisioningRequest,
      names.map(n => provisioningRequest(n, 50)),
    );
    const denied = outcomes.filter((o): o is KubeError => o instanceof KubeError);
    // A loser admitted after the winner's machine took the host is refused for that instead (it names the host too).
    for (const e of denied)
      expect(e.message).toMatch(
        /host target-50 \(hostId 50\) is (already pinned|claimed) by ProvisioningRequest|ByoHost target-50 is already attached to a machine of cluster race-\d+/,
      );
    const created = outcomes.filter((o): o is Obj => !(o instanceof KubeError));
    expect(created.length).toBeGreaterThan(0);

    // Each admitted request settles: it got a Cluster, or it failed naming the host.
    const settled = await waitFor(
      async () => {
        const now = await Promise.all(created.map(c => edge.find<Obj>(R.ProvisioningRequest, c.metadata.name, NS)));
        const withCluster = await Promise.all(
          now.map(async pr => (pr ? (await generatedFor(pr.metadata.uid!)).length > 0 : false)),
        );
        const done = now.every((pr, i) => withCluster[i] || prState(pr) === "failed");
        return done ? now.map((pr, i) => ({ pr: pr!, cluster: withCluster[i] })) : undefined;
      },
      { timeoutMs: 120_000, message: "every admitted request has a Cluster or failed" },
    );
    const winners = settled.filter(s => s.cluster);
    expect(winners).toHaveLength(1);
    winner = winners[0].pr;
    losers = settled.filter(s => !s.cluster).map(s => s.pr);
    for (const pr of losers) {
      expect(prMessage(pr)).toContain(
        `host target-50 (hostId 50) is claimed by ProvisioningRequest ${NS}/${winner.metadata.name}`,
      );
      expect(pr.status?.conditions?.find(c => c.type === "HostsClaimed")).toMatchObject({
        status: "False",
        reason: "HostClaimLost",
      });
      expect(await generatedFor(pr.metadata.uid!)).toEqual([]);
    }
    const claims = await claimsOn(50);
    expect(claims).toHaveLength(1);
    expect(claims[0].metadata.labels?.[UID_LABEL]).toBe(winner.metadata.uid);
    console.log(
      `ProvisioningRequest race: ${denied.length} denied at admission, ${losers.length} failed, 1 won (${winner.metadata.name})`,
    );
    if (losers.length > 0) {
      const events = await edge.list(R.Event, { namespace: NS, fieldSelector: `involvedObject.name=${losers[0].metadata.name}` });
      expect(
        events.map(e => `${(e as unknown as { type: string }).type} ${(e as unknown as { reason: string }).reason}`),
      ).toContain("Warning HostClaimLost");
    }
    await waitFor(async () => prState(await edge.find<Obj>(R.ProvisioningRequest, winner.metadata.name, NS)) === "fulfilled", {
      timeoutMs: 60_000,
      message: "the winner fulfilled",
    });
  });

  it("deleting the winner hands the host to no loser", async () => {
    await edge.delete(R.ProvisioningRequest, winner.metadata.name, NS);
    await waitFor(async () => (await edge.find(R.ProvisioningRequest, winner.metadata.name, NS)) === undefined, {
      timeoutMs: 90_000,
      message: "the winner deleted",
    });
    expect(await claimsOn(50)).toEqual([]); // released with the request
    await new Promise(r => setTimeout(r, 12_000)); // two resync periods of the O-Cloud's module
    for (const pr of losers) {
      expect(await generatedFor(pr.metadata.uid!)).toEqual([]);
      expect(prState(await edge.find<Obj>(R.ProvisioningRequest, pr.metadata.name, NS))).toBe("failed");
    }
    expect(await claimsOn(50)).toEqual([]);
    for (const pr of losers) await edge.delete(R.ProvisioningRequest, pr.metadata.name, NS);
  });
});

describe(`${N} FocomProvisioningRequests pinning one host, created at once on the SMO`, () => {
  let winner: Obj;
  let admitted: Obj[] = [];

  it("gives exactly one mirror Cluster API objects; every other is denied or failed naming the host", async () => {
    const outcomes = await createAll(
      smo,
      R.FocomProvisioningRequest,
      Array.from({ length: N }, (_, i) => focomRequest(`frace-${i}`, 60)),
    );
    const denied = outcomes.filter((o): o is KubeError => o instanceof KubeError);
    for (const e of denied) expect(e.message).toContain("target-60");
    admitted = outcomes.filter((o): o is Obj => !(o instanceof KubeError));

    const settled = await waitFor(
      async () => {
        const rows = await Promise.all(
          admitted.map(async f => {
            const fpr = await smo.find<Obj>(R.FocomProvisioningRequest, f.metadata.name, NS);
            const mirror = await edge.find<Obj>(R.ProvisioningRequest, `${f.metadata.name}-o2ims`, NS);
            const objects = mirror ? await generatedFor(mirror.metadata.uid!) : [];
            return { fpr: fpr!, mirror, objects };
          }),
        );
        const done = rows.every(r => r.objects.length > 0 || r.fpr.status?.phase === "Failed");
        return done ? rows : undefined;
      },
      { timeoutMs: 180_000, message: "every admitted FocomProvisioningRequest has a Cluster or failed" },
    );
    const winners = settled.filter(r => r.objects.length > 0);
    expect(winners).toHaveLength(1);
    winner = winners[0].fpr;
    const losers = settled.filter(r => r.objects.length === 0);
    for (const r of losers) {
      expect(r.fpr.status?.phase).toBe("Failed");
      expect(r.fpr.status?.message).toContain("target-60");
      // A mirror the O-Cloud refused is not sent again for this generation (so no loser takes the host over later).
      if (!r.mirror) expect(r.fpr.status?.message).toContain("not retried until the request's spec changes");
    }
    const claims = await claimsOn(60);
    expect(claims).toHaveLength(1);
    expect(claims[0].metadata.annotations?.["o2ims.provisioning.oran.org/request"]).toBe(`${NS}/${winner.metadata.name}-o2ims`);
    console.log(
      `FocomProvisioningRequest race: ${denied.length} denied at admission, ${losers.length} failed ` +
        `(${losers.filter(r => !r.mirror).length} without a mirror), 1 won (${winner.metadata.name})`,
    );
  });

  it("deleting the winner hands the host to no loser", async () => {
    await smo.delete(R.FocomProvisioningRequest, winner.metadata.name, NS);
    await waitFor(async () => (await smo.find(R.FocomProvisioningRequest, winner.metadata.name, NS)) === undefined, {
      timeoutMs: 120_000,
      message: "the winner deleted",
    });
    await waitFor(async () => (await claimsOn(60)).length === 0, {
      timeoutMs: 30_000,
      message: "the claim on target-60 released",
    });
    await new Promise(r => setTimeout(r, 12_000));
    for (const f of admitted.filter(a => a.metadata.name !== winner.metadata.name)) {
      const mirror = await edge.find<Obj>(R.ProvisioningRequest, `${f.metadata.name}-o2ims`, NS);
      if (mirror) expect(await generatedFor(mirror.metadata.uid!)).toEqual([]);
      expect((await smo.find<Obj>(R.FocomProvisioningRequest, f.metadata.name, NS))?.status?.phase).toBe("Failed");
    }
    expect(await claimsOn(60)).toEqual([]);
  });
});

describe("a crash of the O-Cloud's module between claim and apply", () => {
  it("loses no claim and leaks none", async () => {
    fs.writeFileSync(faultMarker, "");
    await edge.create(R.ProvisioningRequest, provisioningRequest("crash", 51));
    await waitFor(async () => edgeModule.pid() === undefined, {
      timeoutMs: 60_000,
      message: "the module to exit after the claim",
    });
    const pr = (await edge.find<Obj>(R.ProvisioningRequest, "crash", NS))!;
    const held = await claimsOn(51);
    expect(held.map(l => l.metadata.labels?.[UID_LABEL])).toEqual([pr.metadata.uid]);
    expect(await generatedFor(pr.metadata.uid!)).toEqual([]); // exited before the apply

    await edgeModule.restart();
    await waitFor(async () => prState(await edge.find<Obj>(R.ProvisioningRequest, "crash", NS)) === "fulfilled", {
      timeoutMs: 90_000,
      message: "crash fulfilled after the restart",
    });
    expect((await claimsOn(51)).map(l => l.metadata.uid)).toEqual(held.map(l => l.metadata.uid)); // the same claim

    // A competitor is denied at admission (the restarted module's informers hold the claim and the attachment).
    const e = await edge.create(R.ProvisioningRequest, provisioningRequest("crash-2", 51)).then(
      () => undefined,
      (err: unknown) => err as KubeError,
    );
    // (the host is attached to crash's cluster by now, which admission reports before the claim)
    expect(e?.message).toMatch(
      /target-51 .*(claimed by ProvisioningRequest o2ims\/crash|attached to a machine of cluster crash)/,
    );

    await edge.delete(R.ProvisioningRequest, "crash", NS);
    await waitFor(async () => (await edge.find(R.ProvisioningRequest, "crash", NS)) === undefined, {
      timeoutMs: 90_000,
      message: "crash deleted",
    });
    expect(await claimsOn(51)).toEqual([]);
  });
});

describe("namespaces admission ignores", () => {
  it("never reconciles a ProvisioningRequest in kube-system (admitted unchecked there)", async () => {
    const bad = provisioningRequest("unchecked", 52, "kube-system");
    (bad.spec!.templateParameters as { hosts: { masters: unknown[] } }).hosts.masters.push({
      hostId: 50,
      hostName: "target-50",
    }); // an even number of masters: admission would deny it
    await edge.create(R.ProvisioningRequest, bad);
    await new Promise(r => setTimeout(r, 12_000)); // two resync periods
    const pr = await edge.find<Obj>(R.ProvisioningRequest, "unchecked", "kube-system");
    expect(pr?.status).toBeUndefined();
    expect(pr?.metadata.finalizers ?? []).toEqual([]);
    expect(await edge.find(R.Cluster, "unchecked", "kube-system")).toBeUndefined();
    expect(await claimsOn(52)).toEqual([]);
    // ... and it pins nothing: a request in a served namespace may take its host.
    await edge.create(R.ProvisioningRequest, provisioningRequest("served", 52));
    await waitFor(async () => (await claimsOn(52)).length === 1, { timeoutMs: 30_000, message: "served claims target-52" });
    await edge.delete(R.ProvisioningRequest, "unchecked", "kube-system");
  });
});

describe("FOCOM admission asks the O-Cloud", () => {
  it("denies at kubectl apply an FPR naming a host the O-Cloud has not registered, in the O-Cloud's words", async () => {
    const file = path.join(smoPlane.dir, "unregistered.json");
    fs.writeFileSync(file, JSON.stringify(focomRequest("unregistered", 70, "nowhere")));
    const res = await run("kubectl", ["--kubeconfig", smoPlane.kubeconfig, "apply", "-f", file]).then(
      () => ({ ok: true, stderr: "" }),
      (e: { stderr?: string }) => ({ ok: false, stderr: String(e.stderr) }),
    );
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain("FocomProvisioningRequest rejected by O-Cloud edge-ocloud");
    expect(res.stderr).toContain(
      'spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "nowhere" is registered in any namespace',
    );
    expect(await smo.find(R.FocomProvisioningRequest, "unregistered", NS)).toBeUndefined();
    expect(await edge.find(R.ProvisioningRequest, "unregistered-o2ims", NS)).toBeUndefined();
  });
});
