/**
 * /proc readings: the module's node process (child of the harness's watchdog), resident memory sampling, and CPU
 * time per process and for the whole machine, so every phase can say who used the two cores.
 */
import fs from "node:fs";
import os from "node:os";

const CLK_TCK = 100; // Linux USER_HZ

function readStat(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S ppid ...": comm may hold spaces; fields after the last ")" start at index 2 (state).
    return s.slice(s.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
};

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const f = readStat(Number(e));
    if (f && Number(f[1]) === ppid) out.push(Number(e));
  }
  return out;
}

/**
 * The pid of the module's node process: startModule spawns a watchdog (`node -e <script naming the bundle>`) as a
 * child of this process, whose child runs dist/pepr-o-cloud-provisioner.js. Several modules: all of them.
 */
export function modulePids(bundleName = "pepr-o-cloud-provisioner.js"): number[] {
  const out: number[] = [];
  for (const watchdog of childrenOf(process.pid)) {
    const args = cmdline(watchdog);
    if (!args.includes("-e") || !args.some(a => a.includes(bundleName))) continue;
    for (const child of childrenOf(watchdog)) if (cmdline(child).some(a => a.endsWith(bundleName))) out.push(child);
  }
  return out;
}

/** VmRSS and VmHWM (kernel-recorded peak) in MB, or undefined when the process is gone. */
export function memoryMb(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(s)?.[1] ?? NaN);
    return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const f = readStat(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLK_TCK : NaN;
}

/** Busy and total jiffies of the whole machine (/proc/stat first line). */
function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Resident memory of the module process(es), sampled every intervalMs and tagged with the current phase. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  phase = "setup";
  readonly peakByPhase = new Map<string, number>();
  samples = 0;
  hwm = 0;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sum over the module processes (one in the single-plane topology). */
  sample(): void {
    let rss = 0;
    for (const pid of this.pids()) {
      const m = memoryMb(pid);
      if (!m) continue;
      rss += m.rss;
      this.hwm = Math.max(this.hwm, m.hwm);
    }
    if (rss === 0) return;
    this.samples++;
    this.peakByPhase.set(this.phase, Math.max(this.peakByPhase.get(this.phase) ?? 0, rss));
  }
}

export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  procs: Record<string, number>;
}

/** CPU use per named process between two snapshots: seconds and share of one core over the wall time. */
export class CpuMeter {
  constructor(private readonly procs: () => Record<string, number | undefined>) {}

  snapshot(): CpuSnapshot {
    const procs: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.procs())) if (pid) procs[name] = cpuSeconds(pid);
    procs.bench = process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
    return { at: Date.now(), machine: machineTicks(), procs };
  }

  static between(a: CpuSnapshot, b: CpuSnapshot) {
    const wall = (b.at - a.at) / 1000;
    const cpu: Record<string, number> = {};
    for (const k of Object.keys(b.procs))
      if (a.procs[k] !== undefined) cpu[k] = Math.round((b.procs[k] - a.procs[k]) * 100) / 100;
    const machineBusy = (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total);
    // CPU seconds the rest of the machine (processes outside this benchmark) used meanwhile.
    const mine = Object.values(cpu).reduce((x, y) => x + y, 0);
    const others = Math.max(0, (b.machine.busy - a.machine.busy) / CLK_TCK - mine);
    return {
      wallSeconds: Math.round(wall * 100) / 100,
      cpuSeconds: cpu,
      otherProcessesCpuSeconds: Math.round(others * 100) / 100,
      machineBusyPercent: Math.round(machineBusy * 1000) / 10,
      cores: os.cpus().length,
    };
  }
}
