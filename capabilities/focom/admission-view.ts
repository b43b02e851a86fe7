/**
 * The informer-backed AdmissionView: started on the first admission request, shared afterwards. A request naming
 * an OCloud or TemplateInfo the informers do not hold yet gets a live read of its namespace before any denial.
 * Then the O-Cloud judges the mirror itself: a server-side dry run through the same per-OCloud client the
 * reconciler uses, within a time budget.
 */
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { TemplateInfoObject } from "../../generators/templates";
import { R } from "../../kube/resources";
import { errorMessage, isIgnoredNamespace, isWatcher, localClient, once, settings } from "../runtime";
import { isAllowedOCloudNamespace } from "../environment";
import { AdmissionView, referencesMissing, RequestInput, transportWarnings, unjudgedWarning } from "./admission";
import { FocomCache, FPRObject, OCloudObject } from "./cache";
import { FIELD_MANAGER, focomController } from "./controller";
import { KubeTransport } from "./kube-transport";
import { OCloudConnections } from "./oclouds";
import { RestConnections } from "./rest-connections";
import { RestTransport } from "./rest-transport";
import { Transports } from "./transport";

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

/**
 * The transports to the O-Clouds: the controller's in the watcher (and dev mode), else admission's own, whose REST
 * clients time out within the admission budget and which neither subscribe nor write OCloud status.
 */
const transports = once(async (): Promise<Transports> => {
  if (isWatcher()) return (await focomController()).transports;
  // The reconciler's field manager, so a dry-run apply yields what the reconciler's apply would.
  const local = () => localClient(FIELD_MANAGER);
  const readSecret = async (name: string, ns: string) => (await local()).find(R.Secret, name, ns);
  return new Transports(
    new KubeTransport(new OCloudConnections({ fieldManager: FIELD_MANAGER, local, readSecret })),
    new RestTransport({
      connections: new RestConnections({ readSecret, timeoutMs: settings.focomAdmissionBudgetMs }),
      pollMs: settings.focomRestPollSeconds * 1000,
    }),
  );
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
  const transport = (await transports()).for(ocloud);
  const attempt = transport.dryRun(fpr, ocloud, input.operation);
  const warnings = transportWarnings(input.spec, ocloud, input.namespace);
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
    return { warnings: [...warnings, unjudgedWarning(name, `no answer within ${settings.focomAdmissionBudgetMs} ms`)] };
  }
  if (!("error" in outcome)) return { warnings };
  const denial = transport.denialOf(outcome.error, fpr, ocloud);
  if (denial) return { denial, warnings: [] };
  return { warnings: [...warnings, unjudgedWarning(name, errorMessage(outcome.error).slice(0, 300))] };
}
