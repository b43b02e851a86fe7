/**
 * Names and object shapes of the Cluster API v1beta1 + BYOH objects the simulator reads and writes
 * (byoh-capi-notes §1, §4.5, §6.2). Only the fields the simulator touches are typed.
 */
import type { KubeObject } from "../../kube/types";
import type { CapiCondition } from "./conditions";
import type { LabelSelector } from "./selector";

export const FIELD_MANAGER = "capi-simulator";
/** The BYOH agent registers hosts with its own identity; a separate manager keeps managedFields honest. */
export const AGENT_FIELD_MANAGER = "byoh-agent";

export const LABEL = {
  clusterName: "cluster.x-k8s.io/cluster-name",
  controlPlane: "cluster.x-k8s.io/control-plane",
  controlPlaneName: "cluster.x-k8s.io/control-plane-name",
  deploymentName: "cluster.x-k8s.io/deployment-name",
  setName: "cluster.x-k8s.io/set-name",
  templateHash: "machine-template-hash",
  byoMachineName: "byoh.infrastructure.cluster.x-k8s.io/byomachine-name",
} as const;

export const ANNOTATION = {
  endpointIp: "byoh.infrastructure.cluster.x-k8s.io/endpointip",
  k8sVersion: "byoh.infrastructure.cluster.x-k8s.io/k8sversion",
  bundleRegistry: "byoh.infrastructure.cluster.x-k8s.io/bundle-registry",
  unregistering: "byoh.infrastructure.cluster.x-k8s.io/unregistering",
  paused: "cluster.x-k8s.io/paused",
  clonedFromName: "cluster.x-k8s.io/cloned-from-name",
  clonedFromGroupKind: "cluster.x-k8s.io/cloned-from-groupkind",
  revision: "machinedeployment.clusters.x-k8s.io/revision",
} as const;

/** Every annotation BYOH puts on a ByoHost; the agent removes them all when it releases the host. */
export const BYOH_HOST_ANNOTATIONS = [
  ANNOTATION.endpointIp,
  ANNOTATION.k8sVersion,
  ANNOTATION.bundleRegistry,
  ANNOTATION.unregistering,
  ANNOTATION.paused,
];

export const FINALIZER = {
  cluster: "cluster.cluster.x-k8s.io",
  machine: "machine.cluster.x-k8s.io",
  kcp: "kubeadm.controlplane.cluster.x-k8s.io",
  machineDeployment: "cluster.x-k8s.io/machinedeployment",
  machineSet: "cluster.x-k8s.io/machineset",
  byoCluster: "byocluster.infrastructure.cluster.x-k8s.io",
  clusterResourceSet: "addons.cluster.x-k8s.io",
  byoMachine: "byomachine.infrastructure.cluster.x-k8s.io",
} as const;

export const CONDITION = {
  ready: "Ready",
  infrastructureReady: "InfrastructureReady",
  controlPlaneReady: "ControlPlaneReady",
  controlPlaneInitialized: "ControlPlaneInitialized",
  available: "Available",
  machinesReady: "MachinesReady",
  machinesCreated: "MachinesCreated",
  machinesSpecUpToDate: "MachinesSpecUpToDate",
  certificatesAvailable: "CertificatesAvailable",
  resized: "Resized",
  machineSetReady: "MachineSetReady",
  bootstrapReady: "BootstrapReady",
  nodeHealthy: "NodeHealthy",
  byoHostReady: "BYOHostReady",
  k8sNodeBootstrapSucceeded: "K8sNodeBootstrapSucceeded",
  dataSecretAvailable: "DataSecretAvailable",
  resourcesApplied: "ResourcesApplied",
} as const;

export const REASON = {
  waitingForMachineRef: "WaitingForMachineRefToBeAssigned",
  bootstrapDataSecretUnavailable: "BootstrapDataSecretUnavailable",
  cloudInitExecutionFailed: "CloudInitExecutionFailed",
  waitingForClusterInfrastructure: "WaitingForClusterInfrastructure",
  waitingForBootstrapDataSecret: "WaitingForBootstrapDataSecret",
  byoHostsUnavailable: "BYOHostsUnavailable",
  nodeConditionsFailed: "NodeConditionsFailed",
  retrievingResourceFailed: "RetrievingResourceFailed",
  wrongSecretType: "WrongSecretType",
  remoteClusterClientFailed: "RemoteClusterClientFailed",
} as const;

export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  name: string;
  namespace?: string;
  uid?: string;
}

export interface Endpoint {
  host?: string;
  port?: number;
}

interface Status {
  conditions?: CapiCondition[];
  observedGeneration?: number;
}

export interface Cluster extends KubeObject {
  spec?: { controlPlaneRef?: ObjectRef; infrastructureRef?: ObjectRef; controlPlaneEndpoint?: Endpoint; paused?: boolean };
  status?: Status & { phase?: string; infrastructureReady?: boolean; controlPlaneReady?: boolean };
}

export interface ByoCluster extends KubeObject {
  spec?: { controlPlaneEndpoint?: Endpoint; bundleLookupBaseRegistry?: string };
  status?: Status & { ready?: boolean };
}

export interface KubeadmControlPlane extends KubeObject {
  spec?: {
    replicas?: number;
    version?: string;
    machineTemplate?: { infrastructureRef?: ObjectRef; metadata?: { labels?: Record<string, string> } };
    kubeadmConfigSpec?: Record<string, unknown>;
  };
  status?: Status & {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    unavailableReplicas?: number;
    initialized?: boolean;
    ready?: boolean;
    version?: string;
    selector?: string;
  };
}

export interface MachineTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: MachineSpec;
}

export interface IntOrString {
  maxSurge?: number | string;
  maxUnavailable?: number | string;
}

export interface MachineDeployment extends KubeObject {
  spec?: {
    clusterName?: string;
    replicas?: number;
    selector?: LabelSelector;
    strategy?: { type?: string; rollingUpdate?: IntOrString };
    template?: MachineTemplateSpec;
  };
  status?: Status & {
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    phase?: string;
    selector?: string;
  };
}

export interface MachineSet extends KubeObject {
  spec?: { clusterName?: string; replicas?: number; selector?: LabelSelector; template?: MachineTemplateSpec };
  status?: Status & {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    selector?: string;
  };
}

export interface MachineSpec {
  clusterName?: string;
  version?: string;
  providerID?: string;
  bootstrap?: { configRef?: ObjectRef; dataSecretName?: string };
  infrastructureRef?: ObjectRef;
}

export interface Machine extends KubeObject {
  spec?: MachineSpec;
  status?: Status & {
    phase?: string;
    bootstrapReady?: boolean;
    infrastructureReady?: boolean;
    nodeRef?: ObjectRef;
    failureReason?: string;
    [k: string]: unknown;
  };
}

export interface ByoMachineSpec {
  selector?: LabelSelector;
  installerRef?: ObjectRef;
  providerID?: string;
}

export interface ByoMachine extends KubeObject {
  spec?: ByoMachineSpec;
  status?: Status & { ready?: boolean; hostinfo?: HostInfo };
}

export interface ByoMachineTemplate extends KubeObject {
  spec?: { template?: { spec?: ByoMachineSpec } };
}

export interface KubeadmConfigTemplate extends KubeObject {
  spec?: { template?: { spec?: Record<string, unknown> } };
}

export interface HostInfo {
  osname?: string;
  osimage?: string;
  architecture?: string;
}

export interface ByoHost extends KubeObject {
  spec?: { bootstrapSecret?: ObjectRef | null };
  status?: Status & {
    machineRef?: ObjectRef | null;
    hostinfo?: HostInfo;
    network?: { networkInterfaceName?: string; ipAddrs?: string[]; macAddr: string; isDefault?: boolean; connected?: boolean }[];
  };
}

/** A ClusterResourceSet resource: a ConfigMap or a Secret (type addons.cluster.x-k8s.io/resource-set), same namespace. */
export interface ResourceRef {
  kind: "ConfigMap" | "Secret" | string;
  name: string;
}

export interface ClusterResourceSet extends KubeObject {
  spec?: { clusterSelector?: LabelSelector; resources?: ResourceRef[]; strategy?: "ApplyOnce" | "Reconcile" | string };
  status?: Status;
}

export interface ResourceBinding extends ResourceRef {
  applied: boolean;
  hash?: string;
  lastAppliedTime?: string;
}

/** One per cluster (named like it): which ClusterResourceSets' resources reached the workload cluster. */
export interface ClusterResourceSetBinding extends KubeObject {
  spec?: { clusterName?: string; bindings?: { clusterResourceSetName: string; resources?: ResourceBinding[] }[] };
}

/** A ConfigMap or Secret a ClusterResourceSet references (only the fields read here). */
export interface ResourceObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** The Secret type a ClusterResourceSet accepts (addonsv1.ClusterResourceSetSecretType). */
export const RESOURCE_SET_SECRET_TYPE = "addons.cluster.x-k8s.io/resource-set";

/** `ns/name`, the key every cache and queue uses. */
export const nsName = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);
export const keyOfObj = (o: KubeObject) => nsName(o.metadata.namespace, o.metadata.name);

export const isDeleting = (o: KubeObject) => !!o.metadata.deletionTimestamp;

/** The owner reference that is the object's controller (CAPI's parent), optionally of one kind. */
export function controllerOf(o: KubeObject, kind?: string) {
  return o.metadata.ownerReferences?.find(r => r.controller && (!kind || r.kind === kind));
}

export const ownerOfKind = (o: KubeObject, kind: string) => o.metadata.ownerReferences?.find(r => r.kind === kind);
