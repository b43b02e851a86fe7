/**
 * The O2 IMS inventory objects this server answers (O-RAN.WG6.O2IMS-INTERFACE R004 §3.2.6.2: OCloudInfo,
 * ResourceTypeInfo, ResourcePoolInfo, ResourceInfo, DeploymentManagerInfo), and the Kubernetes shapes they are read
 * from. What the spec leaves to the implementation is under `extensions` (o2ims-api/openapi/inventory.yaml).
 */
import type { KubeObject } from "../../kube/types";

export interface CloudInfo {
  oCloudId: string;
  globalCloudId: string;
  name: string;
  description: string;
  serviceUri: string;
  extensions: Record<string, unknown>;
}

export interface ResourceType {
  resourceTypeId: string;
  name: string;
  description: string;
  vendor: string;
  model: string;
  version: string;
  resourceKind: "PHYSICAL" | "LOGICAL" | "UNDEFINED";
  resourceClass: "COMPUTE" | "NETWORKING" | "STORAGE" | "UNDEFINED";
  extensions: Record<string, unknown>;
}

export interface ResourcePool {
  resourcePoolId: string;
  name: string;
  description: string;
  oCloudId: string;
  globalLocationId: string;
  location: string;
  extensions: { namespace: string };
}

export interface HostAddress {
  interface: string;
  address: string;
  macAddress: string;
  isDefault: boolean;
}

export interface Resource {
  resourceId: string;
  resourceTypeId: string;
  resourcePoolId: string;
  globalAssetId: string;
  description: string;
  extensions: {
    name: string;
    namespace: string;
    /** The pinning label and its value (the hostId a ProvisioningRequest names), or null when the host has none. */
    pinning: { label: string; value: string } | null;
    addresses: HostAddress[];
    /** free: no machine attached (BYOH may select it); attached: BYOH attached it to a machine of `cluster`. */
    state: "free" | "attached";
    /** The cluster the host is attached to (namespace/name) and its deploymentManagerId once the Cluster is known. */
    cluster: { namespace: string; name: string; deploymentManagerId: string | null } | null;
    machineRef: { kind: string; namespace: string; name: string } | null;
    hostDetails: { osName: string; osImage: string; architecture: string };
    /** K8sNodeBootstrapSucceeded as the BYOH agent reports it (status, reason), or null before the agent wrote it. */
    bootstrap: { status: string; reason: string; message: string } | null;
    labels: Record<string, string>;
  };
}

export interface DeploymentManager {
  deploymentManagerId: string;
  name: string;
  description: string;
  oCloudId: string;
  /** https://<controlPlaneEndpoint.host>:<port>, or "" while Cluster API has not set the endpoint. No credential. */
  serviceUri: string;
  supportedLocations: string[];
  capabilities: Record<string, unknown>;
  capacity: Record<string, unknown>;
  extensions: {
    namespace: string;
    phase: string;
    controlPlaneReady: boolean;
    infrastructureReady: boolean;
    /** The ProvisioningRequest that made the cluster (its provisioningRequestId = name), or null for another's. */
    provisioningRequest: { namespace: string; name: string } | null;
  };
}

/** A ByoHost as the BYOH agent and controller write it (byoh-capi-notes §1.3), only the fields read here. */
export interface ByoHost extends KubeObject {
  status?: {
    machineRef?: { kind?: string; namespace?: string; name?: string; uid?: string } | null;
    hostinfo?: { osname?: string; osimage?: string; architecture?: string };
    network?: { networkInterfaceName?: string; ipAddrs?: string[]; macAddr?: string; isDefault?: boolean }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** A Cluster API v1beta1 Cluster, only the fields read here. */
export interface CapiCluster extends KubeObject {
  spec?: { controlPlaneEndpoint?: { host?: string; port?: number } };
  status?: { phase?: string; controlPlaneReady?: boolean; infrastructureReady?: boolean };
}

/** The kinds of inventory object a notification or a subscription filter is about. */
export type InventoryObjectType = "resource" | "resourcePool" | "deploymentManager";
