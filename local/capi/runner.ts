/**
 * Runs the real Cluster API v1.10 managers (core, kubeadm bootstrap, kubeadm control plane) and the BYOH v0.5.0
 * manager against a plane, with their admission webhooks served from this machine and registered with the plane:
 * what `clusterctl init --infrastructure byoh` sets up in a management cluster, minus cert-manager and Deployments.
 * ClusterResourceSet is on (it is GA in v1.10: no feature gate). Only the hosts are missing: see agent.ts.
 *
 * Identities: the CAPI managers use the plane's admin (system:masters). The BYOH manager runs as
 * `system:serviceaccount:byoh-system:byoh-controller-manager` (with system:masters for its permissions), the one
 * user BYOH's ByoHost webhook lets update any ByoHost, so that webhook is exercised exactly as in a real install.
 *
 * Ports: each CAPI manager gets free loopback ports (webhook, health, diagnostics). BYOH v0.5.0 hard-codes its
 * webhook port 9443 and has no cert-dir flag: its certificates go to $TMPDIR/k8s-webhook-server/serving-certs
 * (controller-runtime's default), with TMPDIR set per run; only one BYOH manager can run per machine at a time.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import type { KubeClient } from "../../kube/client";
import { createCa, issueCert } from "../plane/pki";
import { freePorts } from "../plane/ports";
import { isAlive, killGroup } from "../plane/processes";
import { userKubeconfig } from "../plane/users";
import { waitFor } from "../plane/wait";
import { installManagerCrds, webhookConfigurations } from "./manifests";
import { managerBinaries, ManagerName, managerPath, MANAGERS } from "./modules";

export const BYOH_WEBHOOK_PORT = 9443;
export const BYOH_MANAGER_USER = "system:serviceaccount:byoh-system:byoh-controller-manager";

export interface CapiPlane {
  name: string;
  dir: string;
  server: string;
  kubeconfig: string;
  client(fieldManager?: string): Promise<KubeClient>;
}

export interface CapiRunnerOptions {
  /** Which managers to run (default all four). */
  managers?: ManagerName[];
  /** Extra flags per manager (for example {core: ["--v=4"]}). */
  extraArgs?: Partial<Record<ManagerName, string[]>>;
  /** Deadline for every manager to become ready (default 90 s: the first start of four Go binaries on 2 cores). */
  timeoutMs?: number;
}

export interface ManagerProcess {
  name: ManagerName;
  pid: number;
  webhookPort: number;
  healthPort: number;
  log: string;
}

export interface CapiRunner {
  dir: string;
  managers: ManagerProcess[];
  /** Names of the webhook configurations registered with the plane. */
  webhookConfigurations: string[];
  /** Last lines of a manager's log. */
  logTail(name: ManagerName, lines?: number): string;
  /** Ends the managers and removes their webhook configurations (a plane without them keeps working). */
  stop(): Promise<void>;
}

/** Installs the managers' CRDs and webhooks on the plane and starts them; resolves once all are ready. */
export async function startCapi(plane: CapiPlane, opts: CapiRunnerOptions = {}): Promise<CapiRunner> {
  const names = opts.managers ?? (Object.keys(MANAGERS) as ManagerName[]);
  const [bins, admin] = await Promise.all([managerBinaries(), plane.client("ocp-capi-runner")]);
  const dir = fs.mkdtempSync(path.join(plane.dir, "capi-"));
  await installManagerCrds(admin);

  // One CA and serving certificate for every manager's webhook server (all on localhost).
  const ca = await createCa(dir, "webhook-ca", "ocp-capi-webhook-ca");
  const serving = await issueCert(ca, dir, "webhook", { cn: "localhost", hosts: ["localhost", "127.0.0.1"], usage: "server" });
  const caBundle = fs.readFileSync(ca.cert).toString("base64");
  const certDir = (name: string) => {
    const d = path.join(dir, name, "k8s-webhook-server", "serving-certs");
    fs.mkdirSync(d, { recursive: true });
    fs.copyFileSync(serving.cert, path.join(d, "tls.crt"));
    fs.copyFileSync(serving.key, path.join(d, "tls.key"));
    return d;
  };
  const byohKubeconfig = await userKubeconfig(plane, BYOH_MANAGER_USER, ["system:masters"]);

  const ports = await freePorts(names.length * 3);
  const managers: ManagerProcess[] = [];
  const processes: { name: ManagerName; pgid: number }[] = [];
  const stopAll = () => processes.forEach(p => killGroup(p.pgid, "SIGKILL"));
  process.once("exit", stopAll);

  try {
    const configs: string[] = [];
    for (const [i, name] of names.entries()) {
      const [webhookPort, healthPort, diagPort] =
        name === "byoh" ? [BYOH_WEBHOOK_PORT, ...ports.slice(i * 3 + 1)] : ports.slice(i * 3);
      const log = path.join(dir, `${name}.log`);
      const args =
        name === "byoh"
          ? [
              `--kubeconfig=${byohKubeconfig}`,
              `--metrics-addr=127.0.0.1:${diagPort}`,
              `--health-probe-bind-address=127.0.0.1:${healthPort}`,
            ]
          : [
              `--kubeconfig=${plane.kubeconfig}`,
              `--webhook-port=${webhookPort}`,
              `--webhook-cert-dir=${certDir(name)}`,
              `--health-addr=127.0.0.1:${healthPort}`,
              `--diagnostics-address=127.0.0.1:${diagPort}`,
              "--insecure-diagnostics",
              "--leader-elect=false",
              // The defaults (20 QPS) throttle a manager that starts dozens of informers at once.
              "--kube-api-qps=100",
              "--kube-api-burst=200",
            ];
      if (name === "byoh") certDir("byoh"); // $TMPDIR/k8s-webhook-server/serving-certs
      const env = { ...process.env, ...(name === "byoh" ? { TMPDIR: path.join(dir, "byoh") } : {}) };
      const pid = spawnOwned(managerPath(bins, name), [...args, ...(opts.extraArgs?.[name] ?? [])], log, env);
      processes.push({ name, pgid: pid });
      managers.push({ name, pid, webhookPort, healthPort, log });
      for (const { res, obj } of await webhookConfigurations(name, webhookPort, caBundle)) {
        await admin.apply(res, obj);
        configs.push(obj.metadata.name);
      }
    }
    const timeoutMs = opts.timeoutMs ?? 90_000;
    await Promise.all(
      managers.map(m =>
        waitFor(() => managerReady(m), { timeoutMs, intervalMs: 200, message: `${m.name} manager ready` }).catch((e: Error) => {
          throw new Error(`${e.message}\n--- ${m.name} log ---\n${tail(m.log, 20)}`);
        }),
      ),
    );
    return {
      dir,
      managers,
      webhookConfigurations: configs,
      logTail: (name, lines = 30) => tail(managers.find(m => m.name === name)?.log ?? "", lines),
      stop: async () => {
        stopAll();
        process.removeListener("exit", stopAll);
        for (const { res, obj } of (await Promise.all(names.map(n => webhookConfigurations(n, 0, "")))).flat())
          await admin.delete(res, obj.metadata.name).catch(() => undefined);
        await waitFor(() => managers.every(m => !isAlive(m.pid)), { timeoutMs: 10_000, message: "managers to end" });
      },
    };
  } catch (e) {
    stopAll();
    process.removeListener("exit", stopAll);
    throw e;
  }
}

/**
 * Starts bin in its own process group under a watchdog that ends it when this process is gone, so a test that is
 * killed leaves no manager behind (the plane's supervisor does the same for the plane).
 */
export function spawnOwned(bin: string, args: string[], log: string, env: NodeJS.ProcessEnv): number {
  const out = fs.openSync(log, "a");
  const watchdog = `"$@" & m=$!; while kill -0 ${process.pid} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done; kill -9 $m 2>/dev/null; wait`;
  const child = spawn("bash", ["-c", watchdog, "ocp-capi-manager", bin, ...args], {
    detached: true,
    stdio: ["ignore", out, out],
    env,
  });
  fs.closeSync(out);
  child.unref();
  return child.pid!;
}

/** The manager's health endpoint answers /readyz and its webhook server completes a TLS handshake. */
async function managerReady(m: ManagerProcess): Promise<boolean> {
  if (!isAlive(m.pid)) throw new Error(`${m.name} manager exited`);
  const res = await fetch(`http://127.0.0.1:${m.healthPort}/readyz`).catch(() => undefined);
  if (!res?.ok) return false;
  return new Promise(resolve => {
    const socket = tls.connect({ host: "127.0.0.1", port: m.webhookPort, servername: "localhost", rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** True when nothing listens on 127.0.0.1:port (BYOH's fixed webhook port must be free before a run). */
export function portFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}
