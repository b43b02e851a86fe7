/** What every simulated controller gets: the caches, the writer, the host pool and the queue. */
import type { KubeObject } from "../../kube/types";
import type { SimApi } from "./api";
import type { Expectations } from "./expectations";
import type { HostPool } from "./host-pool";
import type {
  ByoCluster,
  ByoHost,
  ByoMachine,
  ByoMachineTemplate,
  Cluster,
  ClusterResourceSet,
  ClusterResourceSetBinding,
  KubeadmConfigTemplate,
  KubeadmControlPlane,
  Machine,
  MachineDeployment,
  MachineSet,
  ResourceObject,
} from "./model";
import type { LabelSelector } from "./selector";
import type { Store } from "./store";

/** A host's simulated misbehaviour: its agent fails kubeadm, or takes longer before its node is ready. */
export type HostFault = "bootstrap-failure" | { slowMs: number };
/** Faults by ByoHost name (= host name). */
export type Faults = Record<string, HostFault>;

export type Kind =
  | "Cluster"
  | "ByoCluster"
  | "KubeadmControlPlane"
  | "MachineDeployment"
  | "MachineSet"
  | "Machine"
  | "ByoMachine"
  | "ByoHost"
  | "ClusterResourceSet"
  | "ClusterResourceSetBinding";

export type Result = { requeueAfterMs?: number } | void;

/** Index names shared by the simulator's wiring and its reconcilers. */
export const IDX = {
  /** uid of the controller owner */
  owner: "owner",
  /** `<ns>/<cluster name>` */
  cluster: "cluster",
  /** `<Kind>/<ns>/<name>` of the ByoCluster and KCP a Cluster references */
  ref: "ref",
  /** ByoHost: `<ns>.<byomachine>` from the byomachine-name label and from status.machineRef */
  attached: "attached",
  /** ByoHost: metadata.name (faults are given by host name) */
  name: "name",
  /** metadata.namespace */
  namespace: "namespace",
} as const;

export interface Caches {
  clusters: Store<Cluster>;
  byoClusters: Store<ByoCluster>;
  kcps: Store<KubeadmControlPlane>;
  machineDeployments: Store<MachineDeployment>;
  machineSets: Store<MachineSet>;
  machines: Store<Machine>;
  byoMachines: Store<ByoMachine>;
  byoHosts: Store<ByoHost>;
  byoMachineTemplates: Store<ByoMachineTemplate>;
  kubeadmConfigTemplates: Store<KubeadmConfigTemplate>;
  clusterResourceSets: Store<ClusterResourceSet>;
  clusterResourceSetBindings: Store<ClusterResourceSetBinding>;
  /** ConfigMaps a ClusterResourceSet may reference (all of the plane; Secrets are read on demand). */
  configMaps: Store<ResourceObject>;
}

export interface SimContext {
  api: SimApi;
  caches: Caches;
  hosts: HostPool;
  expectations: Expectations;
  /** ByoMachines that found no free host, with their selectors: a host that frees up wakes the matching ones. */
  waitingForHost: Map<string, LabelSelector | undefined>;
  /** When each host's agent started its current bootstrap or cleanup (`<hostKey>|<step>`), for delays. */
  agentClock: Map<string, number>;
  /** KubeadmConfigs known to exist, by Machine uid (the created object, or undefined when an earlier run made it). */
  createdConfigs: Map<string, KubeObject | undefined>;
  /** `<uid>|<finalizer>` removed already: a stale cache must not make a reconcile remove it (and clean up) again. */
  finalized: Set<string>;
  stepDelayMs: number;
  /** Create a placeholder for a missing ConfigMap a ClusterResourceSet references (see SimulatorOptions). */
  cniPlaceholders: boolean;
  fault(hostName: string): HostFault | undefined;
  now(): string;
  /** Records a core/v1 Event, never failing the reconcile. */
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, component: string): void;
  log(message: string): void;
}
