/** The informer-backed AdmissionView: started on the first admission request, shared afterwards. */
import { isWatcher, localClient, once } from "../shared/runtime";
import { o2imsController } from "./controller";
import type { AdmissionView } from "./admission";
import { O2imsCache } from "./cache";

export const admissionView = once(async (): Promise<AdmissionView> => {
  // In dev mode one process serves admission and runs the controller: share its informers.
  const cache = isWatcher()
    ? (await o2imsController()).cache
    : new O2imsCache(await localClient("o-cloud-provisioner/o2ims-admission"), { capi: false });
  await cache.start();
  return {
    findTemplate: (name, version) => cache.findTemplate(name, version),
    templateVersions: name => cache.templateVersions(name),
    templateNames: () => cache.templateNames(),
    byoHosts: () => cache.byoHosts.list(),
    requests: () => cache.requests.list(),
  };
});
