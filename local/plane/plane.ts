/**
 * Local control planes for tests and development (the envtest equivalent): etcd, kube-apiserver and
 * kube-controller-manager (garbage-collector and namespace controllers) on free loopback ports, with their own
 * CA, certificates, admin kubeconfig and directory, so several run side by side.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import { binDir, repoRoot } from "./binaries";
import { installCrds } from "./crds";
import { writeKubeconfig } from "./kubeconfig";
import { files, logTail, PlaneConfig, PlaneControl, planeDir, PlaneState, readJson, writeJson } from "./layout";
import { disown, own } from "./owned";
import { createPlanePki, PlanePki } from "./pki";
import { freePorts } from "./ports";
import { belongsTo, isAlive, killPid } from "./processes";
import { waitFor } from "./wait";

export interface Plane {
  name: string;
  dir: string;
  /** Path of the admin kubeconfig (client certificate in system:masters). */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  ports: PlaneConfig["ports"];
  /** A client for this plane writing with the given field manager (default "ocp-test"). */
  client(fieldManager?: string): Promise<KubeClient>;
  /** Ends every process of the plane and removes its directory. */
  stop(): Promise<void>;
  /**
   * Stops one component on purpose (an outage for a test; the plane stays up) and resolves once its process is
   * gone. SIGTERM by default (SIGKILL after 5 s); "SIGKILL" plays a crash.
   */
  stopComponent(name: PlaneComponent, opts?: { signal?: NodeJS.Signals }): Promise<void>;
  /**
   * Starts a stopped component again on the same ports and data, and resolves once the API server answers
   * /readyz (for etcd too: the API server's readiness includes its etcd check).
   */
  startComponent(name: PlaneComponent, opts?: { timeoutMs?: number }): Promise<void>;
}

export type PlaneComponent = "etcd" | "kube-apiserver" | "kube-controller-manager";

export interface StartOptions {
  /** Directory name under <tmp>/ocp-planes (or $OCP_PLANES_DIR); default t<pid>-<random>. */
  name?: string;
  /** CRDs installed before startPlane resolves (default "all": this project's and the upstream CAPI/BYOH ones). */
  crds?: "none" | "project" | "all";
  /** Keep running after this process exits (`npm run plane -- up`); stop it with stopPlane(name). */
  persistent?: boolean;
  /** The process whose end ends the plane (default this one); ignored when persistent. */
  ownerPid?: number;
  /** Extra kube-apiserver flags (for example --feature-gates=...), after the harness's own. */
  apiserverArgs?: string[];
  /** Extra kube-controller-manager flags (for example -v=4), after the harness's own. */
  controllerManagerArgs?: string[];
  /** Deadline for the API server to become ready (default 60 s). */
  timeoutMs?: number;
}

const PORT_RETRIES = 3;

export async function startPlane(opts: StartOptions = {}): Promise<Plane> {
  // Random, not a counter: jest gives every test file its own copy of this module within one worker process.
  const name = opts.name ?? `t${process.pid}-${randomBytes(3).toString("hex")}`;
  const dir = planeDir(name);
  if (planeStatus(name)?.running) throw new Error(`plane ${name} is already running (${dir})`);
  const bins = await binDir();
  for (let attempt = 1; ; attempt++) {
    await stopPlaneDir(dir); // whatever a crashed earlier plane of this name left
    try {
      return await startOnce(name, dir, bins, opts);
    } catch (e) {
      // Ports are free when picked but another process may take one before the plane binds it: retry.
      const portTaken = e instanceof Error && /address already in use/.test(e.message);
      await stopPlaneDir(dir);
      if (!portTaken || attempt >= PORT_RETRIES) throw e;
    }
  }
}

async function startOnce(name: string, dir: string, bins: string, opts: StartOptions): Promise<Plane> {
  const f = files(dir);
  const [pki, [etcd, etcdPeer, apiserver]] = await Promise.all([createPlanePki(dir), freePorts(3)]);
  const ports = { etcd, etcdPeer, apiserver };
  const server = `https://127.0.0.1:${apiserver}`;
  writeKubeconfig(f.kubeconfig, {
    name,
    user: "admin",
    server,
    caCert: pki.ca.cert,
    clientCert: pki.admin.cert,
    clientKey: pki.admin.key,
  });
  const config: PlaneConfig = {
    name,
    ownerPid: opts.persistent ? undefined : (opts.ownerPid ?? process.pid),
    ports,
    processes: [
      { name: "etcd", bin: path.join(bins, "etcd"), args: etcdArgs(dir, ports) },
      {
        name: "kube-apiserver",
        bin: path.join(bins, "kube-apiserver"),
        args: [...apiserverArgs(dir, ports, pki), ...(opts.apiserverArgs ?? [])],
      },
      {
        name: "kube-controller-manager",
        bin: path.join(bins, "kube-controller-manager"),
        args: [...controllerManagerArgs(f.kubeconfig), ...(opts.controllerManagerArgs ?? [])],
        deferred: true,
      },
    ],
  };
  writeJson(f.config, config);
  if (config.ownerPid === process.pid) own(dir);
  spawnSupervisor(dir);

  const plane = planeAt(name, dir, server, ports);
  const admin = await plane.client("ocp-harness");
  const failure = () => readJson<PlaneState>(f.state)?.failure;
  const ready = async () => {
    const failed = failure();
    if (failed) return failed;
    await admin.request("GET", "/readyz"); // rejects until it answers 200
    return (await admin.find(R.Namespace, "default")) !== undefined;
  };
  const outcome = await waitFor(ready, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    intervalMs: 50,
    message: `plane ${name}: /readyz and namespace default`,
  }).catch((e: Error) => failure() ?? e.message);
  if (outcome !== true) throw new Error(`plane ${name} failed: ${outcome}\n${logTails(dir, outcome)}`);

  const crds = opts.crds ?? "all";
  if (crds !== "none") await installCrds(plane, crds);
  // The garbage collector discovers resource types at start, then only every 30 s: start it after the CRDs.
  const state = await waitFor(() => readJson<PlaneState>(f.state), { message: `supervisor state of plane ${name}` });
  killPid(state.supervisorPid, "SIGUSR2");
  return plane;
}

function planeAt(name: string, dir: string, server: string, ports: PlaneConfig["ports"]): Plane {
  const kubeconfig = files(dir).kubeconfig;
  return {
    name,
    dir,
    kubeconfig,
    server,
    ports,
    client: (fieldManager = "ocp-test") => KubeClient.create({ file: kubeconfig, fieldManager }),
    stop: () => stopPlaneDir(dir),
    stopComponent: (component, opts = {}) => controlComponent(dir, component, "stop", opts),
    startComponent: (component, opts = {}) => controlComponent(dir, component, "start", opts),
  };
}

/**
 * Asks the supervisor (control.json + SIGUSR1) to stop or restart a component, then waits for the outcome: the
 * process gone, or the API server ready again. The supervisor does not treat an intended stop as a failure.
 */
async function controlComponent(
  dir: string,
  component: PlaneComponent,
  action: "stop" | "start",
  opts: { signal?: NodeJS.Signals; timeoutMs?: number },
): Promise<void> {
  const f = files(dir);
  const state = readJson<PlaneState>(f.state);
  if (!state || !belongsTo(state.supervisorPid, dir)) throw new Error(`plane in ${dir} is not running`);
  const control = readJson<PlaneControl>(f.control) ?? { stopped: [] };
  const stopped = new Set(control.stopped);
  const pid = state.pids[component];
  if (action === "stop") stopped.add(component);
  else stopped.delete(component);
  writeJson(f.control, { stopped: [...stopped], signal: opts.signal } satisfies PlaneControl);
  killPid(state.supervisorPid, "SIGUSR1");
  if (action === "stop") {
    if (pid) await waitFor(() => !belongsTo(pid, dir), { timeoutMs: 15_000, intervalMs: 20, message: `${component} to stop` });
    return;
  }
  const admin = await KubeClient.create({ file: f.kubeconfig, fieldManager: "ocp-harness" });
  await waitFor(
    async () => {
      const failed = readJson<PlaneState>(f.state)?.failure;
      if (failed) throw new Error(`plane failed: ${failed}`);
      await admin.request("GET", "/readyz");
      return true;
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 50, message: `${component} restarted and /readyz ok` },
  );
}

function spawnSupervisor(dir: string): void {
  const log = fs.openSync(files(dir).supervisorLog, "a");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "supervisor.ts"), dir], {
    cwd: repoRoot, // resolves --import tsx
    detached: true, // own session and process group, out of reach of the terminal's Ctrl-C
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  child.unref();
}

function etcdArgs(dir: string, ports: PlaneConfig["ports"]): string[] {
  const client = `http://127.0.0.1:${ports.etcd}`;
  return [
    ...["--data-dir", path.join(dir, "etcd-data"), "--listen-client-urls", client, "--advertise-client-urls", client],
    ...[
      "--listen-peer-urls",
      `http://127.0.0.1:${ports.etcdPeer}`,
      "--initial-advertise-peer-urls",
      `http://127.0.0.1:${ports.etcdPeer}`,
    ],
    ...["--initial-cluster", `default=http://127.0.0.1:${ports.etcdPeer}`],
    "--unsafe-no-fsync", // throw-away data: fsync only costs time
    "--log-level=warn",
  ];
}

function apiserverArgs(dir: string, ports: PlaneConfig["ports"], pki: PlanePki): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
    `--secure-port=${ports.apiserver}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--cert-dir=${path.join(dir, "apiserver-certs")}`,
    "--authorization-mode=RBAC",
    "--service-cluster-ip-range=10.0.0.0/24",
    "--service-account-issuer=https://localhost",
    `--service-account-key-file=${pki.serviceAccount.publicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccount.privateKey}`,
    "--allow-privileged=true",
    "--disable-admission-plugins=ServiceAccount", // no token controller runs
    // Work a single-member test plane does not need:
    "--endpoint-reconciler-type=none",
    "--profiling=false",
  ];
}

function controllerManagerArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    "--controllers=garbage-collector-controller,namespace-controller",
    "--leader-elect=false",
    "--secure-port=0",
    "--use-service-account-credentials=false",
    "--profiling=false",
    // The GC starts an informer per resource type; the default 20 QPS makes that slow with ~25 CRDs.
    "--kube-api-qps=200",
    "--kube-api-burst=400",
  ];
}

/** The log of the process a failure names, or of all three when it names none (a timeout). */
function logTails(dir: string, failure: string): string {
  const procs = ["etcd", "kube-apiserver", "kube-controller-manager"];
  const named = procs.filter(p => failure.startsWith(`${p} `));
  return (named.length ? named : procs).map(p => `--- ${p} log ---\n${logTail(dir, p)}`).join("\n");
}

export interface PlaneStatus {
  name: string;
  dir: string;
  running: boolean;
  failure?: string;
  pids: Record<string, number>;
  ports?: PlaneConfig["ports"];
  server?: string;
  kubeconfig: string;
  persistent: boolean;
}

/** What is known about the plane with this name, or undefined if it has no directory. */
export function planeStatus(name: string): PlaneStatus | undefined {
  const dir = planeDir(name);
  if (!fs.existsSync(dir)) return undefined;
  const f = files(dir);
  const config = readJson<PlaneConfig>(f.config);
  const state = readJson<PlaneState>(f.state);
  const running = !!state && state.status === "running" && belongsTo(state.supervisorPid, dir);
  return {
    name,
    dir,
    running,
    failure: state?.failure,
    pids: Object.fromEntries(Object.entries(state?.pids ?? {}).filter(([, pid]) => belongsTo(pid, dir))),
    ports: config?.ports,
    server: config ? `https://127.0.0.1:${config.ports.apiserver}` : undefined,
    kubeconfig: f.kubeconfig,
    persistent: !!config && config.ownerPid === undefined,
  };
}

/** A handle on a running plane started elsewhere (for example by `npm run plane -- up`). */
export function attachPlane(name: string): Plane | undefined {
  const status = planeStatus(name);
  if (!status?.running || !status.ports || !status.server) return undefined;
  return planeAt(name, status.dir, status.server, status.ports);
}

/** Stops the plane with this name, whoever started it. */
export const stopPlane = (name: string) => stopPlaneDir(planeDir(name));

async function stopPlaneDir(dir: string): Promise<void> {
  const state = readJson<PlaneState>(files(dir).state);
  if (state && belongsTo(state.supervisorPid, dir)) {
    killPid(state.supervisorPid, "SIGTERM"); // it kills its children, waits for them and removes dir
    await waitFor(() => !isAlive(state.supervisorPid), { timeoutMs: 10_000, intervalMs: 20 }).catch(() => undefined);
  }
  // Whatever is left (a supervisor that did not answer, or children of one that was SIGKILLed).
  const pids = state ? [state.supervisorPid, ...Object.values(state.pids)] : [];
  for (const pid of pids) if (belongsTo(pid, dir)) killPid(pid);
  await waitFor(() => pids.every(pid => !belongsTo(pid, dir)), {
    timeoutMs: 10_000,
    intervalMs: 20,
    message: `plane processes in ${dir} to end`,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  disown(dir);
}
