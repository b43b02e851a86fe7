/**
 * Kubeconfig and in-cluster credentials, read without @kubernetes/client-node (ESM-only, which neither jest nor
 * older Node requires can load). Supports what a module needs: client certificates, bearer tokens and token files
 * (re-read, as projected service-account tokens rotate), inline or file-based CA data. Exec plugins are not.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { load } from "js-yaml";

export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  tokenFile?: string;
  insecureSkipTLSVerify?: boolean;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}
type Obj = Record<string, string | boolean | undefined>;
interface KubeconfigFile {
  "current-context"?: string;
  clusters?: Named<Obj>[];
  users?: Named<Obj>[];
  contexts?: Named<Obj>[];
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Inline base64 data wins over a file path (resolved against the kubeconfig's directory). */
function material(data: unknown, file: unknown, baseDir: string): Buffer | undefined {
  if (typeof data === "string" && data) return Buffer.from(data, "base64");
  if (typeof file === "string" && file) return fs.readFileSync(path.resolve(baseDir, file));
  return undefined;
}

export function parseKubeconfig(text: string, baseDir = process.cwd()): Credentials {
  const cfg = (load(text) ?? {}) as KubeconfigFile;
  const ctxName = cfg["current-context"] ?? cfg.contexts?.[0]?.name;
  const found = cfg.contexts?.find(c => c.name === ctxName);
  if (ctxName && !found) throw new Error(`kubeconfig current-context "${ctxName}" is not among its contexts`);
  const ctx = found?.context ?? {};
  const cluster = cfg.clusters?.find(c => c.name === ctx.cluster)?.cluster ?? (found ? undefined : cfg.clusters?.[0]?.cluster);
  const user = cfg.users?.find(u => u.name === ctx.user)?.user ?? {};
  if (!cluster?.server) throw new Error("kubeconfig has no cluster server for its current context");
  if (user.exec || user["auth-provider"])
    throw new Error("kubeconfig exec and auth-provider plugins are not supported; use a certificate or token");
  return {
    server: String(cluster.server).replace(/\/$/, ""),
    ca: material(cluster["certificate-authority-data"], cluster["certificate-authority"], baseDir),
    cert: material(user["client-certificate-data"], user["client-certificate"], baseDir),
    key: material(user["client-key-data"], user["client-key"], baseDir),
    token: typeof user.token === "string" ? user.token : undefined,
    tokenFile: typeof user.tokenFile === "string" ? path.resolve(baseDir, user.tokenFile) : undefined,
    insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] === true,
  };
}

export function loadKubeconfigFile(file: string): Credentials {
  return parseKubeconfig(fs.readFileSync(file, "utf8"), path.dirname(path.resolve(file)));
}

/** KUBECONFIG (its first file), then ~/.kube/config, then the pod's service account. */
export function loadDefaultCredentials(): Credentials {
  const fromEnv = process.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  if (fromEnv) return loadKubeconfigFile(fromEnv);
  const home = path.join(os.homedir(), ".kube", "config");
  if (fs.existsSync(home)) return loadKubeconfigFile(home);
  const host = process.env.KUBERNETES_SERVICE_HOST;
  if (host && fs.existsSync(`${SA_DIR}/token`)) {
    const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
    return {
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      ca: fs.readFileSync(`${SA_DIR}/ca.crt`),
      tokenFile: `${SA_DIR}/token`,
    };
  }
  throw new Error("no kubeconfig: set KUBECONFIG, or run in a pod with a service account");
}
