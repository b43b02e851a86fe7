/**
 * The O2IMS watch side: informers over the request and the Cluster API objects feed one work queue; every change
 * of a generated object or of a pinned ByoHost re-queues the request it belongs to (event-driven status), and a
 * periodic resync re-applies everything so a missed event or a drifted object heals, and collects host claims whose
 * request is gone. Requests in the namespaces admission ignores are never queued (capabilities/runtime.ts).
 */
import { startResync, WorkQueue } from "../../kube/queue";
import { queueMetrics } from "../../kube/metrics";
import { keyOf } from "../../kube/informer";
import { KubeObject } from "../../kube/client";
import { claimsNamespace, errorMessage, isIgnoredNamespace, localClient, Log, once, settings } from "../runtime";
import { O2imsCache, PINNED_HOSTS, requestKeyOf } from "./cache";
import { CLAIMED_HOST, holderOf } from "./claims";
import { RequestReconciler } from "./reconciler";
import { cniConfigMaps, CniResources } from "./cni";

export const FIELD_MANAGER = "o-cloud-provisioner/o2ims";

export interface O2imsController {
  cache: O2imsCache;
  queue: WorkQueue;
  reconciler: RequestReconciler;
}

export const o2imsController = once(async (): Promise<O2imsController> => {
  const client = await localClient(FIELD_MANAGER);
  const cache = new O2imsCache(client, { capi: true, claimsNamespace: claimsNamespace() });
  const cni = new CniResources(client);
  const reconciler = new RequestReconciler(client, cache, cni);
  const queue = new WorkQueue(key => reconciler.reconcile(key), {
    concurrency: settings.reconcileConcurrency,
    metrics: queueMetrics("o2ims"),
    onError: (key, e, attempt) =>
      Log.warn({ key, attempt }, `reconcile of ProvisioningRequest ${key} failed: ${errorMessage(e)}`),
  });
  const add = (key: string) => {
    if (!isIgnoredNamespace(key.split("/")[0])) queue.add(key);
  };
  const requeueOwner = (_: string, obj: KubeObject) => {
    const key = requestKeyOf(obj);
    if (key) add(key);
  };
  cache.clusters.onChange(requeueOwner);
  cache.controlPlanes.onChange(requeueOwner);
  cache.machineDeployments.onChange(requeueOwner);
  // Our own status write comes back as a watch event of exactly the version written: nothing new to reconcile.
  cache.requests.onChange((phase, pr) => {
    reconciler.ownWrites.observe(phase, pr);
    if (phase !== "DELETED" && !reconciler.ownWrites.isEcho(pr)) add(keyOf(pr));
  });
  cache.templates.onChange(() => cache.requests.list().forEach(pr => add(keyOf(pr))));
  // A CNI ConfigMap that appears or goes concerns the requests of its namespace not fulfilled yet (all of them once a
  // newly watched name has listed); a fulfilled cluster has its CNI already.
  cache.templates.onChange((phase, t) => phase !== "DELETED" && cni.track(cniConfigMaps(t.spec)));
  cni.onChange(ns =>
    cache.requests
      .list(pr => (!ns || pr.metadata.namespace === ns) && pr.status?.provisioningStatus?.provisioningState !== "fulfilled")
      .forEach(pr => add(keyOf(pr))),
  );
  // A ByoHost change concerns the requests that pin it (by name or by pinning label value).
  cache.byoHosts.onChange((_, host) => {
    const values = [`name:${host.metadata.name}`, ...Object.values(host.metadata.labels ?? {}).map(v => `id:${v}`)];
    for (const v of values) for (const pr of cache.requests.byIndex(PINNED_HOSTS, v)) add(keyOf(pr));
    // ... and the request holding its claim, which after a scale-in no longer pins it but releases the claim once
    // BYOH has released the host.
    for (const [k, v] of Object.entries(host.metadata.labels ?? {}))
      for (const claim of cache.claims.byIndex(CLAIMED_HOST, `${k}=${v}`)) {
        const holder = holderOf(claim);
        if (holder) add(`${holder.namespace}/${holder.name}`);
      }
  });
  await cache.start();
  startResync(
    queue,
    () => cache.requests.list(o => !isIgnoredNamespace(o.metadata.namespace)).map(o => keyOf(o)),
    key => reconciler.resync(key),
    settings.resyncSeconds,
  );
  // Claims whose request is gone (deleted while this process was down, or a crash between claim and release): at
  // start and with every resync. A holder the informer knows with the same uid is live without a read.
  const collect = () =>
    reconciler.claims
      .collectGarbage(h => cache.requests.get(h.name, h.namespace)?.metadata.uid === h.uid)
      .then(released => released.length && Log.info(`released ${released.length} host claim(s) of deleted requests`))
      .catch(e => Log.warn(`collecting host claims failed: ${errorMessage(e)}`));
  void collect();
  setInterval(() => void collect(), settings.resyncSeconds * 1000).unref();
  return {
    cache,
    queue,
    reconciler,
  };
});
