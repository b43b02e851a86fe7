/**
 * Kubeconfigs as kubectl reads them, through @kubernetes/client-node's KubeConfig: exec and auth-provider plugins,
 * client certificates and tokens, inline or file-based, the KUBECONFIG list, contexts and their namespaces, and the
 * pod's service account. Only the merge of a KUBECONFIG list is ours (KubeConfig.loadFromDefault refuses a name
 * that two files define and lets the last current-context win; kubectl lets the first file win for both).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";

export type { KubeConfig };

/** client-node is loaded on first use: it takes about a second to load, and --help or a usage error needs none of it. */
const clientNode = () => import("@kubernetes/client-node");

export interface KubeconfigSource {
  /** A kubeconfig file (relative paths in it resolve against its directory). */
  file?: string;
  /** Kubeconfig text (e.g. from a Secret: screen it first, see capabilities/focom/kubeconfig.ts). */
  text?: string;
  /** The context to use instead of the current-context (kubectl --context). */
  context?: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * text, else file, else (as kubectl) the KUBECONFIG list, ~/.kube/config, then the pod's service account. Throws
 * when the chosen context or its cluster is missing, so a bad kubeconfig fails here rather than at the first call.
 */
export async function loadKubeConfig(source: KubeconfigSource = {}): Promise<KubeConfig> {
  const { KubeConfig } = await clientNode();
  const kc = new KubeConfig();
  if (source.text !== undefined) kc.loadFromString(source.text);
  else if (source.file) kc.loadFromFile(path.resolve(source.file));
  else loadDefault(kc, () => new KubeConfig());
  if (source.context) {
    if (!kc.getContextObject(source.context)) throw new Error(`kubeconfig has no context "${source.context}"`);
    kc.setCurrentContext(source.context);
  }
  const current = kc.getCurrentContext();
  if (current && !kc.getContextObject(current))
    throw new Error(`kubeconfig current-context "${current}" is not among its contexts`);
  // No current-context: the first context, as this project always did (client-node would use none).
  if (!current && kc.getContexts().length > 0) kc.setCurrentContext(kc.getContexts()[0].name);
  if (!kc.getCurrentContext()) throw new Error("kubeconfig has no context");
  if (!kc.getCurrentCluster()?.server) throw new Error(`kubeconfig context "${kc.getCurrentContext()}" has no cluster server`);
  return kc;
}

/** The namespace of the current context (kubectl's default for -n), or of the pod's service account. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  return kc.getContextObject(kc.getCurrentContext())?.namespace?.trim() || undefined;
}

function loadDefault(kc: KubeConfig, newKubeConfig: () => KubeConfig): void {
  const files = (process.env.KUBECONFIG ?? "").split(path.delimiter).filter(Boolean);
  if (files.length > 0) {
    // kubectl skips files of the list that do not exist, and fails only when none does.
    const existing = files.filter(f => fs.existsSync(f));
    if (existing.length === 0) throw new Error(`no file of KUBECONFIG exists: ${process.env.KUBECONFIG}`);
    kc.loadFromFile(path.resolve(existing[0]));
    for (const f of existing.slice(1)) {
      const next = newKubeConfig();
      next.loadFromFile(path.resolve(f));
      mergeFirstWins(kc, next);
    }
    return;
  }
  const home = path.join(os.homedir(), ".kube", "config");
  if (fs.existsSync(home)) return kc.loadFromFile(home);
  // loadFromCluster re-reads the token file (projected service-account tokens rotate) and reads the namespace file.
  if (process.env.KUBERNETES_SERVICE_HOST && fs.existsSync(SERVICE_ACCOUNT_TOKEN)) return kc.loadFromCluster();
  throw new Error("no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a pod");
}

/** kubectl's merge of a KUBECONFIG list: the first file to define a name (or the current-context) wins. */
function mergeFirstWins(into: KubeConfig, from: KubeConfig): void {
  const add = <T extends { name: string }>(list: T[], more: T[]) => {
    for (const item of more) if (!list.some(x => x.name === item.name)) list.push(item);
  };
  add(into.clusters, from.clusters);
  add(into.users, from.users);
  add(into.contexts, from.contexts);
  if (!into.getCurrentContext() && from.getCurrentContext()) into.setCurrentContext(from.getCurrentContext());
}
