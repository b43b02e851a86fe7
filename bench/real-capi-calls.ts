/**
 * The API calls one cluster costs the management API server, with the real Cluster API v1.10 + BYOH v0.5.0 managers
 * (only the hosts simulated: local/capi/agent.ts) and with the simulator `npm run bench` uses in their place, so the
 * bench's figure for "the Cluster API layer" can be checked against the thing it stands for (issue 14: the API server's
 * CPU per request is linear in the calls, and most calls are that layer's).
 *
 *   npm run bench:real-capi [-- --out FILE] [--steady SECONDS]
 *
 * One FocomProvisioningRequest (1 master + 2 workers) through the module (admission + watcher, as deployed) on a
 * plane with an audit log (Metadata level): once with the real managers, once with the simulator, one after the
 * other. Windows: create -> FPR Synced (fulfilled), and the steady state for --steady seconds after it (default 60).
 * Needs `scripts/build-capi.sh all` (the conformance suite's managers); a heavy run: nothing else should share the
 * cores.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeClient, KubeObject } from "../kube/client";
import { numberFlag, parseCommand } from "../kube/command-line";
import { R } from "../kube/resources";
import { managerBinaries, startCapi } from "../local/capi";
import { CNI_STANDIN_MANIFEST, startHostAgents } from "../local/capi/agent";
import { startModule } from "../local/module";
import { startPlane, userKubeconfig, waitFor } from "../local/plane";
import { registerHost } from "../local/sim";
import { Simulator } from "../local/sim/simulator";
import type { ByohTemplateParameters } from "../api/generated/types";
import { ApiCalls, countApiCalls } from "./audit";
import { focomRequest, prepareNamespace, TEMPLATE } from "./fixtures";
import { auditArgs } from "./profile";
import { log, round, sleep, table } from "./util";

const USAGE = `usage: npm run bench:real-capi -- [--out FILE] [--steady S]

API calls of one cluster (1 master + 2 workers) with the real Cluster API + BYOH managers and with the simulator.
  --out FILE             results file (default: print only)
  --steady S             seconds of steady state counted after fulfilled (default 60)
  -h, --help             this text`;
const { values: flags } = parseCommand(process.argv.slice(2), {
  usage: USAGE,
  options: { out: { type: "string" }, steady: { type: "string" } },
});
const STEADY_S = numberFlag(USAGE, "--steady", flags.steady, 60, { min: 1 });
const NS = "calls";
const HOSTS = [1, 2, 3].map(i => ({ name: `calls-${i}`, labels: { "host-id": String(i) } }));
// The workload API server `kubeadm init` starts on the first master listens on the controlPlaneEndpoint: loopback.
const PARAMS = {
  clusterName: "calls",
  k8sVersion: "v1.32.0",
  controlPlaneEndpoint: "127.0.10.100",
  hosts: {
    masters: [{ hostId: 1, hostName: "calls-1", hostIp: "127.0.10.1" }],
    workers: [2, 3].map(i => ({ hostId: i, hostName: `calls-${i}`, hostIp: `127.0.10.${i}` })),
  },
} as ByohTemplateParameters;

type Layer = "real" | "simulator";

interface LayerResult {
  layer: Layer;
  fulfilledSeconds: number;
  toFulfilled: ApiCalls;
  steady: ApiCalls & { seconds: number };
}

async function run(layer: Layer): Promise<LayerResult> {
  log(`${layer}: starting a plane with an audit log`);
  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), "capi-calls-audit-"));
  const plane = await startPlane({ name: `calls-${layer}-${process.pid}`, crds: "all", apiserverArgs: auditArgs(auditDir) });
  const stops: (() => Promise<void> | void)[] = [() => plane.stop()];
  try {
    const client = await KubeClient.create({
      file: await userKubeconfig(plane, "bench", ["system:masters"]),
      fieldManager: "bench",
    });
    await client.apply(R.ClusterTemplate, TEMPLATE);
    await prepareNamespace(client, NS);
    await client.apply(R.ConfigMap, {
      metadata: { name: "calico-cni", namespace: NS },
      data: { "calico.yaml": CNI_STANDIN_MANIFEST },
    });
    if (layer === "real") {
      const capi = await startCapi(plane);
      stops.unshift(() => capi.stop());
      const agents = await startHostAgents(plane, { namespace: NS, hosts: HOSTS, bins: (await managerBinaries()).plane });
      stops.unshift(() => agents.stop());
    } else {
      const simClient = await KubeClient.create({
        file: await userKubeconfig(plane, "capi-simulator", ["system:masters"]),
        fieldManager: "capi-simulator",
      });
      for (const h of HOSTS) await registerHost(simClient, { name: h.name, labels: h.labels, namespace: NS });
      const sim = new Simulator(simClient, {});
      stops.unshift(() => sim.stop());
      await sim.start();
    }
    const mod = await startModule({ kubeconfig: plane.kubeconfig, dir: path.join(plane.dir, "module"), split: true });
    stops.unshift(() => mod.stop());

    log(`${layer}: creating the request`);
    const from = new Date().toISOString();
    const t0 = Date.now();
    await client.create(R.FocomProvisioningRequest, focomRequest(NS, { name: "calls", clusterName: "calls", params: PARAMS }));
    await waitFor(
      async () =>
        (await client.find<KubeObject & { status?: { phase?: string } }>(R.FocomProvisioningRequest, "calls", NS))?.status
          ?.phase === "Synced",
      { timeoutMs: 300_000, intervalMs: 250, message: `${layer}: request Synced` },
    );
    const fulfilledSeconds = (Date.now() - t0) / 1000;
    const fulfilledAt = new Date().toISOString();
    log(`${layer}: fulfilled in ${round(fulfilledSeconds, 1)} s; steady state for ${STEADY_S} s`);
    await sleep(STEADY_S * 1000);
    const steadyTo = new Date().toISOString();
    for (const stop of stops.splice(0)) await stop();
    // The API server flushes its batched audit log when it stops.
    const calls = await countApiCalls(path.join(auditDir, "audit.log"), [
      { label: "toFulfilled", from, to: fulfilledAt, requests: 1 },
      { label: "steady", from: fulfilledAt, to: steadyTo, requests: 1 },
    ]);
    fs.rmSync(auditDir, { recursive: true, force: true });
    return {
      layer,
      fulfilledSeconds: round(fulfilledSeconds, 1),
      toFulfilled: calls.get("toFulfilled")!,
      steady: { ...calls.get("steady")!, seconds: STEADY_S },
    };
  } finally {
    for (const stop of stops) await Promise.resolve(stop()).catch(() => undefined);
  }
}

/**
 * The Cluster API layer's calls: the managers and the hosts' agents (real), or the simulator that plays them both.
 * Left out: the module, this harness (user bench, and the agents' harness and kube-controller-manager, which share
 * the plane's admin with the CAPI managers: told apart by User-Agent), and the simulated agents' GET of their ByoHost
 * every 500 ms (a real BYOH agent watches it; local/capi/agent.ts polls).
 */
function layerCalls(a: ApiCalls): { total: number; byClient: Record<string, number> } {
  const byClient: Record<string, number> = {};
  for (const [client, c] of Object.entries(a.byClient)) {
    if (["module", "bench", "kube-apiserver", "kube-controller-manager"].includes(client)) continue;
    let n = c.total;
    if (client === "admin")
      n = Object.entries(c.byAgent)
        .filter(([agent]) => !agent.startsWith("byoh-agent-harness") && !agent.startsWith("kube-controller-manager"))
        .reduce((x, [, v]) => x + v, 0);
    if (client.startsWith("byoh:host:")) n -= c.top.find(t => t.call === "get byohosts")?.count ?? 0;
    byClient[client] = n;
  }
  return { total: Object.values(byClient).reduce((x, y) => x + y, 0), byClient };
}

async function main(): Promise<void> {
  // Cluster API refuses an API server without a version: both planes run the stamped kube-apiserver.
  process.env.OCP_BIN_DIR = (await managerBinaries()).plane;
  const results: LayerResult[] = [];
  for (const layer of ["real", "simulator"] as const) results.push(await run(layer));
  const rows: (string | number)[][] = [
    [
      "",
      "create -> fulfilled",
      "module calls (health checks aside)",
      "Cluster API layer calls",
      `layer calls in ${STEADY_S} s steady state`,
    ],
  ];
  for (const r of results)
    rows.push([
      r.layer,
      `${r.fulfilledSeconds} s`,
      (r.toFulfilled.byClient.module?.total ?? 0) - (r.toFulfilled.byClient.module?.byAgent["o-cloud-provisioner/health"] ?? 0),
      layerCalls(r.toFulfilled).total,
      layerCalls(r.steady).total,
    ]);
  console.log(table(rows));
  for (const r of results) {
    console.log(`\n${r.layer}, create -> fulfilled, by client: ${JSON.stringify(layerCalls(r.toFulfilled).byClient)}`);
    for (const [client, c] of Object.entries(r.toFulfilled.byClient))
      if (client !== "bench") console.log(`  ${client}: ${JSON.stringify(c.byVerb)} agents ${JSON.stringify(c.byAgent)}`);
  }
  const out = {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    steadySeconds: STEADY_S,
    layerCalls: Object.fromEntries(
      results.map(r => [r.layer, { toFulfilled: layerCalls(r.toFulfilled), steady: layerCalls(r.steady) }]),
    ),
    results,
  };
  if (flags.out) {
    fs.writeFileSync(flags.out, JSON.stringify(out, null, 1) + "\n");
    log(`wrote ${flags.out}`);
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
