/** Process-wide pieces shared by the capabilities: the API client, and the log without secrets. */
import { Log } from "pepr";
import { KubeClient } from "../kube/client";

const clients = new Map<string, Promise<KubeClient>>();

/** The client for the cluster this module runs against (KUBECONFIG or in-cluster), one per field manager. */
export function localClient(fieldManager: string): Promise<KubeClient> {
  let c = clients.get(fieldManager);
  if (!c) {
    c = KubeClient.create({ fieldManager });
    clients.set(fieldManager, c);
    c.catch(() => clients.delete(fieldManager));
  }
  return c;
}

/** Watch-side work (reconcilers, informers) runs in the watcher, or in the single process of dev mode. */
export const isWatcher = () => process.env.PEPR_WATCH_MODE === "true" || process.env.PEPR_MODE === "dev";

/** Lazily builds a value once; concurrent callers share the same promise, a failure is retried next call. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (!p) {
      p = build();
      p.catch(() => (p = undefined));
    }
    return p;
  };
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export { Log };

// The module's settings (ignored namespaces, claims namespace, the test fault) are in ./environment.ts, which does
// not load pepr, so the reconcilers that read them stay unit-testable.
export * from "./environment";
