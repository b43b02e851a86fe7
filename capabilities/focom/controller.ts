/**
 * The FOCOM watch side: informers over requests, OClouds and TemplateInfos, plus one watch per O-Cloud of the
 * ProvisioningRequests FOCOM created there, all feeding one work queue. A periodic resync re-applies every request
 * so a missed event or a hand-edited remote heals.
 */
import { TemplateInfoObject, templateNameOf } from "../../generators/templates";
import { keyOf } from "../../kube/informer";
import { KubeObject } from "../../kube/client";
import { startResync, WorkQueue } from "../../kube/queue";
import { queueMetrics } from "../../kube/metrics";
import { setRemoteReachable } from "../metrics";
import { R } from "../../kube/resources";
import { errorMessage, localClient, Log, once, settings } from "../runtime";
import { FocomCache, OCloudObject } from "./cache";
import { connectionKeyOf, OCloudConnections, secretKeyOf, SecretWatches } from "./oclouds";
import { FocomReconciler, References } from "./reconciler";
import { OCloudStatusReporter } from "./ocloud-status";
import { RestConnections } from "./rest-connections";
import { CallbackServer, readCallbackSettings } from "./callbacks";
import { consumerOf, RestSubscriptions } from "./rest-subscriptions";
import type { RemoteFailure } from "./errors";
import { KubeTransport } from "./kube-transport";
import { RestTransport } from "./rest-transport";
import { transportOf, Transports } from "./transport";
import { requestOf } from "./remote";

export const FIELD_MANAGER = "o-cloud-provisioner/focom";

/** The OCloud's Reachable failure while the watch of its ProvisioningRequests is down (kubeconfig transport). */
const WATCH_DOWN = (ocloud: string): RemoteFailure => ({
  kind: "unreachable",
  reason: "Unreachable",
  message: `the watch of O-Cloud ${ocloud}'s ProvisioningRequests failed; retrying`,
});

export interface FocomController {
  cache: FocomCache;
  queue: WorkQueue;
  reconciler: FocomReconciler;
  connections: OCloudConnections;
  /** Also admission's dry run's, in the process that runs the controller. */
  transports: Transports;
}

export const focomController = once(async (): Promise<FocomController> => {
  const local = await localClient(FIELD_MANAGER);
  const cache = new FocomCache(local, { requests: true });
  const requeue = (key: string) => queue.add(key);
  const requeueWhere = (match: (fpr: KubeObject & { spec?: { oCloudId?: string } }) => boolean) =>
    cache.requests.list(match).forEach(fpr => requeue(keyOf(fpr)));

  const connections = new OCloudConnections({
    fieldManager: FIELD_MANAGER,
    local: () => localClient(FIELD_MANAGER),
    readSecret: (name, namespace) => local.find(R.Secret, name, namespace),
    // A remote change concerns the request it points back to, if that request (same uid) is ours.
    onRemoteChange: remote => {
      const owner = requestOf(remote);
      if (!owner) return;
      const [ns, name] = owner.key.split("/");
      if (cache.requests.get(name, ns)?.metadata.uid === owner.uid) requeue(owner.key);
    },
    // An O-Cloud going away or coming back, or its kubeconfig changing, concerns every request on it.
    onHealthChange: key => requeueConnection(key),
    onWatchState: (key, healthy) => {
      setRemoteReachable(key, healthy);
      // The kubeconfig transport's OCloud conditions follow its watch of the O-Cloud (Transport Kubeconfig/Local);
      // the reporter writes only what changed.
      for (const ocloud of cache.oclouds.list(o => transportOf(o) !== "rest" && connectionKeyOf(o) === key))
        void ocloudStatus.report(ocloud, healthy ? {} : { failure: WATCH_DOWN(ocloud.metadata.name) });
    },
    onSecretChange: key => requeueConnection(key),
  });
  const requeueConnection = (key: string) =>
    requeueWhere(fpr => {
      const ocloud = fpr.spec?.oCloudId ? cache.oclouds.get(fpr.spec.oCloudId, fpr.metadata.namespace) : undefined;
      return !!ocloud && connectionKeyOf(ocloud) === key;
    });
  // OClouds with spec.o2ims: the O2 IMS REST transport (capabilities/focom/rest-transport.ts).
  const restConnections = new RestConnections({ readSecret: (name, namespace) => local.find(R.Secret, name, namespace) });
  const ocloudStatus = new OCloudStatusReporter(local);
  // State notifications from O2 IMS O-Clouds, when they can reach the module (OCP_FOCOM_CALLBACK_URL): a notification
  // re-queues the request it names (by uid) on that OCloud, or all of them when it names none we know.
  const callbackSettings = readCallbackSettings();
  const callbacks =
    callbackSettings &&
    new CallbackServer(callbackSettings, (ocloudKey, id) =>
      requeueWhere(fpr => {
        const ocloud = ocloudOf(fpr);
        return (
          !!ocloud && `${ocloud.metadata.namespace}/${ocloud.metadata.name}` === ocloudKey && (!id || fpr.metadata.uid === id)
        );
      }),
    );
  await callbacks?.start();
  // Subscriptions of ours that no current REST OCloud accounts for are collected (rest-subscriptions.ts).
  const subscriptions = new RestSubscriptions(callbacks, consumer =>
    cache.oclouds.list().some(o => transportOf(o) === "rest" && consumerOf(o) === consumer),
  );
  const transports = new Transports(
    new KubeTransport(connections),
    new RestTransport({
      connections: restConnections,
      pollMs: settings.focomRestPollSeconds * 1000,
      report: (ocloud, report) => ocloudStatus.report(ocloud, report),
      subscriptions,
    }),
  );
  const reconciler = new FocomReconciler(local, referencesOf(cache), transports, {
    unreachableReleaseSeconds: settings.focomUnreachableReleaseSeconds,
  });
  const queue = new WorkQueue(key => reconciler.reconcile(key), {
    concurrency: settings.reconcileConcurrency,
    metrics: queueMetrics("focom"),
    onError: (key, e, attempt) =>
      Log.warn({ key, attempt }, `reconcile of FocomProvisioningRequest ${key} failed: ${errorMessage(e)}`),
  });

  // Our own status write comes back as a watch event of exactly the version written: nothing new to reconcile.
  cache.requests.onChange((phase, fpr) => {
    reconciler.ownWrites.observe(phase, fpr);
    if (phase !== "DELETED" && !reconciler.ownWrites.isEcho(fpr)) requeue(keyOf(fpr));
  });
  // A Secret an OCloud names, missing or broken included, re-queues the requests on that OCloud within a second of
  // being created or fixed (connect() reads it afresh and rebuilds the client when its resourceVersion changed).
  const ocloudOf = (fpr: KubeObject & { spec?: { oCloudId?: string } }) =>
    fpr.spec?.oCloudId ? cache.oclouds.get(fpr.spec.oCloudId, fpr.metadata.namespace) : undefined;
  const secretWatches = new SecretWatches(
    (namespace, name, changed) => local.watch(R.Secret, () => changed(), { namespace, fieldSelector: `metadata.name=${name}` }),
    secretKey => {
      requeueWhere(fpr => {
        const ocloud = ocloudOf(fpr);
        return !!ocloud && secretKeyOf(ocloud) === secretKey;
      });
      // A REST OCloud's status follows its token even while no request uses it.
      for (const ocloud of cache.oclouds.list(o => transportOf(o) === "rest" && secretKeyOf(o) === secretKey))
        void transports.rest.prepare(ocloud);
    },
  );
  const syncSecretWatches = () => secretWatches.sync(cache.oclouds.list().flatMap(ocloud => secretKeyOf(ocloud) ?? []));

  const generations = new Map<string, number | undefined>();
  cache.oclouds.onChange((phase, ocloud) => {
    // The module's own status writes (OCloud conditions) leave the generation as it was: nothing to rebuild.
    const key = `${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    const specChanged = phase !== "MODIFIED" || generations.get(key) !== ocloud.metadata.generation;
    if (phase === "DELETED") generations.delete(key);
    else generations.set(key, ocloud.metadata.generation);
    if (!specChanged) return;
    const requeueItsRequests = () =>
      requeueWhere(fpr => fpr.metadata.namespace === ocloud.metadata.namespace && fpr.spec?.oCloudId === ocloud.metadata.name);
    syncSecretWatches();
    // A REST OCloud subscribes as soon as it is known, not at its first request; at start this also collects the
    // subscriptions of ours no current OCloud accounts for (rest-subscriptions.ts).
    const prepare = () => (transportOf(ocloud) === "rest" ? transports.rest.prepare(ocloud) : undefined);
    if (phase === "ADDED") {
      requeueItsRequests();
      return void prepare();
    }
    // What was built for the old spec is dropped at once and undone in the background (its subscription deleted on
    // the O-Cloud it was made on); its requests reconcile against the new spec meanwhile, and a REST OCloud
    // subscribes again even without requests (StatusDelivery).
    const forgotten = transports
      .forget(ocloud.metadata.namespace!, ocloud.metadata.name)
      .catch(e => Log.warn(`FOCOM: releasing what was built for OCloud ${key}: ${errorMessage(e)}`));
    requeueItsRequests();
    if (phase === "MODIFIED") void forgotten.then(prepare);
  });
  cache.templateInfos.onChange((_, ti) => requeueWhere(fpr => fpr.metadata.namespace === ti.metadata.namespace));
  await cache.start();
  syncSecretWatches();

  startResync(
    queue,
    () => cache.requests.list().map(o => keyOf(o)),
    key => reconciler.resync(key),
    settings.resyncSeconds,
  );
  return { cache, queue, reconciler, connections, transports };
});

/**
 * The informers, read live on a miss: a request admitted a moment after its OCloud or TemplateInfo was created
 * (one kubectl apply) must not be reported Failed because the informer has not caught up yet.
 */
function referencesOf(cache: FocomCache): References {
  return {
    request: (namespace, name) => cache.requests.get(name, namespace),
    ocloud: async (namespace, name) =>
      cache.oclouds.get(name, namespace) ?? (await cache.client.find<OCloudObject>(R.OCloud, name, namespace)),
    templateInfos: async (namespace, templateName) => {
      const cached = cache.inNamespace(cache.templateInfos, namespace);
      if (cached.some(t => templateNameOf(t) === templateName)) return cached;
      return cache.client.list<TemplateInfoObject>(R.TemplateInfo, { namespace });
    },
  };
}
