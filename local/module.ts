/**
 * Runs the built Pepr module against a plane the way `pepr dev` does, without a cluster deployment: the built
 * bundle in one local process (PEPR_MODE=dev: admission server and watcher together), or with `split` as deployed
 * (Pepr's admission and watcher Deployments): an admission process (PEPR_WATCH_MODE=false) and a watcher process
 * (PEPR_WATCH_MODE=true), so reconcile bursts do not delay admission answers. The module's own
 * Mutating/ValidatingWebhookConfigurations from `pepr build` point at https://localhost:<port> with a test CA.
 * Each plane gets its own process(es) and ports, so several planes can each run the module.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { loadAll } from "js-yaml";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { secretReaderRbac } from "../scripts/build/artifacts";
import { applyIdentity, moduleServiceAccount, requestToken, writeTokenKubeconfig } from "./identity";
import { createCa, issueCert } from "./plane/pki";
import { freePorts } from "./plane/ports";
import { waitFor } from "./plane/wait";

const ROOT = path.resolve(__dirname, "..");
const UUID = "o-cloud-provisioner";
const DIST = path.join(ROOT, "dist");
const BUNDLE = path.join(DIST, `pepr-${UUID}.js`);
const MANIFEST = path.join(DIST, `pepr-module-${UUID}.yaml`);

const PeprStoreCRD = {
  metadata: { name: "peprstores.pepr.dev" },
  spec: {
    group: "pepr.dev",
    scope: "Namespaced",
    names: { plural: "peprstores", singular: "peprstore", kind: "PeprStore" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: "object", properties: { data: { type: "object", additionalProperties: { type: "string" } } } },
        },
      },
    ],
  },
};

/**
 * package.json's "pepr.env": what `pepr build` puts into the deployed module's containers, applied here too so the
 * local process runs with the same settings (among them PEPR_RESYNC_FAILURE_MAX: Pepr 1.1.4's watch of the
 * Reconcile/Finalize bindings gives up after that many failed reconnects, 5 s apart, and its handler then throws
 * uncaught, which ends the process; the module sets it out of reach so that watch outlives any outage).
 */
function peprEnv(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { pepr?: { env?: Record<string, string> } };
  return pkg.pepr?.env ?? {};
}

/** Hash of everything the bundle is built from, so `pepr build` runs only when the module changed. */
function sourceHash(): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") || e.name.endsWith(".yaml")) h.update(p).update(fs.readFileSync(p));
    }
  };
  for (const d of ["api", "kube", "capabilities", "generators", "templates", "scripts/build", "o2ims-api"])
    if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  h.update(fs.readFileSync(path.join(ROOT, "pepr.ts"))).update(fs.readFileSync(path.join(ROOT, "package.json")));
  h.update(fs.readFileSync(path.join(ROOT, "scripts", "post-build.ts")));
  return h.digest("hex");
}

/**
 * `npm run build` (offline; ~20 s): `pepr build`, then scripts/post-build.ts, so dist/ holds exactly what users
 * install (the identity the module runs under here comes from that manifest). Skipped when dist/ already holds a
 * build of the current sources.
 */
/**
 * The `node -e` program a local runner starts instead of the bundle itself: it runs the built bundle and kills it
 * when the process that started it dies (no orphans after a killed test run); SIGTERM is passed on (SIGKILL after
 * 5 s), SIGUSR2 kills at once (a crash).
 */
export function watchdogScript(): string {
  return (
    `const {spawn}=require("child_process");const c=spawn(process.execPath,[${JSON.stringify(BUNDLE)}],{stdio:"inherit"});` +
    `const owner=${process.pid};const t=setInterval(()=>{try{process.kill(owner,0)}catch{c.kill("SIGKILL");process.exit(0)}},500);` +
    `c.on("exit",code=>{clearInterval(t);process.exit(code??1)});` +
    `process.on("SIGTERM",()=>{c.kill("SIGTERM");setTimeout(()=>c.kill("SIGKILL"),5000).unref()});process.on("SIGUSR2",()=>c.kill("SIGKILL"));`
  );
}

export function buildModule(): void {
  const stamp = path.join(DIST, ".source-hash");
  const hash = sourceHash();
  if (fs.existsSync(BUNDLE) && fs.existsSync(MANIFEST) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash) return;
  execFileSync("npx", ["pepr", "build"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PEPR_NODE_WARNINGS: "false" },
  });
  execFileSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join("scripts", "post-build.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  fs.writeFileSync(stamp, hash);
}

export interface ModuleProcess {
  port: number;
  logFile: string;
  /** The kubeconfig the module runs with: a token of its own ServiceAccount (see local/identity.ts). */
  kubeconfig: string;
  /** http://127.0.0.1:<readinessPort>/readyz answers 503 while a CRD is missing or a watch is down. */
  readinessPort: number;
  /** Kills the process (SIGKILL when hard, as a crash would) and, unless keepWebhooks, removes its webhooks. */
  stop(opts?: { hard?: boolean; keepWebhooks?: boolean }): Promise<void>;
  /** Starts the process again on the same port (after stop with keepWebhooks). */
  restart(): Promise<void>;
  /** Pid of the module's process (the bundle under its watchdog; split: the watcher), undefined when not running. */
  pid(): number | undefined;
  /** split: pid of the admission process; otherwise the one process's. */
  admissionPid(): number | undefined;
}

/**
 * Starts the module against the plane reached by `kubeconfig`, registers its webhooks, and resolves once the
 * admission server answers. The process dies with the test process (a watchdog polls the owner pid).
 */
export async function startModule(opts: {
  kubeconfig: string;
  dir: string;
  env?: Record<string, string>;
  /**
   * Namespaces beyond the manifest's default (scripts/build/artifacts.ts) whose Secrets the module may read, as the
   * chart value ocloudSecretNamespaces grants them: where a caller's OClouds keep their kubeconfig Secrets.
   */
  secretNamespaces?: string[];
  /**
   * Admission and watcher in two processes, as deployed (default: one dev-mode process). The admission process
   * logs at warn unless OCP_MODULE_LOG_LEVEL says otherwise: Pepr logs several info lines per admission request.
   */
  split?: boolean;
}): Promise<ModuleProcess> {
  buildModule();
  const admin = await KubeClient.create({ file: opts.kubeconfig, fieldManager: "o-cloud-provisioner-harness" });
  const [port, readinessPort, watcherPort, admissionReadinessPort] = await freePorts(4);
  const apiPath = randomBytes(16).toString("hex");
  fs.mkdirSync(opts.dir, { recursive: true });
  // The API server calls the webhooks at https://localhost:<port>; Pepr's dev TLS needs a DNS name, not an IP.
  const ca = await createCa(opts.dir, "module-ca", "ocp-module-ca");
  const { cert: certFile, key: keyFile } = await issueCert(ca, opts.dir, "module-tls", {
    cn: "localhost",
    hosts: ["localhost"],
    usage: "server",
  });
  const logFile = path.join(opts.dir, "module.log");

  await admin.apply(R.Namespace, { metadata: { name: "pepr-system" } });
  await admin.apply(R.CustomResourceDefinition, PeprStoreCRD as KubeObject);

  // The module runs under the identity it ships with (the manifest's ServiceAccount, roles and bindings), never as
  // the plane's admin, so a permission the manifest lacks fails here as it would in a cluster. The harness keeps
  // admin for what a cluster install does itself (webhooks, the PeprStore CRD, namespaces).
  const manifestDocs = (loadAll(fs.readFileSync(MANIFEST, "utf8")) as KubeObject[]).filter(Boolean);
  await applyIdentity(admin, manifestDocs, (opts.secretNamespaces ?? []).flatMap(secretReaderRbac) as KubeObject[]);
  const sa = moduleServiceAccount(manifestDocs);
  const moduleKubeconfig = path.join(opts.dir, "module.kubeconfig");
  const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  writeTokenKubeconfig(moduleKubeconfig, opts.kubeconfig, user, await requestToken(admin, sa));

  // The webhook configurations exactly as `pepr build` generated them, served from this process instead of a Service.
  const caBundle = fs.readFileSync(ca.cert).toString("base64");
  const webhookConfigs = manifestDocs.filter(
    d => d?.kind === "MutatingWebhookConfiguration" || d?.kind === "ValidatingWebhookConfiguration",
  );
  const register = async () => {
    for (const cfg of webhookConfigs) {
      const res = cfg.kind === "MutatingWebhookConfiguration" ? R.MutatingWebhookConfiguration : R.ValidatingWebhookConfiguration;
      const webhooks = (cfg.webhooks as { clientConfig: { service?: { path?: string } } }[]).map(w => {
        const p = (w.clientConfig.service?.path ?? "").replace(/\/[^/]+$/, `/${apiPath}`);
        return { ...w, clientConfig: { url: `https://localhost:${port}${p}`, caBundle } };
      });
      await admin.apply(res, {
        apiVersion: cfg.apiVersion,
        kind: cfg.kind,
        metadata: { name: cfg.metadata.name },
        webhooks,
      } as KubeObject);
    }
  };
  const unregister = async () => {
    for (const cfg of webhookConfigs) {
      await admin.delete(
        cfg.kind === "MutatingWebhookConfiguration" ? R.MutatingWebhookConfiguration : R.ValidatingWebhookConfiguration,
        cfg.metadata.name,
      );
    }
  };

  // Dev mode: one process on `port`. Split: the admission server on `port` (the webhooks' URL), the watcher's Pepr
  // server (only /healthz and /metrics) on a port of its own; each has its own readiness port.
  const roles = opts.split
    ? [
        { name: "watcher", port: watcherPort, readiness: readinessPort, env: { PEPR_WATCH_MODE: "true" } },
        {
          name: "admission",
          port,
          readiness: admissionReadinessPort,
          env: { PEPR_WATCH_MODE: "false", LOG_LEVEL: process.env.OCP_MODULE_LOG_LEVEL ?? "warn" },
        },
      ]
    : [{ name: "module", port, readiness: readinessPort, env: { PEPR_MODE: "dev" } }];
  const children = new Map<string, ChildProcess>();
  const launch = async () => {
    const out = fs.openSync(logFile, "a");
    const watchdog = watchdogScript();
    for (const role of roles) {
      const child = spawn(process.execPath, ["-e", watchdog], {
        cwd: ROOT,
        stdio: ["ignore", out, out],
        env: {
          ...process.env,
          ...peprEnv(),
          ...opts.env,
          KUBECONFIG: moduleKubeconfig,
          PEPR_API_PATH: apiPath,
          SSL_KEY_PATH: keyFile,
          SSL_CERT_PATH: certFile,
          OCP_MODULE_PORT: String(role.port),
          OCP_READINESS_PORT: String(role.readiness), // capabilities/health.ts: /readyz (watches synced, CRDs present)
          LOG_LEVEL: process.env.OCP_MODULE_LOG_LEVEL ?? "info",
          PEPR_NODE_WARNINGS: "false",
          ...role.env,
        },
      });
      children.set(role.name, child);
    }
    fs.closeSync(out);
    for (const role of roles)
      await waitFor(() => healthy(role.port), {
        timeoutMs: 60_000,
        message: `module ${role.name} on port ${role.port} (log: ${logFile})`,
      });
  };
  const bundlePid = (child: ChildProcess | undefined) => {
    if (!child?.pid || child.exitCode !== null) return undefined;
    try {
      // The watchdog's only child is the bundle (Linux: /proc/<pid>/task/<pid>/children).
      const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/);
      return Number(kids[0]) || undefined;
    } catch {
      return undefined;
    }
  };

  await register();
  await launch();
  return {
    port,
    logFile,
    kubeconfig: moduleKubeconfig,
    readinessPort,
    async stop(o = {}) {
      await Promise.all(
        [...children.values()].map(async child => {
          if (child.exitCode !== null) return;
          const exited = new Promise(r => child.once("exit", r));
          child.kill(o.hard ? "SIGUSR2" : "SIGTERM"); // the watchdog forwards: SIGUSR2 = crash the module
          await exited;
        }),
      );
      if (!o.keepWebhooks) await unregister();
    },
    async restart() {
      await register();
      await launch();
    },
    pid() {
      return bundlePid(children.get(opts.split ? "watcher" : "module"));
    },
    admissionPid() {
      return bundlePid(children.get(opts.split ? "admission" : "module"));
    },
  };
}

/** The admission server's /healthz answers once the module has started. */
async function healthy(port: number): Promise<boolean> {
  const https = await import("node:https");
  return new Promise(resolve => {
    const req = https.request({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 1000 }, res => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });
}
