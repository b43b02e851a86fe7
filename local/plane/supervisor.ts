/**
 * A plane's supervisor, run as `node --import tsx local/plane/supervisor.ts <plane dir>`.
 *
 * The harness starts it detached, so it leads its own process group; etcd, kube-apiserver and
 * kube-controller-manager are its children and share that group, so one group kill ends the whole plane.
 * It ends the plane (children killed, directory removed) when its owner process is gone, which covers a test
 * run that was SIGKILLed or crashed before its own clean-up ran. A persistent plane has no owner.
 * Processes marked deferred start on SIGUSR2: the harness starts the controller-manager once the CRDs are
 * established, because the garbage collector only rediscovers resources every 30 s.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { files, PlaneConfig, PlaneState, readJson, writeJson } from "./layout";
import { isAlive } from "./processes";

const OWNER_POLL_MS = 1000;

function exitWith(message: string): never {
  console.error(message);
  process.exit(2);
}

const dir = process.argv[2] ?? exitWith("usage: supervisor.ts <plane dir>");
const f = files(dir);
const config = readJson<PlaneConfig>(f.config) ?? exitWith(`no readable ${f.config}`);

const state: PlaneState = { supervisorPid: process.pid, pids: {}, status: "running" };
const children: ChildProcess[] = [];
let stopping = false;

function shutdown(removeDir: boolean, failure?: string): void {
  if (stopping) return;
  stopping = true;
  if (failure) Object.assign(state, { status: "failed", failure });
  else state.status = "stopping";
  if (fs.existsSync(dir)) writeJson(f.state, state);
  const running = children.filter(c => c.exitCode === null && c.signalCode === null);
  // Wait for every child to be reaped before exiting, so none lingers as a zombie or an orphan.
  void Promise.all(running.map(c => new Promise(resolve => c.once("exit", resolve)))).then(() => {
    if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
    process.exit(failure ? 1 : 0);
  });
  for (const c of running) c.kill("SIGKILL"); // disposable test data: no graceful shutdown needed
}

function start(p: PlaneConfig["processes"][number]): void {
  const log = fs.openSync(f.log(p.name), "a");
  const child = spawn(p.bin, p.args, { cwd: dir, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  children.push(child);
  if (child.pid) state.pids[p.name] = child.pid;
  // An early exit fails the whole plane; the directory stays (logs) unless nobody is left to read it.
  const failed = (why: string) => shutdown(ownerGone(), `${p.name} ${why}`);
  child.on("exit", (code, signal) => failed(`exited (${signal ?? `code ${code}`})`));
  child.on("error", e => failed(`could not start: ${e.message}`));
}

process.on("SIGUSR2", () => {
  if (stopping) return;
  for (const p of config.processes) if (p.deferred && !(p.name in state.pids)) start(p);
  writeJson(f.state, state);
});
for (const p of config.processes) if (!p.deferred) start(p);
writeJson(f.state, state);

function ownerGone(): boolean {
  return config.ownerPid !== undefined && !isAlive(config.ownerPid);
}

if (config.ownerPid !== undefined) {
  setInterval(() => {
    if (ownerGone()) shutdown(true);
  }, OWNER_POLL_MS);
}
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => shutdown(true));
