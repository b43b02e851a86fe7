/**
 * The informer-backed AdmissionView: started on the first admission request, shared afterwards. A request naming
 * an OCloud or TemplateInfo the informers do not hold yet gets a live read of its namespace before any denial.
 */
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { TemplateInfoObject } from "../../generators/templates";
import { R } from "../../kube/resources";
import { isWatcher, localClient, once } from "../runtime";
import { AdmissionView, referencesMissing } from "./admission";
import { FocomCache, OCloudObject } from "./cache";
import { focomController } from "./controller";

const sharedCache = once(async (): Promise<FocomCache> => {
  // In dev mode one process serves admission and runs the controller: share its informers.
  const cache = isWatcher()
    ? (await focomController()).cache
    : new FocomCache(await localClient("o-cloud-provisioner/focom-admission"), { requests: false });
  await cache.start();
  return cache;
});

export async function admissionView(namespace: string, spec: FocomProvisioningRequestSpec): Promise<AdmissionView> {
  const cache = await sharedCache();
  const cached: AdmissionView = {
    oClouds: () => cache.inNamespace(cache.oclouds, namespace),
    templateInfos: () => cache.inNamespace(cache.templateInfos, namespace),
  };
  if (!referencesMissing(spec, cached)) return cached;
  const [oclouds, templateInfos] = await Promise.all([
    cache.client.list<OCloudObject>(R.OCloud, { namespace }),
    cache.client.list<TemplateInfoObject>(R.TemplateInfo, { namespace }),
  ]);
  return { oClouds: () => oclouds, templateInfos: () => templateInfos };
}
