/**
 * The O2 IMS provisioning API's wire shapes (o2ims-api/openapi/provisioning.yaml), in one place: the REST server
 * (o2ims-api/provisioning) answers with them and FOCOM's REST transport (capabilities/focom/o2ims-client.ts) sends
 * and reads them. The OpenAPI document is the contract; these types follow it.
 */

export const PROVISIONING_PATH = "/o2ims-infrastructureProvisioning/v1/provisioningRequests";
/** The server's ProvisioningRequest state subscriptions (o2ims-api/openapi/provisioning-subscriptions.yaml). */
export const PROVISIONING_SUBSCRIPTIONS_PATH = "/o2ims-infrastructureProvisioning/v1/subscriptions";

export const PROVISIONING_PHASES = ["PENDING", "PROGRESSING", "FULFILLED", "FAILED", "DELETING"] as const;
export type ProvisioningPhase = (typeof PROVISIONING_PHASES)[number];

/** ProvisioningRequestData: what a client POSTs or PUTs. */
export interface ProvisioningRequestData {
  provisioningRequestId: string;
  name: string;
  description?: string;
  templateName: string;
  templateVersion: string;
  templateParameters: Record<string, unknown>;
}

/** ProvisioningRequestInfo: what the server answers. */
export interface ProvisioningRequestInfo {
  provisioningRequestId: string;
  name?: string;
  description?: string;
  templateName: string;
  templateVersion?: string;
  templateParameters: Record<string, unknown>;
  status: {
    provisioningPhase: ProvisioningPhase;
    message?: string;
    updateTime: string;
    provisionedResources?: { oCloudNodeClusterId?: string; oCloudInfrastructureResourceIds?: string[] };
  };
}
