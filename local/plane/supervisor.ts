/**
 * A plane's supervisor, run as `node --import tsx local/plane/supervisor.ts <plane dir>`.
 *
 * The harness starts it detached, so it leads its own process group; etcd, kube-apiserver and
 * kube-controller-manager are its children and share that group, so one group kill ends the whole plane.
 * It ends the plane (children killed, directory removed) when its owner process is gone, which covers a test
 * run that was SIGKILLed or crashed before its own clean-up ran. A persistent plane has no owner.
 * Processes marked deferred start on SIGUSR2: the harness starts the controller-manager once the CRDs are
 * established, because the garbage collector only rediscovers resources every 30 s.
 * On SIGUSR1 it reads control.json (PlaneControl): the components named there are stopped on purpose (an outage
 * a test plays; their exit does not fail the plane) and every other started component that is not running is
 * started again with the same arguments, so on the same ports and the same etcd data.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { files, PlaneConfig, PlaneControl, PlaneState, readJson, writeJson } from "./layout";
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
/** The running child of each component, by name. */
const running = new Map<string, ChildProcess>();
/** Children stopped on purpose: their exit is expected. */
const intended = new WeakSet<ChildProcess>();
/** Components started at least once (a deferred one not yet started stays so on SIGUSR1). */
const started = new Set<string>();
/** Grace before a component stopped with SIGTERM is killed. */
const STOP_GRACE_MS = 5000;
/**
 * During an intended outage and this long after it, a component that exits on its own (kube-controller-manager
 * exits when it loses the API server) is restarted, as the kubelet restarts a static pod, instead of failing the
 * plane; outside that window an exit still fails the plane.
 */
const OUTAGE_RESTART_WINDOW_MS = 60_000;
let outageUntil = 0;
const restartDelays = new Map<string, number>();
let stopping = false;

function shutdown(removeDir: boolean, failure?: string): void {
  if (stopping) return;
  stopping = true;
  if (failure) Object.assign(state, { status: "failed", failure });
  else state.status = "stopping";
  if (fs.existsSync(dir)) writeJson(f.state, state);
  const alive = children.filter(isRunning);
  // Wait for every child to be reaped before exiting, so none lingers as a zombie or an orphan.
  void Promise.all(alive.map(c => new Promise(resolve => c.once("exit", resolve)))).then(() => {
    if (removeDir) fs.rmSync(dir, { recursive: true, force: true });
    process.exit(failure ? 1 : 0);
  });
  for (const c of alive) c.kill("SIGKILL"); // disposable test data: no graceful shutdown needed
}

const isRunning = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

function start(p: PlaneConfig["processes"][number]): void {
  const log = fs.openSync(f.log(p.name), "a");
  const child = spawn(p.bin, p.args, { cwd: dir, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  children.push(child);
  running.set(p.name, child);
  started.add(p.name);
  if (child.pid) state.pids[p.name] = child.pid;
  // An early exit fails the whole plane; the directory stays (logs) unless nobody is left to read it.
  // A component stopped on purpose (SIGUSR1) is the exception: that outage is what the test wants.
  const failed = (why: string) => {
    if (intended.has(child) || stopping) return;
    if (Date.now() < outageUntil) return restartLater(p, why);
    shutdown(ownerGone(), `${p.name} ${why}`);
  };
  child.on("exit", (code, signal) => {
    if (running.get(p.name) === child) running.delete(p.name);
    failed(`exited (${signal ?? `code ${code}`})`);
    if (!intended.has(child) || stopping) return;
    // Asked to start again while it was still shutting down: start it now.
    if (!state.stopped?.includes(p.name)) start(p);
    writeJson(f.state, state);
  });
  child.on("error", e => failed(`could not start: ${e.message}`));
}

/** Restarts a component that exited during an outage, with a doubling delay (1 s to 10 s). */
function restartLater(p: PlaneConfig["processes"][number], why: string): void {
  const delay = restartDelays.get(p.name) ?? 1000;
  restartDelays.set(p.name, Math.min(delay * 2, 10_000));
  console.error(`${new Date().toISOString()} ${p.name} ${why} during an outage; restarting in ${delay} ms`);
  setTimeout(() => {
    if (!stopping && !running.has(p.name) && !state.stopped?.includes(p.name)) start(p);
    writeJson(f.state, state);
  }, delay);
}

/** Stops a component on purpose: SIGTERM (or the given signal), SIGKILL after a grace period. */
function stopComponent(name: string, signal: NodeJS.Signals): void {
  const child = running.get(name);
  if (!child || !isRunning(child)) return;
  intended.add(child);
  delete state.pids[name];
  child.kill(signal);
  if (signal !== "SIGKILL") setTimeout(() => isRunning(child) && child.kill("SIGKILL"), STOP_GRACE_MS).unref();
}

process.on("SIGUSR2", () => {
  if (stopping) return;
  for (const p of config.processes) if (p.deferred && !started.has(p.name)) start(p);
  writeJson(f.state, state);
});

process.on("SIGUSR1", () => {
  if (stopping) return;
  const control = readJson<PlaneControl>(f.control) ?? { stopped: [] };
  console.error(`${new Date().toISOString()} control: stopped=${control.stopped.join(",") || "none"}`);
  for (const p of config.processes) {
    if (control.stopped.includes(p.name)) stopComponent(p.name, control.signal ?? "SIGTERM");
    else if (started.has(p.name) && !running.has(p.name)) start(p); // else: started on exit, if still stopping
  }
  state.stopped = config.processes.map(p => p.name).filter(n => control.stopped.includes(n));
  outageUntil = state.stopped.length ? Infinity : Date.now() + OUTAGE_RESTART_WINDOW_MS;
  if (!state.stopped.length) restartDelays.clear();
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
