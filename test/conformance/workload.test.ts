/**
 * A 1-master + 2-worker ProvisioningRequest through the module with the real Cluster API v1.10 + BYOH v0.5.0
 * managers; only the hosts are simulated (local/capi/agent.ts: the BYOH agent's part, and the workload API server
 * `kubeadm init` starts on the first master, at the cluster's controlPlaneEndpoint 127.0.10.100:6443, trusting the
 * `<cluster>-ca` KCP generated). The CNI is the default template's ClusterResourceSet with a stand-in manifest whose
 * `calico-node` DaemonSet, once Cluster API applied it in the workload cluster, lets the hosts' kubelets report Ready.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import type { KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { managerBinaries } from "../../local/capi";
import { CNI_STANDIN_MANIFEST, HostAgents, startHostAgents } from "../../local/capi/agent";
import { ModuleProcess, startModule } from "../../local/module";
import { waitFor } from "../../local/plane";
import { generateCluster } from "../../generators/byoh-cluster";
import { applyDefaults } from "../../generators/parameters";
import { startPlane } from "../../local/plane";
import { registerHost } from "../../local/sim";
import { Simulator } from "../../local/sim/simulator";
import { defaultTemplate } from "../unit/generators/fixtures";
import { Env, ROOT, startEnv, statusView, viewDifferences } from "./support";

const NS = "real";
const report: string[] = [];
let env: Env;
let mod: ModuleProcess | undefined;
let agents: HostAgents | undefined;
/** What the status computation reads, with the real controllers, once the 1+2 request is fulfilled (or stuck). */
let realView: Map<string, string> | undefined;
const HOSTS = [1, 2, 3, 4, 5, 6, 7, 8].map(i => ({ name: `real-${i}`, labels: { "host-id": String(i) } }));
const DECOYS = [
  { name: "decoy-10", labels: { "host-id": "10" } },
  { name: "decoy-x1", labels: { "host-id": "x1" } },
];

type PR = KubeObject & {
  spec: Record<string, unknown>;
  status?: { provisioningStatus?: { provisioningState?: string; provisioningMessage?: string }; stage?: { name: string } };
};
const host = (i: number) => ({ hostId: i, hostName: `real-${i}`, hostIp: `127.0.10.${i}` });
const request = (workers: number[]): PR => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata: { name: "real", namespace: NS },
  spec: {
    name: "real cluster",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: {
      clusterName: "real",
      k8sVersion: "v1.32.0",
      controlPlaneEndpoint: "127.0.10.100",
      hosts: { masters: [host(1)], workers: workers.map(host) },
    },
  },
});

type Cond = { type: string; status: string; reason?: string; message?: string };
const conds = (o: KubeObject | undefined) =>
  ((o?.status as { conditions?: Cond[] } | undefined)?.conditions ?? [])
    .filter(c => c.status !== "True")
    .map(c => `${c.type}=${c.status}(${c.reason ?? ""}${c.message ? `: ${c.message.slice(0, 120)}` : ""})`)
    .join(", ");

/** Where everything stands: the request, KCP, MachineDeployments, Machines, hosts and the agents' log. */
async function snapshot(): Promise<string> {
  const a = env.admin;
  const pr = await a.find<PR>(R.ProvisioningRequest, "real", NS);
  const lines = [`request: ${JSON.stringify(pr?.status?.provisioningStatus)} stage ${pr?.status?.stage?.name}`];
  for (const k of await a.list(R.KubeadmControlPlane, { namespace: NS }))
    lines.push(`KCP ${k.metadata.name}: ${JSON.stringify({ ...(k.status as object), conditions: undefined })} ${conds(k)}`);
  for (const md of await a.list(R.MachineDeployment, { namespace: NS }))
    lines.push(`MD ${md.metadata.name}: ready ${(md.status as { readyReplicas?: number })?.readyReplicas ?? 0} ${conds(md)}`);
  for (const m of await a.list(R.Machine, { namespace: NS }))
    lines.push(`Machine ${m.metadata.name}: ${(m.status as { phase?: string })?.phase} ${conds(m)}`);
  for (const c of await a.list(R.ClusterResourceSet, { namespace: NS }))
    lines.push(`CRS ${c.metadata.name}: ${conds(c) || "applied"}`);
  for (const h of await a.list(R.ByoHost, { namespace: NS }))
    lines.push(`ByoHost ${h.metadata.name}: ${h.metadata.labels?.["cluster.x-k8s.io/cluster-name"] ?? "free"} ${conds(h)}`);
  lines.push(...(agents?.log ?? []).slice(-15).map(l => `agent: ${l}`));
  return lines.join("\n");
}

beforeAll(async () => {
  env = await startEnv();
  const template = yaml.load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject;
  await env.admin.apply(R.ClusterTemplate, template);
  const ns = await env.admin.apply(R.Namespace, { metadata: { name: NS } });
  await env.admin.apply(R.ConfigMap, {
    metadata: {
      name: "calico-cni",
      namespace: NS,
      ownerReferences: [{ apiVersion: "v1", kind: "Namespace", name: NS, uid: ns.metadata.uid! }],
    },
    data: { "calico.yaml": CNI_STANDIN_MANIFEST },
  });
  const hosts = [...HOSTS, ...DECOYS];
  agents = await startHostAgents(env.plane, { namespace: NS, hosts, bins: (await managerBinaries()).plane });
  mod = await startModule({ kubeconfig: env.plane.kubeconfig, dir: path.join(env.plane.dir, "module") });
}, 600_000);

afterAll(async () => {
  console.log(`conformance: real controllers\n${report.join("\n")}`);
  await mod?.stop();
  await agents?.stop();
  await env?.capi.stop();
  await env?.plane.stop();
});

/** Waits for the state (and, when given, a message that mentions `says`: a stale "fulfilled" is not the new one). */
async function waitState(state: string, timeoutMs: number, says = ""): Promise<PR> {
  return waitFor(
    async () => {
      const pr = await env.admin.find<PR>(R.ProvisioningRequest, "real", NS);
      const s = pr?.status?.provisioningStatus;
      return s?.provisioningState === state && (s.provisioningMessage ?? "").includes(says) && pr;
    },
    { timeoutMs, intervalMs: 1000, message: `request ${state}` },
  ).catch(async (e: Error) => {
    const s = await snapshot();
    report.push(`NOT ${state}:\n${s}`);
    throw new Error(`${e.message}\n${s}`);
  });
}

test("1 master + 2 workers reach fulfilled on their pinned hosts", async () => {
  const t0 = Date.now();
  await env.admin.create(R.ProvisioningRequest, request([2, 3]));
  try {
    await waitState("fulfilled", 420_000);
  } finally {
    realView = await statusView(env.admin, NS);
  }
  report.push(`1+2 fulfilled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const machines = await env.admin.list(R.Machine, { namespace: NS });
  const nodes = machines.map(m => (m.status as { nodeRef?: { name: string } }).nodeRef?.name).sort();
  expect(nodes).toEqual(["real-1", "real-2", "real-3"]);
  report.push(`machines on: ${nodes.join(", ")}; decoys free`);
  for (const d of ["decoy-10", "decoy-x1"])
    expect((await env.admin.get(R.ByoHost, d, NS)).metadata.labels?.["cluster.x-k8s.io/cluster-name"]).toBeUndefined();
});

test("scales out to a third worker", async () => {
  const t0 = Date.now();
  await env.admin.mergePatch(R.ProvisioningRequest, "real", NS, {
    spec: { templateParameters: { hosts: (request([2, 3, 4]).spec.templateParameters as { hosts: object }).hosts } },
  });
  await waitFor(async () => (await env.admin.list(R.MachineDeployment, { namespace: NS })).length === 3, {
    timeoutMs: 60_000,
    message: "third MachineDeployment",
  });
  await waitState("fulfilled", 300_000, "workers 3/3");
  const nodes = (await env.admin.list(R.Machine, { namespace: NS }))
    .map(m => (m.status as { nodeRef?: { name: string } }).nodeRef?.name)
    .sort();
  expect(nodes).toEqual(["real-1", "real-2", "real-3", "real-4"]);
  report.push(`scale-out to 3 workers fulfilled in ${((Date.now() - t0) / 1000).toFixed(1)} s, real-4 attached`);
});

test("deletes, leaving nothing behind and the hosts released and still labelled", async () => {
  const t0 = Date.now();
  await env.admin.delete(R.ProvisioningRequest, "real", NS);
  await waitFor(async () => (await env.admin.find(R.ProvisioningRequest, "real", NS)) === undefined, {
    timeoutMs: 300_000,
    intervalMs: 1000,
    message: "request deleted",
  });
  for (const res of [
    R.Cluster,
    R.KubeadmControlPlane,
    R.MachineDeployment,
    R.MachineSet,
    R.Machine,
    R.ByoMachine,
    R.ClusterResourceSet,
  ])
    expect((await env.admin.list(res, { namespace: NS })).map(o => `${res.kind}/${o.metadata.name}`)).toEqual([]);
  await waitFor(
    async () =>
      (await env.admin.list(R.ByoHost, { namespace: NS })).every(
        h => !h.metadata.labels?.["cluster.x-k8s.io/cluster-name"] && !(h.status as { machineRef?: unknown }).machineRef,
      ),
    { timeoutMs: 60_000, message: "hosts released" },
  );
  for (const i of [1, 2, 3, 4])
    expect((await env.admin.get(R.ByoHost, `real-${i}`, NS)).metadata.labels?.["host-id"]).toBe(String(i));
  await waitFor(() => agents!.planes.size === 0, { timeoutMs: 30_000, message: "workload API server stopped" });
  report.push(`deleted in ${((Date.now() - t0) / 1000).toFixed(1)} s; hosts released, host-id labels kept`);
});

test("3 masters + 1 worker: the first master on a pinned host, then where real KCP waits, as our status names it", async () => {
  const name = "ha";
  const pr: PR = {
    ...request([8]),
    metadata: { name, namespace: NS },
  };
  pr.spec = {
    ...pr.spec,
    name: "ha cluster",
    templateParameters: {
      clusterName: name,
      k8sVersion: "v1.32.0",
      controlPlaneEndpoint: "127.0.10.101",
      hosts: { masters: [host(5), host(6), host(7)], workers: [host(8)] },
    },
  };
  const t0 = Date.now();
  await env.admin.create(R.ProvisioningRequest, pr);
  const kcpName = `${name}-control-plane`;
  const kcpOf = () => env.admin.get(R.KubeadmControlPlane, kcpName, NS);
  await waitFor(async () => ((await kcpOf()).status as { readyReplicas?: number })?.readyReplicas === 1, {
    timeoutMs: 180_000,
    intervalMs: 1000,
    message: "first control-plane node Ready",
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await snapshot()}`);
  });
  report.push(`3+1: first control-plane node Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await new Promise(r => setTimeout(r, 45_000)); // what real KCP does next, given time
  const machines = await env.admin.list(R.Machine, { namespace: NS, labelSelector: `cluster.x-k8s.io/cluster-name=${name}` });
  const onHosts = machines.map(m => (m.status as { nodeRef?: { name: string } }).nodeRef?.name ?? `${m.metadata.name} (no node)`);
  for (const n of onHosts.filter(n => !n.includes("no node"))) expect(["real-5", "real-6", "real-7", "real-8"]).toContain(n);
  const got = (await env.admin.get<PR>(R.ProvisioningRequest, name, NS)).status;
  report.push(`3+1 after 45 s more: machines on ${onHosts.join(", ")}`);
  report.push(
    `3+1 request: ${got?.provisioningStatus?.provisioningState}, stage ${got?.stage?.name}: ${got?.provisioningStatus?.provisioningMessage}`,
  );
  report.push(`3+1 KCP: ${conds(await kcpOf())}`);
  for (const md of await env.admin.list(R.MachineSet, { namespace: NS, labelSelector: `cluster.x-k8s.io/cluster-name=${name}` }))
    report.push(`3+1 MachineSet ${md.metadata.name}: ${conds(md)}`);
  expect(got?.provisioningStatus?.provisioningState).toBe("progressing");
  expect(got?.stage?.name).toBe("ControlPlaneProvisioning");

  await env.admin.delete(R.ProvisioningRequest, name, NS);
  await waitFor(async () => (await env.admin.find(R.ProvisioningRequest, name, NS)) === undefined, {
    timeoutMs: 300_000,
    intervalMs: 1000,
    message: "ha deleted",
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${await snapshot()}`);
  });
  await waitFor(
    async () =>
      (await env.admin.list(R.ByoHost, { namespace: NS })).every(
        h => !h.metadata.labels?.["cluster.x-k8s.io/cluster-name"] && !(h.status as { machineRef?: unknown }).machineRef,
      ),
    { timeoutMs: 60_000, message: "ha hosts released" },
  );
});

test("the simulator runs the same request: differences in what the status computation reads", async () => {
  expect(realView).toBeDefined();
  const plane = await startPlane({ crds: "all" });
  const sim = { current: undefined as Simulator | undefined };
  try {
    const client = await plane.client("ocp-conformance-sim");
    const ns = await client.apply(R.Namespace, { metadata: { name: NS } });
    await client.apply(R.ConfigMap, {
      metadata: {
        name: "calico-cni",
        namespace: NS,
        ownerReferences: [{ apiVersion: "v1", kind: "Namespace", name: NS, uid: ns.metadata.uid! }],
      },
      data: { "calico.yaml": CNI_STANDIN_MANIFEST },
    });
    for (const h of [...HOSTS, ...DECOYS]) await registerHost(client, { name: h.name, labels: h.labels, namespace: NS });
    sim.current = new Simulator(await plane.client("capi-simulator"), { cniPlaceholders: false });
    await sim.current.start();
    const template = defaultTemplate();
    const params = request([2, 3]).spec.templateParameters as Parameters<typeof applyDefaults>[0];
    for (const o of generateCluster({ name: "real", namespace: NS, params: applyDefaults(params, template), template }))
      await client.apply(R[o.kind as keyof typeof R] ?? R.ConfigMap, o);
    await waitFor(
      async () => {
        const mds = await client.list(R.MachineDeployment, { namespace: NS });
        const kcp = await client.list(R.KubeadmControlPlane, { namespace: NS });
        return (
          mds.length === 2 &&
          mds.every(m => (m.status as { readyReplicas?: number })?.readyReplicas === 1) &&
          (kcp[0]?.status as { readyReplicas?: number })?.readyReplicas === 1
        );
      },
      { timeoutMs: 60_000, message: "simulated 1+2 ready" },
    );
    await new Promise(r => setTimeout(r, 2000)); // the last status writes settle
    const diffs = viewDifferences(await statusView(client, NS), realView!);
    report.push(`simulator vs real (${diffs.length} differences in what the status computation reads):`);
    report.push(...(diffs.length ? diffs.map(d => `  ${d}`) : ["  (none)"]));
  } finally {
    sim.current?.stop();
    await plane.stop();
  }
});
