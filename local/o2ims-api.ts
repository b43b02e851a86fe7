/**
 * Runs the O2 IMS REST server against a plane as it ships: the BUILT bundle (dist/, the module's own, with
 * OCP_COMPONENT=o2ims-api), under its own ServiceAccount (the built manifest's identity objects applied, a
 * TokenRequest token in a kubeconfig; never admin), with TLS from a CA of its own, and its OpenAPI documents read
 * from the repository as the chart's ConfigMap provides them in a cluster. The process dies with its owner.
 */
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { loadAll } from "js-yaml";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { O2IMS_API_IDENTITY } from "../o2ims-api/rbac";
import { applyIdentity, requestToken, writeTokenKubeconfig } from "./identity";
import { buildModule, watchdogScript } from "./module";
import { createCa, issueCert } from "./plane/pki";
import { freePorts } from "./plane/ports";
import { waitFor } from "./plane/wait";

const ROOT = path.resolve(__dirname, "..");
const MANIFEST = path.join(ROOT, "dist", "pepr-module-o-cloud-provisioner.yaml");
const OWN_NAMESPACE = "pepr-system";

export interface O2imsApiProcess {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the server's certificate (PEM file), for clients. */
  caFile: string;
  logFile: string;
  /** The kubeconfig the server runs with (its ServiceAccount's token). */
  kubeconfig: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startO2imsApi(opts: {
  /** Admin kubeconfig of the plane: applies the identity and mints the server's token. */
  kubeconfig: string;
  dir: string;
  /** Namespace of the ProvisioningRequests served (default o2ims); created when missing. */
  namespace?: string;
  env?: Record<string, string>;
}): Promise<O2imsApiProcess> {
  buildModule();
  const namespace = opts.namespace ?? "o2ims";
  fs.mkdirSync(opts.dir, { recursive: true });
  const admin = await KubeClient.create({ file: opts.kubeconfig, fieldManager: "o-cloud-provisioner-harness" });
  await admin.apply(R.Namespace, { metadata: { name: namespace } });

  const docs = (loadAll(fs.readFileSync(MANIFEST, "utf8")) as KubeObject[]).filter(Boolean);
  const own = docs.filter(d => d.metadata?.name === O2IMS_API_IDENTITY);
  if (!own.some(d => d.kind === "ClusterRole")) throw new Error(`the built manifest has no ClusterRole ${O2IMS_API_IDENTITY}`);
  await applyIdentity(admin, own);
  const kubeconfig = path.join(opts.dir, "o2ims-api.kubeconfig");
  const sa = { name: O2IMS_API_IDENTITY, namespace: OWN_NAMESPACE };
  writeTokenKubeconfig(
    kubeconfig,
    opts.kubeconfig,
    `system:serviceaccount:${sa.namespace}:${sa.name}`,
    await requestToken(admin, sa),
  );

  const ca = await createCa(opts.dir, "o2ims-api-ca", "ocp-o2ims-api-ca");
  const tls = await issueCert(ca, opts.dir, "o2ims-api-tls", {
    cn: "localhost",
    hosts: ["localhost", "127.0.0.1"],
    usage: "server",
  });
  const [port] = await freePorts(1);
  const url = `https://127.0.0.1:${port}`;
  const logFile = path.join(opts.dir, "o2ims-api.log");
  let child: ChildProcess | undefined;

  const launch = async () => {
    const out = fs.openSync(logFile, "a");
    // The same watchdog as the module: the server dies with the process that started it.
    const watchdog = watchdogScript();
    child = spawn(process.execPath, ["-e", watchdog], {
      cwd: ROOT,
      stdio: ["ignore", out, out],
      env: {
        ...process.env,
        ...opts.env,
        KUBECONFIG: kubeconfig,
        OCP_COMPONENT: "o2ims-api",
        OCP_O2IMS_API_PORT: String(port),
        OCP_O2IMS_API_HOST: "127.0.0.1",
        OCP_O2IMS_API_TLS_CERT: tls.cert,
        OCP_O2IMS_API_TLS_KEY: tls.key,
        OCP_O2IMS_API_NAMESPACE: namespace,
        OCP_O2IMS_API_OWN_NAMESPACE: OWN_NAMESPACE,
        OCP_O2IMS_API_DOCUMENTS: path.join(ROOT, "o2ims-api", "openapi"),
        PEPR_NODE_WARNINGS: "false",
      },
    });
    fs.closeSync(out);
    await waitFor(async () => (child?.exitCode !== null ? "exited" : (await healthy(url, ca.cert)) ? "up" : undefined), {
      timeoutMs: 30_000,
      message: `O2 IMS REST API on ${url} (log: ${logFile})`,
    }).then(state => {
      if (state === "exited")
        throw new Error(`the O2 IMS REST API exited at start; see ${logFile}:\n${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
    });
  };
  await launch();
  return {
    url,
    caFile: ca.cert,
    logFile,
    kubeconfig,
    async stop() {
      if (child && child.exitCode === null) {
        const exited = new Promise(r => child!.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
    restart: launch,
  };
}

/** /healthz answers 200 over TLS with the server's CA. */
function healthy(url: string, caFile: string): Promise<boolean> {
  return new Promise(resolve => {
    const req = https.get(`${url}/healthz`, { ca: fs.readFileSync(caFile), timeout: 1000 }, res => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
  });
}
