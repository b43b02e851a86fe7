/**
 * The REST transport's mapping (pure) between a FocomProvisioningRequest and the O2 IMS REST model.
 *
 * The mirrored request's id is the FocomProvisioningRequest's metadata.uid: a UUID as the O2 IMS spec wants, stable
 * across retries and restarts (a create retried after a lost answer meets 409 or the same request, never a second
 * one), and ownership needs no label: the id is the owner.
 */
import type { ProvisioningRequestStatus } from "../../api/generated/types";
import { FOCOM_REQUEST_UID_LABEL } from "../../api/vocabulary";
import { canonicalJson } from "../../kube/json";
import type { FPRObject } from "./cache";
import type { ProvisioningRequestData, ProvisioningRequestInfo } from "./o2ims-client";
import type { RemoteRef, RemoteRequest } from "./remote";

/** Default key of the bearer token in the Secret spec.o2ims.tokenSecretRef names. */
export const TOKEN_KEY = "token";

/** Where a request lives over REST, for messages: "provisioningRequests/<uid>". */
export const restRefOf = (fpr: FPRObject): RemoteRef => ({ namespace: "provisioningRequests", name: fpr.metadata.uid ?? "" });

/** The ProvisioningRequestData a request is sent as. */
export function dataOf(fpr: FPRObject): ProvisioningRequestData {
  const spec = fpr.spec ?? {};
  const data: ProvisioningRequestData = {
    provisioningRequestId: fpr.metadata.uid ?? "",
    name: spec.name ?? fpr.metadata.name,
    templateName: spec.templateName ?? "",
    // Admission defaults it from the TemplateInfo; an empty one is the O-Cloud's to refuse, naming the field.
    templateVersion: spec.templateVersion ?? "",
    templateParameters: (spec.templateParameters as Record<string, unknown> | undefined) ?? {},
  };
  if (spec.description !== undefined) data.description = spec.description;
  return data;
}

/**
 * Whether the O-Cloud's request lacks something FOCOM would send (level-based: compared every pass). Parameters
 * compare as "every value sent is there": the O-Cloud's admission may add defaults of its own, which must not make
 * every pass a PUT. A parameter removed from the request is sent by the generation check (rest-transport.ts).
 */
export function needsUpdate(info: ProvisioningRequestInfo, data: ProvisioningRequestData): boolean {
  const fields = ["name", "description", "templateName", "templateVersion"] as const;
  if (fields.some(f => info[f] !== data[f])) return true;
  return !contains(info.templateParameters ?? {}, data.templateParameters);
}

/** Whether have holds every value of want (objects recursively; arrays and scalars exactly). */
export function contains(have: unknown, want: unknown): boolean {
  if (isPlainObject(want) && isPlainObject(have))
    return Object.entries(want).every(([k, v]) => v === undefined || contains(have[k], v));
  return canonicalJson(have) === canonicalJson(want);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

type State = NonNullable<NonNullable<ProvisioningRequestStatus["provisioningStatus"]>["provisioningState"]>;

/**
 * The O2 IMS view as the RemoteRequest the status code mirrors (capabilities/focom/status.ts): the upper-case phase
 * becomes the CR's lower-case state; DELETING also marks the object as being deleted, as the CR's deletionTimestamp
 * would. The uid label says whose it is (the id is the uid).
 */
export function remoteOf(info: ProvisioningRequestInfo): RemoteRequest {
  const s = info.status ?? {};
  const state = s.provisioningPhase?.toLowerCase() as State | undefined;
  const resources = s.provisionedResources;
  return {
    apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
    kind: "ProvisioningRequest",
    metadata: {
      name: info.provisioningRequestId,
      labels: { [FOCOM_REQUEST_UID_LABEL]: info.provisioningRequestId },
      ...(state === "deleting" ? { deletionTimestamp: s.updateTime ?? new Date(0).toISOString() } : {}),
    },
    spec: {
      ...(info.name !== undefined ? { name: info.name } : {}),
      ...(info.description !== undefined ? { description: info.description } : {}),
      templateName: info.templateName ?? "",
      ...(info.templateVersion !== undefined ? { templateVersion: info.templateVersion } : {}),
      templateParameters: info.templateParameters ?? {},
    },
    status: {
      provisioningStatus: {
        ...(state ? { provisioningState: state } : {}),
        ...(s.message !== undefined ? { provisioningMessage: s.message } : {}),
        ...(s.updateTime ? { provisioningUpdateTime: s.updateTime } : {}),
      },
      ...(resources ? { provisionedResourceSet: { ...resources } } : {}),
    },
  };
}

/** Whether a request's state is settled (fulfilled or failed): polled less often then. */
export const isSettled = (info: ProvisioningRequestInfo | undefined) =>
  info?.status?.provisioningPhase === "FULFILLED" || info?.status?.provisioningPhase === "FAILED";
