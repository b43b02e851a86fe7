/**
 * Load check of the simulator alone (no product): registers hosts, creates N pinned clusters by hand, waits until
 * every Cluster and MachineDeployment is ready, deletes them and waits until every host is free again.
 *
 *   npx tsx local/sim/scale.ts [--kubeconfig <file>] [--context NAME] [--clusters 100] [--workers 2]
 *       [--step-delay-ms 0] [-n scale] [--id-offset 0] [--concurrency 12] [--count]
 *
 * host-id values are cluster-wide (BYOH selects across namespaces): on a plane that already has hosts, pass an
 * --id-offset past them. --count prints the simulator's API calls per cluster. Run one simulator per plane:
 * two would fight over every object.
 */
import { KubeClient, KubeObject } from "../../kube/client";
import { KUBE_FLAGS, KUBE_FLAGS_USAGE, numberFlag, parseCommand } from "../../kube/command-line";
import { R } from "../../kube/resources";
import { createAll, pinnedCluster } from "./fixtures";
import { registerFleet } from "./hosts";
import { ByoHost, Cluster, FIELD_MANAGER, LABEL, MachineDeployment } from "./model";
import { Simulator } from "./simulator";

const USAGE = `usage: npx tsx local/sim/scale.ts [flags]

Load check of the simulator alone: N pinned clusters created by hand, made ready, deleted, hosts freed.

${KUBE_FLAGS_USAGE.replace("(default: the context's namespace, else default)", "(default scale; created)")}
  --clusters N           clusters (default 100)
  --workers N            workers per cluster (default 2)
  --step-delay-ms MS     delay of each simulated step (default 0)
  --id-offset N          first host-id minus one (default 0; host-ids are cluster-wide)
  --concurrency N        the simulator's concurrency (default: its own)
  --count                print the simulator's API calls per cluster
  -h, --help             this text`;

function parse(argv: string[]) {
  const { values } = parseCommand(argv, {
    usage: USAGE,
    options: {
      ...KUBE_FLAGS,
      clusters: { type: "string" },
      workers: { type: "string" },
      "step-delay-ms": { type: "string" },
      "id-offset": { type: "string" },
      concurrency: { type: "string" },
      count: { type: "boolean" },
    },
  });
  return {
    values,
    clusters: numberFlag(USAGE, "clusters", values.clusters, 100, { min: 1 }),
    workers: numberFlag(USAGE, "workers", values.workers, 2, { min: 0 }),
    stepDelayMs: numberFlag(USAGE, "step-delay-ms", values["step-delay-ms"], 0, { min: 0 }),
    idOffset: numberFlag(USAGE, "id-offset", values["id-offset"], 0, { min: 0 }),
    concurrency:
      values.concurrency === undefined ? undefined : numberFlag(USAGE, "concurrency", values.concurrency, 0, { min: 1 }),
  };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function until(what: string, check: () => Promise<string | true>, timeoutMs = 30 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const r = await check();
    if (r === true) return;
    if (r !== last) console.error(`  ${what}: ${r}`);
    last = r;
    if (Date.now() > deadline) throw new Error(`timed out: ${what} (${r})`);
    await sleep(1000);
  }
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

/** Counts a client's requests by method, resource and subresource (`PATCH machines/*\/status`). */
function countCalls(client: KubeClient): Map<string, number> {
  const calls = new Map<string, number>();
  const request = client.request.bind(client);
  client.request = ((method: string, path: string, body?: unknown, contentType?: string) => {
    const resource = path
      .replace(/\?.*$/, "")
      .replace(/\/namespaces\/[^/]+/, "")
      .replace(/^\/apis?\/([^/]+\/)?[^/]+\//, "")
      .replace(/\/[^/]+(\/status)?$/, "/*$1");
    const k = `${method} ${resource}`;
    calls.set(k, (calls.get(k) ?? 0) + 1);
    return request(method, path, body, contentType);
  }) as typeof client.request;
  return calls;
}

async function main(): Promise<void> {
  const { values: flags, clusters, workers, stepDelayMs, idOffset: offset, concurrency } = parse(process.argv.slice(2));
  const perCluster = 1 + workers;
  const connection = { file: flags.kubeconfig, context: flags.context };
  const client = await KubeClient.create({ ...connection, fieldManager: "sim-scale" });
  // Its own namespace by default, not the context's: it creates and deletes hundreds of objects there.
  const namespace = flags.namespace ?? "scale";
  await client.create(R.Namespace, { metadata: { name: namespace } }).catch(() => undefined);

  let t = Date.now();
  const lap = (label: string) => {
    console.error(`${label}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
  };
  await registerFleet(client, clusters * perCluster, { namespace, idOffset: offset, concurrency: 32 });
  lap(`registered ${clusters * perCluster} hosts`);

  // The simulator gets its own client (its own connection pool), as if it ran as its own process.
  const simClient = await KubeClient.create({ ...connection, fieldManager: FIELD_MANAGER });
  const calls = flags.count ? countCalls(simClient) : undefined;
  const report = () => {
    for (const [k, n] of [...(calls ?? [])].sort((a, b) => b[1] - a[1]))
      console.error(`    ${(n / clusters).toFixed(1).padStart(6)} per cluster  ${k}`);
    calls?.clear();
  };
  const sim = new Simulator(simClient, {
    stepDelayMs,
    ...(concurrency ? { concurrency } : {}),
    log: m => console.error(m),
  });
  await sim.start();
  lap("simulator synced");

  const names = Array.from({ length: clusters }, (_, i) => `c${String(i + 1).padStart(4, "0")}`);
  await pool(names, 16, async name => {
    const base = offset + names.indexOf(name) * perCluster;
    const ids = Array.from({ length: perCluster }, (_, k) => String(base + k + 1));
    await createAll(client, pinnedCluster({ name, namespace, controlPlaneHostIds: [ids[0]], workerHostIds: ids.slice(1) }));
  });
  lap(`created ${clusters} clusters`);

  await until("clusters ready", async () => {
    const cs = await client.list<Cluster>(R.Cluster, { namespace });
    const mds = await client.list<MachineDeployment>(R.MachineDeployment, { namespace });
    const readyC = cs.filter(c => c.status?.controlPlaneReady).length;
    const readyMd = mds.filter(m => m.status?.readyReplicas === 1).length;
    return readyC === clusters && readyMd === clusters * workers
      ? true
      : `${readyC}/${clusters} control planes, ${readyMd}/${clusters * workers} workers`;
  });
  lap("all clusters ready");
  report();

  await pool(names, 16, async name => {
    await client.delete(R.Cluster, name, namespace);
  });
  await until("teardown", async () => {
    const cs = await client.list<KubeObject>(R.Cluster, { namespace });
    const busy = (await client.list<ByoHost>(R.ByoHost, { namespace })).filter(
      h => h.metadata.labels?.[LABEL.clusterName],
    ).length;
    return cs.length === 0 && busy === 0 ? true : `${cs.length} clusters, ${busy} hosts attached`;
  });
  lap("all clusters deleted, hosts free");
  report();
  sim.stop();
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
