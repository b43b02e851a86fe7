/**
 * The ProvisioningRequest a FocomProvisioningRequest is mirrored as on its O-Cloud (pure): its name, spec, and the
 * labels and annotations linking it back. The request-uid label decides ownership: a same-named object with another
 * uid belongs to someone else and is never overwritten.
 */
import type { ProvisioningRequestSpec, ProvisioningRequestStatus } from "../../api/generated/types";
import { remoteRequestName, sanitizeLabelValue } from "../../generators/names";
import {
  FOCOM_GENERATION_ANNOTATION,
  FOCOM_OCLOUD_ANNOTATION,
  FOCOM_REQUEST_ANNOTATION,
  FOCOM_REQUEST_NAME_LABEL,
  FOCOM_REQUEST_NAMESPACE_LABEL,
  FOCOM_REQUEST_UID_LABEL,
} from "../../api/vocabulary";
import type { KubeObject } from "../../kube/types";
import type { FPRObject } from "./cache";

export interface RemoteRequest extends KubeObject {
  spec?: ProvisioningRequestSpec;
  status?: ProvisioningRequestStatus;
}

export interface RemoteRef {
  name: string;
  namespace: string;
}

/** Where the request's ProvisioningRequest lives on the O-Cloud. */
export function remoteRefOf(fpr: FPRObject): RemoteRef {
  return { name: remoteRequestName(fpr.metadata.name), namespace: fpr.spec?.oCloudNamespace || fpr.metadata.namespace! };
}

export function desiredRemote(fpr: FPRObject, ocloud: KubeObject): RemoteRequest {
  const ref = remoteRefOf(fpr);
  const spec = fpr.spec ?? {};
  return {
    apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
    kind: "ProvisioningRequest",
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: {
        [FOCOM_REQUEST_NAME_LABEL]: sanitizeLabelValue(fpr.metadata.name),
        [FOCOM_REQUEST_NAMESPACE_LABEL]: sanitizeLabelValue(fpr.metadata.namespace!),
        [FOCOM_REQUEST_UID_LABEL]: fpr.metadata.uid!,
      },
      annotations: {
        [FOCOM_REQUEST_ANNOTATION]: `${fpr.metadata.namespace}/${fpr.metadata.name}`,
        [FOCOM_OCLOUD_ANNOTATION]: `${ocloud.metadata.namespace}/${ocloud.metadata.name}`,
        [FOCOM_GENERATION_ANNOTATION]: String(fpr.metadata.generation ?? 0),
      },
    },
    spec: {
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      templateName: spec.templateName!,
      ...(spec.templateVersion !== undefined ? { templateVersion: spec.templateVersion } : {}),
      templateParameters: spec.templateParameters ?? {},
    },
  };
}

export const isOwnedBy = (remote: KubeObject, fpr: FPRObject) =>
  remote.metadata.labels?.[FOCOM_REQUEST_UID_LABEL] === fpr.metadata.uid;

/**
 * Whether the remote lacks a label or annotation the desired object carries: the request changed since the last
 * apply (generation annotation), an earlier write was refused, or someone edited the links.
 */
export function needsApply(remote: KubeObject, desired: KubeObject): boolean {
  const differs = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
    Object.entries(want ?? {}).some(([k, v]) => have?.[k] !== v);
  return (
    differs(desired.metadata.labels, remote.metadata.labels) || differs(desired.metadata.annotations, remote.metadata.annotations)
  );
}

/** The FOCOM request a remote ProvisioningRequest points back to: its "namespace/name" key and uid. */
export function requestOf(remote: KubeObject): { key: string; uid?: string } | undefined {
  const key = remote.metadata.annotations?.[FOCOM_REQUEST_ANNOTATION];
  return key?.includes("/") ? { key, uid: remote.metadata.labels?.[FOCOM_REQUEST_UID_LABEL] } : undefined;
}
