/**
 * The informer-backed AdmissionView: started on the first admission request, shared afterwards. Requests in the
 * namespaces admission ignores are never reconciled (capabilities/runtime.ts), so they pin nothing and are left out.
 */
import { hostClaimName } from "../../generators/names";
import { claimsNamespace, isIgnoredNamespace, isWatcher, localClient, once } from "../runtime";
import { o2imsController } from "./controller";
import type { AdmissionView } from "./admission";
import { CLUSTER_NAME, HOST_NAME, O2imsCache, PINNED_HOSTS, PRObject } from "./cache";
import { holderOf } from "./claims";

const served = (prs: PRObject[]) => prs.filter(pr => !isIgnoredNamespace(pr.metadata.namespace));

export const admissionView = once(async (): Promise<AdmissionView> => {
  // In dev mode one process serves admission and runs the controller: share its informers.
  const cache = isWatcher()
    ? (await o2imsController()).cache
    : new O2imsCache(await localClient("o-cloud-provisioner/o2ims-admission"), {
        capi: false,
        claimsNamespace: claimsNamespace(),
      });
  await cache.start();
  return {
    templates: () => cache.templates.list(),
    byoHostsNamed: name => cache.byoHosts.byIndex(HOST_NAME, name),
    requestsPinning: (hostName, hostId) =>
      served([
        ...new Set([
          ...cache.requests.byIndex(PINNED_HOSTS, `name:${hostName}`),
          ...cache.requests.byIndex(PINNED_HOSTS, `id:${hostId}`),
        ]),
      ]),
    requestsForCluster: (namespace, clusterName) => served(cache.requests.byIndex(CLUSTER_NAME, `${namespace}/${clusterName}`)),
    claimHolder: (pinningLabel, hostId) => {
      const claim = cache.claims.get(hostClaimName(pinningLabel, hostId), claimsNamespace());
      const holder = claim && holderOf(claim);
      const pr = holder && cache.requests.get(holder.name, holder.namespace);
      // A holder the informer does not know (yet, or any more) is not denied on: the reconciler's create decides.
      return pr && pr.metadata.uid === holder.uid && !pr.metadata.deletionTimestamp ? pr : undefined;
    },
  };
});
