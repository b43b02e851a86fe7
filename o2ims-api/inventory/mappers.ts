/**
 * Pure mapping from the O-Cloud's Kubernetes objects to the O2 IMS inventory objects:
 * - a resource pool is a namespace holding ByoHosts (resourcePoolId = the Namespace's UID, name = its name): BYOH
 *   agents register into a namespace (--namespace), which is how an operator already groups hosts;
 * - a resource is a ByoHost (resourceId = the ByoHost's UID, which is what a ProvisioningRequest's
 *   status.provisionedResourceSet.oCloudInfrastructureResourceIds lists);
 * - a deployment manager is a Cluster API Cluster (deploymentManagerId = the Cluster's UID = the request's
 *   oCloudNodeClusterId); its serviceUri is the control-plane endpoint. No Secret is ever read, so no credential
 *   can appear.
 */
import {
  BYOH_BOOTSTRAP_CONDITION,
  CAPI_CLUSTER_NAME_LABEL,
  DEFAULT_HOST_PINNING_LABEL,
  O2IMS_REQUEST_ANNOTATION,
} from "../../api/vocabulary";
import type { KubeObject } from "../../kube/types";
import type {
  ByoHost,
  CapiCluster,
  CloudInfo,
  DeploymentManager,
  HostAddress,
  Resource,
  ResourcePool,
  ResourceType,
} from "./model";

/** The one resource type: a bare-metal host registered by the BYOH agent. A fixed id, so it survives restarts. */
export const BYOH_HOST_TYPE_ID = "5b0f1f6e-7a53-4c1a-9f43-8e2c1d3b6a01";

export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    resourceTypeId: BYOH_HOST_TYPE_ID,
    name: "byoh-host",
    description: "A bare-metal host registered by the Cluster API BYOH agent (ByoHost, infrastructure.cluster.x-k8s.io/v1beta1)",
    vendor: "",
    model: "",
    version: "v1beta1",
    resourceKind: "PHYSICAL",
    resourceClass: "COMPUTE",
    extensions: { kind: "ByoHost", apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1" },
  },
];

/** The base path of the inventory API; objectRef URIs in notifications are built from it. */
export const INVENTORY_BASE = "/o2ims-infrastructureInventory/v1";

export interface CloudSettings {
  /** The O-Cloud's id: the kube-system Namespace's UID, stable for the life of the cluster. */
  oCloudId: string;
  globalCloudId: string;
  name: string;
  description: string;
  serviceUri: string;
}

export function cloudInfo(s: CloudSettings): CloudInfo {
  return {
    oCloudId: s.oCloudId,
    globalCloudId: s.globalCloudId,
    name: s.name,
    description: s.description,
    serviceUri: s.serviceUri,
    extensions: {},
  };
}

export function toResourcePool(ns: KubeObject, oCloudId: string): ResourcePool {
  return {
    resourcePoolId: ns.metadata.uid ?? "",
    name: ns.metadata.name,
    description: `ByoHosts registered in namespace ${ns.metadata.name}`,
    oCloudId,
    globalLocationId: "",
    location: "",
    extensions: { namespace: ns.metadata.name },
  };
}

function addresses(host: ByoHost): HostAddress[] {
  return (host.status?.network ?? []).flatMap(nic =>
    (nic.ipAddrs ?? []).map(a => ({
      interface: nic.networkInterfaceName ?? "",
      // The agent reports CIDR notation (10.0.0.5/24); the address is what a consumer connects to.
      address: a.split("/")[0],
      macAddress: nic.macAddr ?? "",
      isDefault: nic.isDefault === true,
    })),
  );
}

/**
 * clusterUid: the deploymentManagerId of the Cluster the host is attached to, when that Cluster is known (the host's
 * cluster-name label names a Cluster in the machineRef's namespace).
 */
export function toResource(
  host: ByoHost,
  poolId: string,
  clusterUid: string | null,
  pinningLabel = DEFAULT_HOST_PINNING_LABEL,
): Resource {
  const labels = host.metadata.labels ?? {};
  const ref = host.status?.machineRef ?? null;
  const clusterName = labels[CAPI_CLUSTER_NAME_LABEL];
  const attached = Boolean(ref?.name) || clusterName !== undefined;
  const boot = host.status?.conditions?.find(c => c.type === BYOH_BOOTSTRAP_CONDITION);
  const info = host.status?.hostinfo ?? {};
  const ns = host.metadata.namespace ?? "";
  return {
    resourceId: host.metadata.uid ?? "",
    resourceTypeId: BYOH_HOST_TYPE_ID,
    resourcePoolId: poolId,
    globalAssetId: `byohost:${ns}/${host.metadata.name}`,
    description: `ByoHost ${ns}/${host.metadata.name}`,
    extensions: {
      name: host.metadata.name,
      namespace: ns,
      pinning: labels[pinningLabel] !== undefined ? { label: pinningLabel, value: labels[pinningLabel] } : null,
      addresses: addresses(host),
      state: attached ? "attached" : "free",
      cluster:
        clusterName !== undefined
          ? { namespace: ref?.namespace ?? ns, name: clusterName, deploymentManagerId: clusterUid }
          : null,
      machineRef: ref?.name ? { kind: ref.kind ?? "ByoMachine", namespace: ref.namespace ?? ns, name: ref.name } : null,
      hostDetails: { osName: info.osname ?? "", osImage: info.osimage ?? "", architecture: info.architecture ?? "" },
      bootstrap: boot ? { status: boot.status, reason: boot.reason ?? "", message: boot.message ?? "" } : null,
      labels: { ...labels },
    },
  };
}

/** "<namespace>/<name>" of the Cluster a ByoHost is attached to, or undefined for a free host. */
export function attachedClusterKey(host: ByoHost): string | undefined {
  const name = host.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
  if (name === undefined) return undefined;
  return `${host.status?.machineRef?.namespace ?? host.metadata.namespace ?? ""}/${name}`;
}

export function toDeploymentManager(cluster: CapiCluster, oCloudId: string): DeploymentManager {
  const ep = cluster.spec?.controlPlaneEndpoint;
  const request = cluster.metadata.annotations?.[O2IMS_REQUEST_ANNOTATION];
  const slash = request?.indexOf("/") ?? -1;
  const ns = cluster.metadata.namespace ?? "";
  return {
    deploymentManagerId: cluster.metadata.uid ?? "",
    name: cluster.metadata.name,
    description: `Cluster API Cluster ${ns}/${cluster.metadata.name}`,
    oCloudId,
    // Cluster API leaves {host: "", port: 0} until the control plane's endpoint is known.
    serviceUri: ep?.host && ep.port ? `https://${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${ep.port}` : "",
    supportedLocations: [],
    capabilities: {},
    capacity: {},
    extensions: {
      namespace: ns,
      phase: cluster.status?.phase ?? "",
      controlPlaneReady: cluster.status?.controlPlaneReady === true,
      infrastructureReady: cluster.status?.infrastructureReady === true,
      provisioningRequest: request && slash > 0 ? { namespace: request.slice(0, slash), name: request.slice(slash + 1) } : null,
    },
  };
}

export const resourceRef = (r: Resource) => `${INVENTORY_BASE}/resourcePools/${r.resourcePoolId}/resources/${r.resourceId}`;
export const poolRef = (p: ResourcePool) => `${INVENTORY_BASE}/resourcePools/${p.resourcePoolId}`;
export const deploymentManagerRef = (d: DeploymentManager) => `${INVENTORY_BASE}/deploymentManagers/${d.deploymentManagerId}`;
