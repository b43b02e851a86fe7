/**
 * Screening of an O-Cloud kubeconfig taken from a Secret (pure), before anything loads it. Whoever can write an
 * OCloud and a Secret must not make this process run commands (exec, auth-provider) or read its own files
 * (token-file, certificate paths: the service-account token would be sent to the named server). Only inline
 * credentials are accepted. Messages never quote the content.
 */
import { load } from "js-yaml";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const FORBIDDEN_USER_KEYS = ["exec", "auth-provider", "token-file", "client-certificate", "client-key", "tokenFile"];
const FORBIDDEN_CLUSTER_KEYS = ["certificate-authority"];

/** Undefined when the text is a kubeconfig with inline credentials only; else what is wrong with it. */
export function kubeconfigProblem(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = load(text);
  } catch {
    return "is not valid YAML"; // the parser's message quotes the text
  }
  if (!isObject(doc)) return "is not a kubeconfig (not a YAML mapping)";
  const entries = (list: unknown, key: string) =>
    (Array.isArray(list) ? list : []).map(e => (isObject(e) && isObject(e[key]) ? e[key] : {}));
  const clusters = entries(doc.clusters, "cluster");
  if (clusters.length === 0) return "has no clusters";
  for (const user of entries(doc.users, "user")) {
    const bad = FORBIDDEN_USER_KEYS.find(k => k in user);
    if (bad)
      return `uses "${bad}" credentials; only inline credentials (token, client-certificate-data/client-key-data) are accepted`;
  }
  for (const cluster of clusters) {
    const bad = FORBIDDEN_CLUSTER_KEYS.find(k => k in cluster);
    if (bad) return `refers to a file with "${bad}"; use certificate-authority-data`;
  }
  return undefined;
}
