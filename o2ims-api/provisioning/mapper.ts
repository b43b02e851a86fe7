/**
 * Pure mapping between the O2 IMS provisioning model and the ProvisioningRequest CR:
 *   provisioningRequestId        <-> metadata.name (in the served namespace)
 *   name, description, templateName, templateVersion, templateParameters <-> spec.* (same names)
 *   status.provisioningPhase     <-  status.provisioningStatus.provisioningState, upper-cased; none yet = PENDING;
 *                                    a request being deleted = DELETING whatever its last state; a settled state
 *                                    (FULFILLED, FAILED) of an earlier spec = PROGRESSING until the O-Cloud has
 *                                    processed the latest one (status.observedGeneration < metadata.generation)
 *   status.message               <-  status.provisioningStatus.provisioningMessage
 *   status.updateTime            <-  status.provisioningStatus.provisioningUpdateTime, else metadata.creationTimestamp
 *   status.provisionedResources  <-  status.provisionedResourceSet (Cluster UID, attached ByoHost UIDs)
 */
import type { ProvisioningRequestSpec, ProvisioningRequestStatus } from "../../api/generated/types";
import { apiVersionOf, R } from "../../kube/resources";
import type { KubeObject } from "../../kube/types";
import {
  PROVISIONING_PHASES,
  type ProvisioningPhase,
  type ProvisioningRequestData,
  type ProvisioningRequestInfo,
} from "../../api/o2ims-rest";

export type PrObject = KubeObject & { spec?: ProvisioningRequestSpec; status?: ProvisioningRequestStatus };

export { PROVISIONING_PHASES as PHASES };
export type { ProvisioningPhase, ProvisioningRequestData, ProvisioningRequestInfo };

export function phaseOf(pr: PrObject): ProvisioningPhase {
  if (pr.metadata.deletionTimestamp) return "DELETING";
  const state = pr.status?.provisioningStatus?.provisioningState;
  const upper = state?.toUpperCase() as ProvisioningPhase | undefined;
  if (!upper || !PROVISIONING_PHASES.includes(upper)) return "PENDING";
  // Right after a PUT (a scale) the CR still shows the last spec's outcome: a client must not read it as this one's.
  const observed = pr.status?.observedGeneration;
  const stale = observed !== undefined && pr.metadata.generation !== undefined && observed < pr.metadata.generation;
  return stale && (upper === "FULFILLED" || upper === "FAILED") ? "PROGRESSING" : upper;
}

/** The REST view of a CR. Absent optional fields are left out, not null. */
export function toInfo(pr: PrObject): ProvisioningRequestInfo {
  const spec = pr.spec ?? ({ templateName: "", templateParameters: {} } as ProvisioningRequestSpec);
  const ps = pr.status?.provisioningStatus;
  const set = pr.status?.provisionedResourceSet;
  const status: ProvisioningRequestInfo["status"] = {
    provisioningPhase: phaseOf(pr),
    updateTime: ps?.provisioningUpdateTime ?? pr.metadata.creationTimestamp ?? new Date(0).toISOString(),
  };
  if (ps?.provisioningMessage !== undefined) status.message = ps.provisioningMessage;
  if (set && (set.oCloudNodeClusterId || set.oCloudInfrastructureResourceIds?.length)) {
    status.provisionedResources = {};
    if (set.oCloudNodeClusterId) status.provisionedResources.oCloudNodeClusterId = set.oCloudNodeClusterId;
    if (set.oCloudInfrastructureResourceIds)
      status.provisionedResources.oCloudInfrastructureResourceIds = [...set.oCloudInfrastructureResourceIds];
  }
  const info: ProvisioningRequestInfo = {
    provisioningRequestId: pr.metadata.name,
    templateName: spec.templateName,
    templateParameters: spec.templateParameters ?? {},
    status,
  };
  if (spec.name !== undefined) info.name = spec.name;
  if (spec.description !== undefined) info.description = spec.description;
  if (spec.templateVersion !== undefined) info.templateVersion = spec.templateVersion;
  // Key order as the spec lists them, for readable answers.
  const { provisioningRequestId, name, description, templateName, templateVersion, templateParameters } = info;
  return JSON.parse(
    JSON.stringify({ provisioningRequestId, name, description, templateName, templateVersion, templateParameters, status }),
  ) as ProvisioningRequestInfo;
}

/** The spec a ProvisioningRequestData asks for (a PUT replaces the whole spec with it). */
export function toSpec(data: ProvisioningRequestData): ProvisioningRequestSpec {
  const spec: ProvisioningRequestSpec = {
    name: data.name,
    templateName: data.templateName,
    templateVersion: data.templateVersion,
    templateParameters: data.templateParameters,
  };
  if (data.description !== undefined) spec.description = data.description;
  return spec;
}

/** A new CR for a POST. */
export function toObject(data: ProvisioningRequestData, namespace: string): PrObject {
  return {
    apiVersion: apiVersionOf(R.ProvisioningRequest),
    kind: R.ProvisioningRequest.kind,
    metadata: { name: data.provisioningRequestId, namespace },
    spec: toSpec(data),
  };
}
