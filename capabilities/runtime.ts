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

/**
 * Starts a controller in the watcher (or the single dev-mode process), retrying every 5 s until it is up: nothing
 * else starts it (Pepr's Reconcile bindings, whose first event used to, are gone: each kept a full copy of its kind).
 */
export function startController(name: string, start: () => Promise<unknown>): void {
  if (!isWatcher() || process.env.PEPR_MODE === "build") return;
  const attempt = () =>
    start().catch(e => {
      Log.error(`cannot start the ${name} controller (retrying in 5 s): ${errorMessage(e)}`);
      setTimeout(attempt, 5000).unref();
    });
  void attempt();
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export { Log };

// The module's settings (ignored namespaces, claims namespace, the test fault) are in ./environment.ts, which does
// not load pepr, so the reconcilers that read them stay unit-testable.
export * from "./environment";
