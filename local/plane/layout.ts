/**
 * Where a plane lives on disk and the two JSON files the harness and the supervisor exchange. Planes sit at a
 * predictable place (<tmp>/ocp-planes/<name>) so `npm run plane -- down` and a later run can find them by name.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const planesRoot = () => process.env.OCP_PLANES_DIR ?? path.join(os.tmpdir(), "ocp-planes");
export const planeDir = (name: string) => path.join(planesRoot(), name);

/** What the supervisor runs, written by the harness before it starts the supervisor. */
export interface PlaneConfig {
  name: string;
  /** The supervisor tears the plane down when this process is gone; absent for a persistent plane. */
  ownerPid?: number;
  ports: { etcd: number; etcdPeer: number; apiserver: number };
  /** A deferred process starts when the supervisor gets SIGUSR2. */
  processes: { name: string; bin: string; args: string[]; deferred?: boolean }[];
}

/** What the supervisor reports: its own pid (the process group), each child's pid, and any early exit. */
export interface PlaneState {
  supervisorPid: number;
  /** Started processes by name. */
  pids: Record<string, number>;
  status: "running" | "failed" | "stopping";
  failure?: string;
  /** Components stopped on purpose (stopComponent) and not started again: their exit is no failure. */
  stopped?: string[];
}

/**
 * What the harness asks of the supervisor on SIGUSR1: the components to keep stopped. Every other started
 * component that is not running is started again, on the same ports and data directory.
 */
export interface PlaneControl {
  stopped: string[];
  /** Signal for the components stopped now (default SIGTERM, then SIGKILL after 5 s). */
  signal?: NodeJS.Signals;
}

export const files = (dir: string) => ({
  config: path.join(dir, "plane.json"),
  state: path.join(dir, "state.json"),
  kubeconfig: path.join(dir, "admin.kubeconfig"),
  supervisorLog: path.join(dir, "supervisor.log"),
  control: path.join(dir, "control.json"),
  log: (proc: string) => path.join(dir, `${proc}.log`),
});

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Write-then-rename, so a reader never sees half a file. */
export function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2));
  fs.renameSync(tmp, file);
}

/** Last lines of a process log, for error messages. */
export function logTail(dir: string, proc: string, lines = 15): string {
  try {
    return fs.readFileSync(files(dir).log(proc), "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
