/** The informer-backed AdmissionView: started on the first admission request, shared afterwards. */
import { isWatcher, localClient, once } from "../runtime";
import { o2imsController } from "./controller";
import type { AdmissionView } from "./admission";
import { CLUSTER_NAME, HOST_NAME, O2imsCache, PINNED_HOSTS } from "./cache";

export const admissionView = once(async (): Promise<AdmissionView> => {
  // In dev mode one process serves admission and runs the controller: share its informers.
  const cache = isWatcher()
    ? (await o2imsController()).cache
    : new O2imsCache(await localClient("o-cloud-provisioner/o2ims-admission"), { capi: false });
  await cache.start();
  return {
    templates: () => cache.templates.list(),
    byoHostsNamed: name => cache.byoHosts.byIndex(HOST_NAME, name),
    requestsPinning: (hostName, hostId) => [
      ...new Set([
        ...cache.requests.byIndex(PINNED_HOSTS, `name:${hostName}`),
        ...cache.requests.byIndex(PINNED_HOSTS, `id:${hostId}`),
      ]),
    ],
    requestsForCluster: (namespace, clusterName) => cache.requests.byIndex(CLUSTER_NAME, `${namespace}/${clusterName}`),
  };
});
