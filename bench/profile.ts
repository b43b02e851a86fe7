/**
 * `--profile`: where the module's time goes. Reads the module's V8 CPU profile (node --cpu-prof, written when the
 * module exits), maps bundle positions back to the TypeScript sources through dist/*.js.map, and reads the API
 * server's audit log (one line per request) to count the API calls of each client and their server-side latency.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import { SourceMap } from "node:module";
import path from "node:path";
import { KubeClient } from "../kube/client";
import { R, Resource } from "../kube/resources";
import { mean, percentile, round, sleep, table } from "./util";
import { clientOf } from "./audit";

/** GET of a binary answer (a pprof profile) with the kubeconfig's client certificate. */
async function getBinary(kubeconfig: string, urlPath: string, timeoutMs: number): Promise<Buffer> {
  const c = await KubeClient.create({ file: kubeconfig });
  const { proxyAgent: _, ...tls } = await c.authOptions();
  return new Promise((resolve, reject) => {
    const req = https.get(c.server + urlPath, tls, res => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${urlPath}: HTTP ${res.statusCode}`)),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${urlPath}: timed out`)));
  });
}

const HOOK = path.join(__dirname, "cpu-profile-hook.mjs");

/**
 * Profiling windows. The module gets NODE_OPTIONS=--import bench/cpu-profile-hook.mjs (see there); start/stop
 * write its control file, stop waits for the profile. Each window's wall-clock bounds select its audit events.
 */
export class Profiler {
  readonly windows: { label: string; from: string; to?: string }[] = [];
  private readonly apiserverProfiles = new Map<string, Promise<void>>();

  /** kubeconfig: the plane's admin kubeconfig, for the API server's own CPU profile (/debug/pprof/profile). */
  constructor(
    readonly dir: string,
    private readonly apiserverSeconds = 30,
  ) {}

  kubeconfig?: string;

  /** Extra kube-apiserver flags: the audit log, and profiling back on (the harness turns it off; the last flag wins). */
  apiserverArgs(): string[] {
    return [...auditArgs(this.dir), "--profiling=true"];
  }

  /** The module's extra environment. */
  env(): Record<string, string> {
    return { NODE_OPTIONS: `--import ${HOOK}`, BENCH_PROFILE_DIR: this.dir };
  }

  async start(label: string): Promise<void> {
    fs.writeFileSync(path.join(this.dir, "control"), `start ${label}\n`);
    await sleep(500); // the hook polls every 200 ms
    this.windows.push({ label, from: new Date().toISOString() });
    if (this.kubeconfig) {
      // The API server's CPU profile over the first apiserverSeconds of the window (Go pprof, read with `go tool pprof`).
      const file = path.join(this.dir, `apiserver-${label}.pprof`);
      this.apiserverProfiles.set(
        label,
        getBinary(this.kubeconfig, `/debug/pprof/profile?seconds=${this.apiserverSeconds}`, this.apiserverSeconds * 1000 + 30_000)
          .then(buf => fs.writeFileSync(file, buf))
          .catch(e => fs.writeFileSync(`${file}.error`, String(e))),
      );
    }
  }

  async stop(label: string): Promise<void> {
    const w = this.windows.find(x => x.label === label && !x.to);
    if (w) w.to = new Date().toISOString();
    fs.writeFileSync(path.join(this.dir, "control"), `stop ${label}\n`);
    await this.apiserverProfiles.get(label);
    const done = path.join(this.dir, `${label}.done`);
    for (let i = 0; i < 600 && !fs.existsSync(done); i++) {
      if (fs.existsSync(path.join(this.dir, `${label}.error`)))
        throw new Error(fs.readFileSync(path.join(this.dir, `${label}.error`), "utf8"));
      await sleep(100);
    }
  }

  /** One report per window: the module's CPU profile and the API calls of the window. */
  analyze(distDir: string): ProfileReport[] {
    const audit = path.join(this.dir, "audit.log");
    return this.windows.map(w => {
      const report = analyzeProfile(
        path.join(this.dir, `${w.label}.cpuprofile`),
        distDir,
        fs.existsSync(audit) ? { file: audit, from: w.from, to: w.to ?? "9999" } : undefined,
        w.label,
      );
      const heapFile = path.join(this.dir, `${w.label}.heapprofile`);
      if (fs.existsSync(heapFile)) {
        const heap = analyzeHeap(heapFile, distDir);
        const mem = JSON.parse(fs.readFileSync(path.join(this.dir, `${w.label}.memory.json`), "utf8")) as Record<string, number>;
        report.heap = {
          ...heap,
          memoryUsageMb: Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, round(v / 2 ** 20, 1)])),
        };
        report.text +=
          `\n\nModule memory at the end of the window: ${JSON.stringify(report.heap.memoryUsageMb)}; live heap allocated during the window (sampled): ${heap.totalMb} MB\n` +
          table([["Live heap by allocation site", "MB"], ...heap.bySite.map(x => [x.site, x.mb])]) +
          "\n\n" +
          table([["Live heap by nearest project/library frame", "MB"], ...heap.byCaller.map(x => [x.caller, x.mb])]);
      }
      const pprof = path.join(this.dir, `apiserver-${w.label}.pprof`);
      if (fs.existsSync(pprof)) {
        report.apiserverProfile = pprof;
        report.text += `\n\nkube-apiserver CPU profile (first ${this.apiserverSeconds} s of the window): ${pprof}\n${goPprofTop(pprof)}`;
      }
      return report;
    });
  }
}

/** kube-apiserver flags: an audit log of every request at Metadata level (no bodies) in dir/audit.log. */
export function auditArgs(dir: string): string[] {
  const policy = path.join(dir, "audit-policy.yaml");
  fs.writeFileSync(
    policy,
    "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n",
  );
  return [
    `--audit-policy-file=${policy}`,
    `--audit-log-path=${path.join(dir, "audit.log")}`,
    "--audit-log-mode=batch",
    "--audit-log-maxsize=0",
  ];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileReport {
  window: string;
  apiserverProfile?: string;
  heap?: ReturnType<typeof analyzeHeap> & { memoryUsageMb: Record<string, number> };
  cpuProfile: string;
  sampledSeconds: number;
  idleSeconds: number;
  gcSeconds: number;
  busySeconds: number;
  selfByArea: { area: string; seconds: number; percentOfBusy: number }[];
  selfByFunction: { fn: string; seconds: number; percentOfBusy: number }[];
  inclusiveByFunction: { fn: string; seconds: number; percentOfBusy: number }[];
  audit?: AuditSummary;
  text: string;
}

export interface AuditSummary {
  file: string;
  byClient: Record<string, number>;
  moduleCalls: { call: string; count: number; meanMs: number; p99Ms: number }[];
  allCalls: { call: string; count: number; meanMs: number; p99Ms: number }[];
  reconciles: { focom: number; o2ims: number; apiCallsPerO2imsReconcile: number; apiCallsPerFocomReconcile: number };
  slowRequests: { count: number; meanLatencyAnnotationsMs: Record<string, number> };
}

const ROOT = path.resolve(__dirname, "..");

/** "capabilities/o2ims/reconciler.ts", "node_modules/pepr", "node:internal/…", or the native pseudo-frames. */
function areaOf(file: string): string {
  if (!file) return "(native/V8)";
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = file.slice(nm + 13).split("/");
    return `node_modules/${rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith("node:")) return file.split("/").slice(0, 2).join("/");
  return path.relative(ROOT, file.replace(/^file:\/\//, "")) || file;
}

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };

/** Names frames "fn source.ts:line", mapping bundle positions back to the TypeScript through the source maps. */
function frameNamer(distDir: string): (f: CallFrame) => { fn: string; area: string } {
  const maps = new Map<string, SourceMap | null>();
  const mapFor = (url: string) => {
    if (!maps.has(url)) {
      const f = url.replace(/^file:\/\//, "");
      const m =
        f.startsWith(distDir) && fs.existsSync(`${f}.map`)
          ? new SourceMap(JSON.parse(fs.readFileSync(`${f}.map`, "utf8")))
          : null;
      maps.set(url, m);
    }
    return maps.get(url)!;
  };
  return ({ functionName, url, lineNumber, columnNumber }) => {
    let source = url;
    let line = lineNumber + 1;
    const map = url ? mapFor(url) : null;
    if (map && lineNumber >= 0) {
      const e = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number };
      if (e?.originalSource) {
        source = path.resolve(path.dirname(url.replace(/^file:\/\//, "")), e.originalSource.replace(/^file:\/\//, ""));
        line = (e.originalLine ?? 0) + 1;
      }
    }
    const area = url ? areaOf(source) : functionName.startsWith("(") ? functionName : "(native/V8)";
    return { fn: `${functionName || "(anonymous)"} ${url ? `${areaOf(source)}:${line}` : ""}`.trim(), area };
  };
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/**
 * Live memory at the end of a window by allocation site (sampling heap profile): by the allocating function, and by
 * the nearest project or library frame on the stack (so JSON.parse in a watch stream counts for kube.ts).
 */
function analyzeHeap(
  file: string,
  distDir: string,
): { totalMb: number; bySite: { site: string; mb: number }[]; byCaller: { caller: string; mb: number }[] } {
  const head = (JSON.parse(fs.readFileSync(file, "utf8")) as { head: HeapNode }).head;
  const name = frameNamer(distDir);
  const bySite = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, caller: string | undefined) => {
    const f = name(n.callFrame);
    const own = /^(capabilities|generators|node_modules)\//.test(f.area) ? f.fn : undefined;
    const c = own ?? caller;
    if (n.selfSize > 0) {
      total += n.selfSize;
      bySite.set(f.fn, (bySite.get(f.fn) ?? 0) + n.selfSize);
      byCaller.set(c ?? f.fn, (byCaller.get(c ?? f.fn) ?? 0) + n.selfSize);
    }
    for (const ch of n.children) walk(ch, c);
  };
  walk(head, undefined);
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => [k, round(v / 2 ** 20, 1)] as const);
  return {
    totalMb: round(total / 2 ** 20, 1),
    bySite: top(bySite).map(([site, mb]) => ({ site, mb })),
    byCaller: top(byCaller).map(([caller, mb]) => ({ caller, mb })),
  };
}

export function analyzeProfile(file: string, distDir: string, audit: AuditWindow | undefined, label: string): ProfileReport {
  const prof = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const name = frameNamer(distDir);
  const frames = new Map<number, { fn: string; area: string }>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) {
    for (const c of n.children ?? []) parent.set(c, n.id);
    frames.set(n.id, name(n.callFrame));
  }

  const self = new Map<string, number>();
  const selfArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1e6;
    total += dt;
    const leaf = frames.get(prof.samples[i])!;
    self.set(leaf.fn, (self.get(leaf.fn) ?? 0) + dt);
    selfArea.set(leaf.area, (selfArea.get(leaf.area) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = frames.get(id)!.fn;
      if (!seen.has(f)) {
        seen.add(f);
        inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
      }
    }
  }
  const idle = selfArea.get("(idle)") ?? 0;
  const gc = selfArea.get("(garbage collector)") ?? 0;
  const busy = total - idle;
  const pct = (s: number) => round((100 * s) / busy, 1);
  const top = (m: Map<string, number>, k: number, skip: (key: string) => boolean = () => false) =>
    [...m]
      .filter(([key]) => !skip(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, k);
  const selfByArea = top(selfArea, 18, a => a === "(idle)").map(([area, s]) => ({
    area,
    seconds: round(s),
    percentOfBusy: pct(s),
  }));
  const selfByFunction = top(self, 25, f => f.startsWith("(idle)")).map(([fn, s]) => ({
    fn,
    seconds: round(s),
    percentOfBusy: pct(s),
  }));
  const inclusiveByFunction = top(
    inclusive,
    40,
    f => f.startsWith("(root)") || f.startsWith("(idle)") || f.startsWith("(program)"),
  ).map(([fn, s]) => ({
    fn,
    seconds: round(s),
    percentOfBusy: pct(s),
  }));

  const auditSummary = audit ? analyzeAudit(audit) : undefined;
  const text = [
    `== ${label} ==`,
    `Module CPU profile ${path.basename(file)}: ${round(total)} s sampled, ${round(busy)} s busy (${round(gc)} s GC), ${round(idle)} s idle`,
    table([["Self time by source", "s", "% busy"], ...selfByArea.map(a => [a.area, a.seconds, a.percentOfBusy])]),
    table([["Top functions (self)", "s", "% busy"], ...selfByFunction.map(a => [a.fn, a.seconds, a.percentOfBusy])]),
    table([["Top functions (inclusive)", "s", "% busy"], ...inclusiveByFunction.map(a => [a.fn, a.seconds, a.percentOfBusy])]),
    ...(auditSummary
      ? [
          `API server audit (this window): requests by client ${JSON.stringify(auditSummary.byClient)}`,
          `reconciles: ${JSON.stringify(auditSummary.reconciles)}; latency-annotated (slow) requests: ${JSON.stringify(auditSummary.slowRequests)}`,
          table([
            ["Module API calls", "count", "mean ms", "p99 ms"],
            ...auditSummary.moduleCalls.map(c => [c.call, c.count, c.meanMs, c.p99Ms]),
          ]),
          table([
            ["All API calls (by client)", "count", "mean ms", "p99 ms"],
            ...auditSummary.allCalls.map(c => [c.call, c.count, c.meanMs, c.p99Ms]),
          ]),
        ]
      : []),
  ].join("\n\n");
  return {
    window: label,
    cpuProfile: file,
    sampledSeconds: round(total),
    idleSeconds: round(idle),
    gcSeconds: round(gc),
    busySeconds: round(busy),
    selfByArea,
    selfByFunction,
    inclusiveByFunction,
    audit: auditSummary,
    text,
  };
}

interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; name?: string; namespace?: string };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  stage: string;
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
}

/** Who called what, how often and how long the API server took; the module is its ServiceAccount (bench/audit.ts). */
export interface AuditWindow {
  file: string;
  /** ISO timestamps; events received in [from, to) count. */
  from: string;
  to: string;
}

export function analyzeAudit(w: AuditWindow): AuditSummary {
  const file = w.file;
  const all = new Map<string, number[]>();
  const byClient: Record<string, number> = {};
  const calls = new Map<string, number[]>();
  const slow: Record<string, number[]> = {};
  let slowCount = 0;
  let focomGets = 0;
  let prGets = 0;
  let moduleTotal = 0;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as AuditEvent;
    if (e.stage !== "ResponseComplete" || e.requestReceivedTimestamp < w.from || e.requestReceivedTimestamp >= w.to) continue;
    const agent = (e.userAgent ?? "").split("/")[0] || "(none)";
    const client = `${e.user.username} ${agent}`;
    byClient[client] = (byClient[client] ?? 0) + 1;
    const ms = Date.parse(e.stageTimestamp) - Date.parse(e.requestReceivedTimestamp);
    const lat = Object.entries(e.annotations ?? {}).filter(([k]) => k.startsWith("apiserver.latency.k8s.io/"));
    if (lat.length) {
      slowCount++;
      for (const [k, v] of lat) (slow[k.slice(25)] ??= []).push(parseDuration(v));
    }
    const res = e.objectRef?.resource ?? e.requestURI.split("?")[0];
    const sub = e.objectRef?.subresource ? `/${e.objectRef.subresource}` : "";
    const dry = e.requestURI.includes("dryRun") ? " (dry-run)" : "";
    const patchKind =
      e.verb === "patch" && /fieldManager=o-cloud-provisioner|fieldManager=bench/.test(e.requestURI) && !sub ? " (apply)" : "";
    const key = `${e.verb} ${res}${sub}${patchKind}${dry}`;
    if (e.verb !== "watch") {
      const k = `${client}: ${key}`;
      if (!all.has(k)) all.set(k, []);
      all.get(k)!.push(ms);
    }
    const isModule = clientOf(e.user.username) === "module";
    if (!isModule || e.verb === "watch") continue;
    moduleTotal++;
    if (!calls.has(key)) calls.set(key, []);
    calls.get(key)!.push(ms);
    if (e.verb === "get" && res === "focomprovisioningrequests" && !sub) focomGets++;
    if (e.verb === "get" && res === "provisioningrequests" && !sub) prGets++;
  }
  const o2ims = Math.max(0, prGets - focomGets); // each FOCOM reconcile GETs its FPR and the remote PR
  const moduleCalls = [...calls]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([call, v]) => ({ call, count: v.length, meanMs: round(mean(v), 1), p99Ms: round(percentile(v, 99), 1) }));
  const count = (pred: (c: string) => boolean) => moduleCalls.filter(c => pred(c.call)).reduce((a, c) => a + c.count, 0);
  const focomCalls = count(c => c.includes("focomprovisioningrequests")) + focomGets; // + its GET of the remote PR
  const allCalls = [...all]
    .sort((a, b) => b[1].length - a[1].length)
    .slice(0, 30)
    .map(([call, v]) => ({ call, count: v.length, meanMs: round(mean(v), 1), p99Ms: round(percentile(v, 99), 1) }));
  return {
    file,
    byClient,
    moduleCalls,
    allCalls,
    reconciles: {
      focom: focomGets,
      o2ims,
      apiCallsPerO2imsReconcile: round((moduleTotal - focomCalls) / Math.max(1, o2ims), 2),
      apiCallsPerFocomReconcile: round(focomCalls / Math.max(1, focomGets), 2),
    },
    slowRequests: {
      count: slowCount,
      meanLatencyAnnotationsMs: Object.fromEntries(Object.entries(slow).map(([k, v]) => [k, round(mean(v), 1)])),
    },
  };
}

/** Go duration text ("1.234ms", "2.5s", "350µs") in ms. */
function parseDuration(v: string): number {
  const m = /^([\d.]+)(ns|µs|us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  const f = { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000, m: 60000 }[m[2]] ?? NaN;
  return Number(m[1]) * f;
}

/** `go tool pprof -top` of a Go CPU profile, flat and cumulative (empty when Go is not installed). */
function goPprofTop(file: string): string {
  const run = (extra: string[]) => {
    try {
      return execFileSync("go", ["tool", "pprof", "-top", ...extra, file], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 120_000,
      });
    } catch (e) {
      return `(go tool pprof failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
    }
  };
  return [run(["-nodecount=30"]), run(["-cum", "-nodecount=70"])].join("\n");
}

/** What the module's informers hold: objects, JSON bytes and the managedFields share, per resource it caches. */
export async function cacheInventory(
  client: KubeClient,
): Promise<{ resource: string; objects: number; jsonMb: number; managedFieldsMb: number }[]> {
  const owned = "o2ims.provisioning.oran.org/request-name";
  const cached: [Resource, string | undefined][] = [
    [R.FocomProvisioningRequest, undefined],
    [R.ProvisioningRequest, undefined],
    [R.ByoHost, undefined],
    [R.Cluster, owned],
    [R.KubeadmControlPlane, owned],
    [R.MachineDeployment, owned],
    [R.OCloud, undefined],
    [R.TemplateInfo, undefined],
    [R.ClusterTemplate, undefined],
  ];
  const out = [];
  for (const [res, labelSelector] of cached) {
    const items = await client.list(res, { labelSelector });
    const bytes = items.reduce((a, o) => a + JSON.stringify(o).length, 0);
    const mf = items.reduce((a, o) => a + JSON.stringify(o.metadata.managedFields ?? []).length, 0);
    out.push({
      resource: res.plural,
      objects: items.length,
      jsonMb: round(bytes / 2 ** 20, 2),
      managedFieldsMb: round(mf / 2 ** 20, 2),
    });
  }
  return out;
}
