/**
 * The O2IMS watch side: informers over the request and the Cluster API objects feed one work queue; every change
 * of a generated object or of a pinned ByoHost re-queues the request it belongs to (event-driven status), and a
 * periodic resync re-applies everything so a missed event or a drifted object heals.
 */
import { startResync, WorkQueue } from "../../kube/queue";
import { keyOf } from "../../kube/informer";
import { KubeObject } from "../../kube/client";
import { errorMessage, localClient, Log, once } from "../runtime";
import { O2imsCache, PINNED_HOSTS, requestKeyOf } from "./cache";
import { RequestReconciler } from "./reconciler";

const RESYNC_SECONDS = Number(process.env.OCP_RESYNC_SECONDS ?? 300);
export const FIELD_MANAGER = "o-cloud-provisioner/o2ims";

export interface O2imsController {
  cache: O2imsCache;
  queue: WorkQueue;
  reconciler: RequestReconciler;
  enqueue(obj: KubeObject): void;
}

export const o2imsController = once(async (): Promise<O2imsController> => {
  const client = await localClient(FIELD_MANAGER);
  const cache = new O2imsCache(client, { capi: true });
  const reconciler = new RequestReconciler(client, cache);
  const queue = new WorkQueue(key => reconciler.reconcile(key), {
    concurrency: Number(process.env.OCP_RECONCILE_CONCURRENCY ?? 32), // requests wait on API round trips, not CPU
    onError: (key, e, attempt) =>
      Log.warn({ key, attempt }, `reconcile of ProvisioningRequest ${key} failed: ${errorMessage(e)}`),
  });
  const requeueOwner = (_: string, obj: KubeObject) => {
    const key = requestKeyOf(obj);
    if (key) queue.add(key);
  };
  cache.clusters.onChange(requeueOwner);
  cache.controlPlanes.onChange(requeueOwner);
  cache.machineDeployments.onChange(requeueOwner);
  cache.requests.onChange((phase, pr) => phase !== "DELETED" && queue.add(keyOf(pr)));
  cache.templates.onChange(() => cache.requests.list().forEach(pr => queue.add(keyOf(pr))));
  // A ByoHost change concerns the requests that pin it (by name or by pinning label value).
  cache.byoHosts.onChange((_, host) => {
    const values = [`name:${host.metadata.name}`, ...Object.values(host.metadata.labels ?? {}).map(v => `id:${v}`)];
    for (const v of values) for (const pr of cache.requests.byIndex(PINNED_HOSTS, v)) queue.add(keyOf(pr));
  });
  await cache.start();
  startResync(
    queue,
    () => cache.requests.list().map(o => keyOf(o)),
    key => reconciler.resync(key),
    RESYNC_SECONDS,
  );
  return {
    cache,
    queue,
    reconciler,
    enqueue: obj => queue.add(keyOf(obj as { metadata: { name: string; namespace?: string } })),
  };
});
