/**
 * The informer-backed AdmissionView: started on the first admission request, shared afterwards. A request naming
 * an OCloud or TemplateInfo the informers do not hold yet gets a live read of its namespace before any denial.
 * Then the O-Cloud judges the mirror itself: a server-side dry run through the same per-OCloud client the
 * reconciler uses, within a time budget.
 */
import { randomUUID } from "node:crypto";
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { TemplateInfoObject } from "../../generators/templates";
import { R } from "../../kube/resources";
import { errorMessage, isIgnoredNamespace, isWatcher, localClient, once, settings } from "../runtime";
import { isAllowedOCloudNamespace } from "../environment";
import {
  AdmissionView,
  isRemoteDenial,
  referencesMissing,
  remoteDenialMessage,
  RequestInput,
  unjudgedWarning,
} from "./admission";
import { FocomCache, FPRObject, OCloudObject } from "./cache";
import { FIELD_MANAGER, focomController } from "./controller";
import { OCloudConnections } from "./oclouds";
import { desiredRemote, remoteRefOf } from "./remote";
import { O2imsError } from "./o2ims-client";
import { RestConnections } from "./rest-connections";
import { dataOf, restRefOf, transportOf } from "./transport";

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
    isIgnoredNamespace,
    isAllowedOCloudNamespace: ns => isAllowedOCloudNamespace(ns),
  };
  if (!referencesMissing(spec, cached)) return cached;
  const [oclouds, templateInfos] = await Promise.all([
    cache.client.list<OCloudObject>(R.OCloud, { namespace }),
    cache.client.list<TemplateInfoObject>(R.TemplateInfo, { namespace }),
  ]);
  return {
    oClouds: () => oclouds,
    templateInfos: () => templateInfos,
    isIgnoredNamespace,
    isAllowedOCloudNamespace: ns => isAllowedOCloudNamespace(ns),
  };
}

/** The connections to the O-Clouds: the controller's in the watcher (and dev mode), else admission's own. */
const connections = once(async (): Promise<OCloudConnections> => {
  if (isWatcher()) return (await focomController()).connections;
  // The reconciler's field manager, so a dry-run apply yields what the reconciler's apply would.
  const local = () => localClient(FIELD_MANAGER);
  return new OCloudConnections({
    fieldManager: FIELD_MANAGER,
    local,
    readSecret: async (name, ns) => (await local()).find(R.Secret, name, ns),
  });
});

/** Admission's own O2 IMS REST clients (the dry run of OClouds with spec.o2ims). */
const restConnections = once(async (): Promise<RestConnections> => {
  const local = await localClient(FIELD_MANAGER);
  return new RestConnections({
    readSecret: (name, ns) => local.find(R.Secret, name, ns),
    timeoutMs: settings.focomAdmissionBudgetMs,
  });
});

export interface Judgement {
  /** The denial, in the O-Cloud's words with the request's field paths; undefined when admitted. */
  denial?: string;
  warnings: string[];
}

/**
 * Asks the request's O-Cloud to judge its mirror: a server-side dry-run create (an update: a dry-run apply, as the
 * reconciler would apply it), so the O-Cloud's own admission (live ByoHosts, host claims, its template) answers at
 * `kubectl apply` time. Past the budget, or with the O-Cloud unreachable or not usable, the request is admitted with
 * a warning saying so; its status reports the O-Cloud's answer once the reconciler gets one.
 */
export async function judgeOnOCloud(
  input: RequestInput & { uid?: string; generation?: number },
  view: AdmissionView,
): Promise<Judgement> {
  const ocloud = view.oClouds().find(o => o.metadata.name === input.spec.oCloudId);
  if (!ocloud) return { warnings: [] }; // the local rules denied it already
  const fpr: FPRObject = {
    apiVersion: "focom.nephio.org/v1alpha1",
    kind: "FocomProvisioningRequest",
    metadata: { name: input.name, namespace: input.namespace, uid: input.uid, generation: input.generation },
    spec: input.spec,
  };
  const mirror = desiredRemote(fpr, ocloud);
  const rest = transportOf(ocloud) === "rest";
  const attempt = rest
    ? (async () => {
        // The dryRun=All extension of the O2 IMS provisioning API (o2ims-api/openapi/provisioning.yaml).
        const client = await (await restConnections()).connect(ocloud);
        // The API server gives the object its uid before validating admission; a stand-in keeps the id valid if not.
        if (input.operation === "CREATE")
          await client.create({ ...dataOf(fpr), provisioningRequestId: input.uid || randomUUID() }, true);
        else await client.update(dataOf(fpr), true);
      })()
    : (async () => {
        const { client } = await (await connections()).connect(ocloud);
        if (input.operation === "CREATE") await client.create(R.ProvisioningRequest, mirror, { dryRun: true });
        else await client.apply(R.ProvisioningRequest, mirror, { dryRun: true });
      })();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    attempt.then(
      () => ({ done: true as const }),
      (e: unknown) => ({ done: true as const, error: e }),
    ),
    new Promise<{ done: false }>(
      resolve => (timer = setTimeout(() => resolve({ done: false }), settings.focomAdmissionBudgetMs)),
    ),
  ]);
  clearTimeout(timer);
  const name = input.spec.oCloudId!;
  if (!outcome.done) {
    attempt.catch(() => undefined); // answered after the budget: nobody waits for it any more
    return { warnings: [unjudgedWarning(name, `no answer within ${settings.focomAdmissionBudgetMs} ms`)] };
  }
  if (!("error" in outcome)) return { warnings: [] };
  if (rest && isRestDenial(outcome.error))
    return { denial: remoteDenialMessage(name, restRefOf(fpr), outcome.error), warnings: [] };
  if (isRemoteDenial(outcome.error)) return { denial: remoteDenialMessage(name, remoteRefOf(fpr), outcome.error), warnings: [] };
  return { warnings: [unjudgedWarning(name, errorMessage(outcome.error).slice(0, 300))] };
}

/** A REST dry run refused for the request's own sake (400/422, or a webhook's 403), not the O-Cloud failing. */
function isRestDenial(e: unknown): e is O2imsError {
  return e instanceof O2imsError && ([400, 422].includes(e.status) || (e.status === 403 && /admission webhook/.test(e.message)));
}
