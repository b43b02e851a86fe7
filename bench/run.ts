/**
 * `npm run bench`: the performance figures of the module on this machine, on its own local control plane.
 *
 *   npm run bench                      full run: N = 50, 200, 500, 1000; 200 admission requests per point; 100 status
 *                                      samples; ~25 minutes on 2 cores
 *   npm run bench -- --n 50            quick run: only that N (a list works too: --n 50,200), fewer samples
 *   npm run bench -- --n 200 --profile CPU profiles of the module (inspector) and of kube-apiserver (pprof) and an API
 *                                      server audit log over each pipeline and the admission phase; prints where the
 *                                      time and the API calls go (figures of a profiled run are not the reference)
 *
 * One plane (etcd + kube-apiserver + kube-controller-manager, all CRDs), the built module in one process with its
 * real admission webhooks, the BYOH/CAPI simulator in another process (hosts ready at once), FocomProvisioningRequests
 * whose OCloud has no secretRef (this cluster), so both capabilities and the simulator share the plane. Prints a table
 * and writes bench/results.json. Other options: --concurrency 20, --samples N (admission requests per kind of
 * request and point), --latency N (status-latency requests), --raw-apply (also time the raw objects written with
 * server-side apply), --timeout S (per N), --budget S (whole run, default 1500 for the full run), --resync S (the
 * module's periodic re-apply of every request; default 3600 = off during the run, the product default is 300),
 * --module-env K=V (extra environment of the module, for experiments, e.g. OCP_RECONCILE_CONCURRENCY=32), --out FILE.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { KubeClient } from "../kube/client";
import { numberFlag, parseCommand, usageError } from "../kube/command-line";
import { R } from "../kube/resources";
import { binDir } from "../local/plane/binaries";
import { startModule, ModuleProcess } from "../local/module";
import { planeStatus, startPlane, Plane } from "../local/plane/plane";
import { userKubeconfig } from "../local/plane/users";
import { admission, AdmissionResult } from "./admission";
import { TEMPLATE } from "./fixtures";
import { statusLatency, StatusLatency } from "./latency";
import { restCallbackEnv, restLatencyOnly, restLatencyRows, restStatusLatency, RestStatusLatency } from "./rest-latency";
import { CpuMeter, modulePids, RssSampler } from "./procstat";
import { auditArgs, cacheInventory, Profiler, ProfileReport } from "./profile";
import { countApiCalls } from "./audit";
import { SimProcess } from "./sim";
import { BenchContext, SpanStats, throughput, ThroughputResult } from "./throughput";
import { log, nowMs, round, table } from "./util";

const ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: npm run bench -- [flags]

The performance figures of the module on this machine, on its own local control plane; writes bench/results.json.

  --n N[,N...]           quick run of only these request counts (default: the full run, 50,200,500,1000)
  --profile              CPU profiles of the module and kube-apiserver and an audit log (figures not reference)
  --no-audit             no API server audit log (measures the log's own cost; no API call counts)
  --one-process          the module as one dev-mode process (default: admission and watcher apart, as deployed;
                         --profile implies it)
  --concurrency N        requests in flight (default 20)
  --samples N            admission requests per kind and point (default 50 quick, 100 full)
  --latency N            status-latency requests (default 20 quick, 100 full)
  --raw-apply            also time the raw objects written with server-side apply
  --timeout S            seconds per N (default 90 + 0.6 N)
  --budget S             seconds for the whole full run (default 1500)
  --resync S             the module's periodic re-apply (default 3600 = off during the run)
  --module-env K=V       extra environment of the module (repeatable)
  --out FILE             results file (default bench/results.json)
  --pipeline-only        with --n: only the pipelines, for A/B runs (no status-latency or admission phase)
  --rest-latency         status latency over O2 IMS REST (notifications, then polling; always in the full run); alone:
                         only that phase, merged into the results file (statusLatencyRest); with --n: added to it
  -h, --help             this text`;
const { values: flags } = parseCommand(process.argv.slice(2), {
  usage: USAGE,
  options: {
    n: { type: "string" },
    profile: { type: "boolean" },
    "no-audit": { type: "boolean" },
    "one-process": { type: "boolean" },
    concurrency: { type: "string" },
    samples: { type: "string" },
    latency: { type: "string" },
    "raw-apply": { type: "boolean" },
    timeout: { type: "string" },
    budget: { type: "string" },
    resync: { type: "string" },
    "module-env": { type: "string", multiple: true },
    out: { type: "string" },
    "pipeline-only": { type: "boolean" },
    "rest-latency": { type: "boolean" },
  },
});

const quick = flags.n !== undefined;
const profile = flags.profile ?? false;
/** Without the audit log (its own cost, A/B): the API call counts are then missing. A profile always keeps one. */
const audit = profile || !(flags["no-audit"] ?? false);
/**
 * Admission and watcher in two processes as Pepr deploys them (local/module.ts split), unless --one-process; a
 * profiled run keeps one process (the CPU-profile hook writes one profile per window).
 */
const split = !profile && !(flags["one-process"] ?? false);
const ns = (flags.n ?? "50,200,500,1000").split(",").map(n => numberFlag(USAGE, "n", n, 0, { min: 1 }));
const concurrency = numberFlag(USAGE, "concurrency", flags.concurrency, 20, { min: 1 });
// valid + invalid each => 2x per point
const admissionPerPoint = numberFlag(USAGE, "samples", flags.samples, quick ? 50 : 100, { min: 1 });
const latencyRequests = numberFlag(USAGE, "latency", flags.latency, quick ? 20 : 100, { min: 1 });
const timeoutSeconds = numberFlag(USAGE, "timeout", flags.timeout, NaN, { min: 1, integer: false });
const resyncSeconds = numberFlag(USAGE, "resync", flags.resync, 3600, { min: 1 });
const extraEnv: Record<string, string> = Object.fromEntries(
  (flags["module-env"] ?? []).map(kv => {
    const m = /^([^=]+)=(.*)$/s.exec(kv);
    return m ? [m[1], m[2]] : usageError(USAGE, `--module-env: expected K=V, got ${JSON.stringify(kv)}`);
  }),
);
const rawApply = flags["raw-apply"] ?? false;
/** A/B runs of a quick N: only the pipelines (no status-latency or admission phase). */
const pipelineOnly = quick && (flags["pipeline-only"] ?? false);
/**
 * The full run (build, plane, every phase) should end within this many seconds: the largest N runs last and its
 * pipeline gets what is left (a quick run runs its N first, then the other phases, without a budget).
 */
const budgetSeconds = numberFlag(USAGE, "budget", flags.budget, 1500, { min: 1, integer: false });
/** Teardown and writing the results. */
const FINISH_RESERVE_MS = 15_000;
/** Host registration and the raw baseline before a pipeline starts (measured: ~25 s at N=500 on 2 busy cores). */
const setupEstimateMs = (n: number) => 10_000 + n * 60;
const outFile = path.resolve(flags.out ?? path.join(__dirname, "results.json"));
/** The status-latency phase over O2 IMS REST (bench/rest-latency.ts): in the full run, or asked for (alone: only it). */
const restOnly = !quick && (flags["rest-latency"] ?? false);
const restPhase = !quick || (!pipelineOnly && (flags["rest-latency"] ?? false));

interface Running {
  plane?: Plane;
  module?: ModuleProcess;
  sim?: SimProcess;
}
const running: Running = {};

/** Where the module's and the simulator's logs are kept (the plane's directory goes when it stops). */
let logsDir = path.join(os.tmpdir(), "bench-logs");

async function shutdown(): Promise<void> {
  if (running.plane) {
    fs.mkdirSync(logsDir, { recursive: true });
    for (const f of ["module/module.log", "simulator.log"]) {
      const from = path.join(running.plane.dir, f);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(logsDir, path.basename(f)));
    }
  }
  await running.sim?.stop().catch(() => undefined);
  await running.module?.stop().catch(() => undefined);
  await running.plane?.stop().catch(() => undefined);
  running.sim = running.module = running.plane = undefined;
}

async function main(): Promise<void> {
  const t0 = nowMs();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping`);
      void shutdown().then(() => process.exit(130));
    });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const profileDir = path.join(__dirname, "profiles", stamp);
  if (profile) {
    fs.mkdirSync(profileDir, { recursive: true });
    logsDir = profileDir;
  }

  log(`starting a plane (mode ${quick ? "quick" : "full"}${profile ? ", profiling" : ""}; N = ${ns.join(", ")})`);
  const profiler = profile ? new Profiler(profileDir) : undefined;
  // Every run keeps an audit log (Metadata level) to count the API calls of each client (unless --no-audit); read
  // after the plane stops.
  const auditDir = profile ? profileDir : fs.mkdtempSync(path.join(os.tmpdir(), "bench-audit-"));
  const plane = await startPlane({
    name: `bench-${process.pid}`,
    crds: "all",
    apiserverArgs: profiler?.apiserverArgs() ?? (audit ? auditArgs(auditDir) : []),
  });
  running.plane = plane;
  if (profiler) profiler.kubeconfig = plane.kubeconfig;
  // Separate users, so the audit log tells the benchmark's and the simulator's calls from the module's (its ServiceAccount).
  const [benchKubeconfig, simKubeconfig] = await Promise.all([
    userKubeconfig(plane, "bench", ["system:masters"]),
    userKubeconfig(plane, "capi-simulator", ["system:masters"]),
  ]);
  const client = await KubeClient.create({ file: benchKubeconfig, fieldManager: "bench" });
  // Built from Go modules without version ldflags, the API server reports v0.0.0-master: the build's directory
  // (~/.cache/o-cloud-provisioner/control-plane/<version>) names the real one.
  const served = (await client.request<{ gitVersion: string }>("GET", "/version")).gitVersion;
  const kubernetesVersion = /^v0\.0\.0/.test(served) ? path.basename(await binDir()) : served;
  await client.apply(R.ClusterTemplate, TEMPLATE);

  log("building (cached) and starting the module");
  // The code measured: HEAD, and whether the module's sources differed from it when the bundle was built.
  const git = (...a: string[]) => {
    try {
      return execFileSync("git", a, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return undefined;
    }
  };
  const code = {
    gitCommit: git("rev-parse", "--short", "HEAD"),
    gitDirty:
      (git("status", "--porcelain", "--", "api", "kube", "capabilities", "generators", "templates", "pepr.ts") ?? "") !== "",
  };
  // The module re-applies every request every OCP_RESYNC_SECONDS (default 300): a storm of N reconciles at an
  // arbitrary point of some phase. Off (an hour) unless --resync gives a period, so phases measure the event path.
  const moduleEnv: Record<string, string> = {
    OCP_RESYNC_SECONDS: String(resyncSeconds),
    ...(restPhase ? await restCallbackEnv() : {}),
    ...extraEnv,
    ...(profiler?.env() ?? {}),
  };
  running.module = await startModule({
    kubeconfig: plane.kubeconfig,
    dir: path.join(plane.dir, "module"),
    env: moduleEnv,
    split,
  });
  const modulePid = running.module.pid();
  const admissionPid = split ? running.module.admissionPid() : undefined;
  if (!modulePid || (split && !admissionPid)) throw new Error("cannot find the module's node process(es)");
  const sim = new SimProcess(simKubeconfig, path.join(plane.dir, "simulator.log"));
  running.sim = sim;
  await sim.start();

  // Split: the watcher's memory is the figure (the target; it holds the informers), the admission process's
  // (its own caches, a Deployment of its own when deployed) is reported beside it.
  const rss = new RssSampler(() => (split ? [modulePid] : modulePids()), 500);
  rss.start();
  const admissionRss = admissionPid ? new RssSampler(() => [admissionPid], 500) : undefined;
  admissionRss?.start();
  const pids = planeStatus(plane.name)?.pids ?? {};
  const cpu = new CpuMeter(() => ({
    module: modulePid,
    ...(admissionPid ? { "module-admission": admissionPid } : {}),
    "kube-apiserver": pids["kube-apiserver"],
    etcd: pids.etcd,
    "kube-controller-manager": pids["kube-controller-manager"],
    simulator: sim.pid,
  }));
  const ctx: BenchContext = { client, sim, rss, cpu, concurrency, nextHostId: 0, rawApply, profiler };
  const restOpts = {
    adminKubeconfig: plane.kubeconfig,
    dir: path.join(plane.dir, "o2ims-api"),
    requests: latencyRequests,
    pollSeconds: Number(moduleEnv.OCP_FOCOM_REST_POLL_SECONDS ?? 2),
  };
  if (restOnly) return restLatencyOnly(ctx, { ...restOpts, outFile, code, shutdown });
  let restLat: RestStatusLatency | undefined;

  // The largest N runs last, with whatever the time budget leaves (the status-latency and admission phases run
  // before it); a pipeline that is not done by its deadline is reported with what it reached (completed: false).
  const results: ThroughputResult[] = [];
  const sorted = [...ns].sort((a, b) => a - b);
  const largestN = sorted[sorted.length - 1];
  const timeoutFor = (n: number) => (Number.isNaN(timeoutSeconds) ? 90 + n * 0.6 : timeoutSeconds) * 1000;
  let statusLat: StatusLatency | undefined;
  let adm: AdmissionResult | undefined;
  if (quick) {
    for (const n of sorted) results.push(await throughput(ctx, n, timeoutFor(n)));
    if (!pipelineOnly) {
      statusLat = await statusLatency(ctx, latencyRequests);
      if (restPhase) restLat = await restStatusLatency(ctx, restOpts);
      adm = await admission(ctx, admissionPerPoint);
    }
  } else {
    for (const n of sorted.slice(0, -1)) results.push(await throughput(ctx, n, timeoutFor(n)));
    statusLat = await statusLatency(ctx, latencyRequests);
    restLat = await restStatusLatency(ctx, restOpts);
    adm = await admission(ctx, admissionPerPoint);
    const left = budgetSeconds * 1000 - (nowMs() - t0) - FINISH_RESERVE_MS - setupEstimateMs(largestN);
    if (left < timeoutFor(largestN))
      log(`N=${largestN}: ${Math.round(left / 1000)} s of the ${budgetSeconds} s budget left for its pipeline`);
    results.push(await throughput(ctx, largestN, Math.max(30_000, Math.min(timeoutFor(largestN), left))));
  }
  rss.stop();
  admissionRss?.stop();
  let prof: ProfileReport[] | undefined;
  let inventory: Awaited<ReturnType<typeof cacheInventory>> | undefined;
  if (profiler) {
    await sim.stop();
    inventory = await cacheInventory(client);
    prof = profiler.analyze(path.join(ROOT, "dist"));
  }

  const largest = results[results.length - 1];
  const report = {
    ...code,
    mode: quick ? "quick" : "full",
    ...(profile ? { profiled: true } : {}),
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    kubernetesVersion,
    concurrency,
    moduleProcesses: split ? "admission + watcher" : "one (dev mode)",
    resyncSeconds: Number(moduleEnv.OCP_RESYNC_SECONDS),
    ...(Object.keys(extraEnv).length ? { moduleEnv: extraEnv } : {}),
    throughput: results,
    admission: adm,
    statusLatency: statusLat,
    statusLatencyRest: restLat,
    peakRssMb: round(rss.peakByPhase.get(`pipeline-${largest.n}`) ?? NaN, 1),
    peakRssN: largest.n,
    rss: {
      peakByPhaseMb: Object.fromEntries([...rss.peakByPhase].map(([k, v]) => [k, round(v, 1)])),
      vmHwmMb: round(rss.hwm, 1),
      samples: rss.samples,
      ...(admissionRss ? { admissionProcessPeakMb: round(Math.max(0, ...admissionRss.peakByPhase.values()), 1) } : {}),
    },
    ...(prof ? { profile: prof, cacheInventory: inventory } : {}),
    totalSeconds: round((nowMs() - t0) / 1000, 1),
  };
  // The API server flushes its audit log when it stops: the calls of each pipeline are counted afterwards.
  await shutdown();
  running.plane = undefined;
  if (audit) {
    const calls = await countApiCalls(
      path.join(auditDir, "audit.log"),
      results.map(t => ({ label: `pipeline-${t.n}`, ...t.window, requests: t.n })),
    );
    for (const t of results) t.apiCalls = calls.get(`pipeline-${t.n}`);
  }
  if (!profile) fs.rmSync(auditDir, { recursive: true, force: true });
  report.totalSeconds = round((nowMs() - t0) / 1000, 1);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
  if (profile) fs.writeFileSync(path.join(profileDir, "results.json"), JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(render(report) + "\n");
  log(`wrote ${path.relative(process.cwd(), outFile)} (${report.totalSeconds} s in all)`);
}

function render(r: {
  throughput: ThroughputResult[];
  admission?: AdmissionResult;
  statusLatency?: StatusLatency;
  statusLatencyRest?: RestStatusLatency;
  peakRssMb: number;
  peakRssN: number;
  rss?: { admissionProcessPeakMb?: number };
  cores: number;
  kubernetesVersion: string;
  date: string;
  profile?: ProfileReport[];
  cacheInventory?: { resource: string; objects: number; jsonMb: number; managedFieldsMb: number }[];
}): string {
  const out: string[] = [];
  out.push(
    table([
      [
        "N requests",
        "CAPI objects",
        "objects exist (s)",
        "all fulfilled (s)",
        "raw writes (s)",
        "ratio raw/objects",
        "pipeline objects/s",
        "raw objects/s",
        "fulfilled",
      ],
      ...r.throughput.map(t => [
        t.n,
        t.objects,
        t.capiObjectsComplete ? t.capiObjectsSeconds : `>${t.capiObjectsSeconds}`,
        t.completed ? t.pipelineSeconds : `>${t.pipelineSeconds}`,
        t.rawSeconds,
        t.ratio,
        t.objectsPerSecond,
        t.rawObjectsPerSecond,
        `${t.fulfilled}/${t.n}`,
      ]),
    ]),
  );
  const ms = (s: SpanStats) => `${s.p50Ms} / ${s.p95Ms} / ${s.maxMs}`;
  out.push(
    "",
    table([
      [
        "Per request, ms (p50 / p95 / max)",
        "create -> PR exists",
        "PR -> CAPI objects exist",
        "objects -> fulfilled",
        "create -> fulfilled",
      ],
      ...r.throughput.map(t => [
        `N=${t.n}`,
        ms(t.spans.createToPr),
        ms(t.spans.prToObjects),
        ms(t.spans.objectsToFulfilled),
        ms(t.spans.createToFulfilled),
      ]),
    ]),
  );
  const clients = ["module", "simulator", "bench", "kube-controller-manager"];
  out.push(
    "",
    table([
      ["API calls per request (audit log, no watches)", ...clients, "kube-apiserver CPU s/request"],
      ...r.throughput.map(t => [
        `N=${t.n}`,
        ...clients.map(c => t.apiCalls?.byClient[c]?.perRequest ?? "-"),
        t.apiserverCpuSecondsPerRequest,
      ]),
    ]),
  );
  const largestCalls = r.throughput[r.throughput.length - 1].apiCalls?.byClient.module;
  if (largestCalls) {
    const n = r.throughput[r.throughput.length - 1].n;
    out.push(
      "",
      table([
        [`Module API calls at N=${n}`, "count", "per request"],
        ...largestCalls.top.map(c => [c.call, c.count, round(c.count / n, 2)]),
      ]),
    );
  }
  if (r.admission) {
    const a = r.admission;
    out.push(
      "",
      table([
        ["Admission (dry-run create, webhooks vs none)", ...a.concurrency.map(c => `${c} client${c > 1 ? "s" : ""}`)],
        ["ProvisioningRequest p50 added (ms)", ...a.p50AddedMs],
        ["ProvisioningRequest p99 added (ms)", ...a.p99AddedMs],
        ...(a.details.FocomProvisioningRequest
          ? [
              ["FocomProvisioningRequest p50 added (ms)", ...a.details.FocomProvisioningRequest.map(d => d.p50AddedMs)],
              ["FocomProvisioningRequest p99 added (ms)", ...a.details.FocomProvisioningRequest.map(d => d.p99AddedMs)],
            ]
          : []),
      ]),
    );
  }
  const rows: (string | number)[][] = [["Figure", "Value"]];
  if (r.statusLatency) {
    rows.push([
      `Status latency, last worker ready -> FPR fulfilled (p50 / p95, ${r.statusLatency.samples} requests)`,
      `${r.statusLatency.p50Ms} / ${r.statusLatency.p95Ms} ms`,
    ]);
  }
  rows.push(...restLatencyRows(r.statusLatencyRest));
  const largest = r.throughput[r.throughput.length - 1];
  rows.push([
    `Status latency under load at N=${largest.n} (p50 / p95)`,
    `${largest.statusLatencyUnderLoad.p50Ms} / ${largest.statusLatencyUnderLoad.p95Ms} ms`,
  ]);
  const split = r.rss?.admissionProcessPeakMb !== undefined;
  rows.push([`Module peak RSS during N=${r.peakRssN}${split ? " (watcher process)" : ""}`, `${r.peakRssMb} MB`]);
  if (split) rows.push(["Admission process peak RSS (whole run)", `${r.rss?.admissionProcessPeakMb} MB`]);
  rows.push(["Machine", `${r.cores} cores, Kubernetes ${r.kubernetesVersion}, ${r.date.slice(0, 10)}`]);
  out.push("", table(rows));
  for (const p of r.profile ?? []) out.push("", p.text);
  if (r.cacheInventory) {
    out.push(
      "",
      table([
        ["What the module's informers cache", "objects", "JSON MB", "of which managedFields MB"],
        ...r.cacheInventory.map(c => [c.resource, c.objects, c.jsonMb, c.managedFieldsMb]),
      ]),
    );
  }
  return out.join("\n");
}

main().catch(async e => {
  log(`bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  await shutdown();
  process.exit(1);
});
