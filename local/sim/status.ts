/**
 * Status computation for the simulated CAPI/BYOH objects (pure): each function takes the object and what it
 * observes, and returns the status CAPI v1beta1 (byoh-capi-notes §4.1–4.3) would write. The reconcilers
 * write it only when `statusDiffers` says something changed.
 */
import {
  CapiCondition,
  falseCondition,
  findCondition,
  isTrue,
  mirror,
  sameConditions,
  setConditions,
  summary,
  trueCondition,
  WantedCondition,
} from "./conditions";
import {
  ByoCluster,
  ByoHost,
  ByoMachine,
  Cluster,
  CONDITION,
  HostInfo,
  isDeleting,
  KubeadmControlPlane,
  LABEL,
  Machine,
  MachineDeployment,
  MachineSet,
  REASON,
} from "./model";
import { hostFromProviderId, lowestVersion, stableStringify } from "./names";

type Obj = Record<string, unknown>;

/** True when writing `desired` would change the current status (conditions compared without times). */
export function statusDiffers(current: Obj | undefined, desired: Obj): boolean {
  const cur = current ?? {};
  for (const [k, v] of Object.entries(desired)) {
    if (k === "conditions") {
      if (!sameConditions(cur.conditions as CapiCondition[] | undefined, v as CapiCondition[] | undefined)) return true;
    } else if (stableStringify(cur[k]) !== stableStringify(v)) return true;
  }
  return false;
}

export const isRunning = (m: Machine) => m.status?.phase === "Running" && !!m.status?.nodeRef && !isDeleting(m);
/**
 * Running with a Ready Node (NodeHealthy True): what KCP's readyReplicas and a MachineSet's readyReplicas count.
 * A Node without a CNI exists (nodeRef, phase Running) but is NotReady.
 */
export const isReady = (m: Machine) => isRunning(m) && isTrue(m.status?.conditions, CONDITION.nodeHealthy);
const live = (ms: Machine[]) => ms.filter(m => !isDeleting(m));

/** Aggregates the Ready conditions of machines (conditions.SetAggregate): True when all are Ready. */
function machinesReady(machines: Machine[]): WantedCondition {
  if (machines.length === 0) return falseCondition(CONDITION.machinesReady, "WaitingForMachines", "Info", "no machines yet");
  const notReady = machines.filter(m => !isReady(m));
  if (notReady.length === 0) return trueCondition(CONDITION.machinesReady);
  const first = findCondition(notReady[0].status?.conditions, CONDITION.ready);
  return falseCondition(
    CONDITION.machinesReady,
    first?.reason ?? "MachinesNotReady",
    first?.severity || "Info",
    `${notReady.length} of ${machines.length} machines are not ready`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Cluster

export interface ClusterInputs {
  byoCluster?: ByoCluster;
  kcp?: KubeadmControlPlane;
  now: string;
}

export function clusterStatus(cluster: Cluster, { byoCluster, kcp, now }: ClusterInputs): NonNullable<Cluster["status"]> {
  const prev = cluster.status ?? {};
  const infraReady = byoCluster?.status?.ready === true;
  const cpReady = kcp?.status?.ready === true;
  // ControlPlaneInitialized never flips back (CAPI: it tracks "the first control-plane node came up once").
  const initialized = kcp?.status?.initialized === true || isTrue(prev.conditions, CONDITION.controlPlaneInitialized);
  const infraCond = mirror(
    CONDITION.infrastructureReady,
    findCondition(byoCluster?.status?.conditions, CONDITION.ready),
    infraReady ? trueCondition("") : falseCondition("", "WaitingForInfrastructure", "Info"),
  );
  const cpCond = mirror(
    CONDITION.controlPlaneReady,
    findCondition(kcp?.status?.conditions, CONDITION.ready),
    cpReady ? trueCondition("") : falseCondition("", "WaitingForControlPlane", "Info"),
  );
  const initCond = initialized
    ? trueCondition(CONDITION.controlPlaneInitialized)
    : falseCondition(
        CONDITION.controlPlaneInitialized,
        "WaitingForControlPlaneProviderInitialized",
        "Info",
        "Waiting for control plane provider to indicate the control plane has been initialized",
      );
  const conditions = setConditions(
    prev.conditions,
    [infraCond, cpCond, initCond, summary(CONDITION.ready, [infraCond, cpCond])],
    now,
  );
  const endpointSet = !!cluster.spec?.controlPlaneEndpoint?.host;
  let phase: string;
  if (isDeleting(cluster)) phase = "Deleting";
  else if (!cluster.spec?.infrastructureRef) phase = "Pending";
  else if (infraReady && endpointSet) phase = "Provisioned";
  else phase = "Provisioning";
  return {
    phase,
    infrastructureReady: infraReady,
    controlPlaneReady: cpReady,
    conditions,
    observedGeneration: cluster.metadata.generation,
  };
}

// ---------------------------------------------------------------------------------------------------------
// KubeadmControlPlane

export function kcpStatus(
  kcp: KubeadmControlPlane,
  machines: Machine[],
  clusterName: string,
  now: string,
): NonNullable<KubeadmControlPlane["status"]> {
  const prev = kcp.status ?? {};
  const desired = kcp.spec?.replicas ?? 1;
  const version = kcp.spec?.version;
  const current = live(machines);
  const upToDate = current.filter(m => m.spec?.version === version);
  const running = machines.filter(isRunning);
  // readyReplicas counts machines with a Ready Node already at the wanted version, so a rollout shows in it.
  const ready = running.filter(m => isReady(m) && m.spec?.version === version).length;
  // Initialized once kubeadm init ran on the first machine (its Node exists), Ready or not: the CNI comes after.
  const initialized = prev.initialized === true || running.length > 0;
  const replicas = machines.length;
  // The lowest version any machine with a Node runs; unchanged while there is none.
  const runningVersion = lowestVersion(running.map(m => m.spec?.version)) ?? prev.version;

  const available = initialized
    ? trueCondition(CONDITION.available)
    : falseCondition(CONDITION.available, "WaitingForKubeadmInit", "Info");
  const outdated = current.length - upToDate.length;
  // KCP v1.10 sets MachinesSpecUpToDate False during a rollout and True afterwards only if it is already there
  // (conformance: absent on a fresh control plane); CertificatesAvailable True once the cluster certificates exist.
  const hadSpecCondition = !!findCondition(prev.conditions, CONDITION.machinesSpecUpToDate);
  const specUpToDate =
    outdated === 0
      ? hadSpecCondition
        ? trueCondition(CONDITION.machinesSpecUpToDate)
        : undefined
      : falseCondition(
          CONDITION.machinesSpecUpToDate,
          "RollingUpdateInProgress",
          "Warning",
          `Rolling ${current.length} replicas with outdated spec (${upToDate.length} replicas up to date)`,
        );
  const resized =
    current.length === desired
      ? trueCondition(CONDITION.resized)
      : current.length < desired
        ? falseCondition(
            CONDITION.resized,
            "ScalingUp",
            "Warning",
            `Scaling up control plane to ${desired} replicas (actual ${current.length})`,
          )
        : falseCondition(
            CONDITION.resized,
            "ScalingDown",
            "Warning",
            `Scaling down control plane to ${desired} replicas (actual ${current.length})`,
          );
  const created = machines.length > 0 ? trueCondition(CONDITION.machinesCreated) : undefined;
  const mReady = machinesReady(machines);
  const certificates = trueCondition(CONDITION.certificatesAvailable);
  const parts = [created, specUpToDate, resized, mReady, available, certificates];
  const conditions = setConditions(
    prev.conditions,
    [...parts.filter((c): c is WantedCondition => !!c), summary(CONDITION.ready, parts)],
    now,
  );
  return {
    selector: `${LABEL.clusterName}=${clusterName},${LABEL.controlPlane}`,
    replicas,
    updatedReplicas: upToDate.length,
    readyReplicas: ready,
    unavailableReplicas: Math.max(0, replicas - ready),
    initialized,
    ready: ready > 0,
    ...(runningVersion ? { version: runningVersion } : {}),
    conditions,
    observedGeneration: kcp.metadata.generation,
  };
}

// ---------------------------------------------------------------------------------------------------------
// MachineSet

export function machineSetStatus(
  ms: MachineSet,
  machines: Machine[],
  selector: string,
  now: string,
): NonNullable<MachineSet["status"]> {
  const desired = ms.spec?.replicas ?? 1;
  const current = live(machines);
  const ready = current.filter(isReady).length;
  const resized =
    current.length === desired
      ? trueCondition(CONDITION.resized)
      : falseCondition(
          CONDITION.resized,
          current.length < desired ? "ScalingUp" : "ScalingDown",
          "Warning",
          `Scaling to ${desired} replicas (actual ${current.length})`,
        );
  const mReady = desired === 0 && machines.length === 0 ? trueCondition(CONDITION.machinesReady) : machinesReady(machines);
  const created = trueCondition(CONDITION.machinesCreated);
  const conditions = setConditions(
    ms.status?.conditions,
    [created, mReady, resized, summary(CONDITION.ready, [created, mReady, resized])],
    now,
  );
  return {
    selector,
    replicas: machines.length,
    fullyLabeledReplicas: machines.length,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions,
    observedGeneration: ms.metadata.generation,
  };
}

// ---------------------------------------------------------------------------------------------------------
// MachineDeployment

export interface DeploymentInputs {
  /** Every machine of every MachineSet of the deployment. */
  machines: Machine[];
  /** Machines of the MachineSet matching the current template. */
  newMachines: Machine[];
  newMachineSet?: MachineSet;
  maxUnavailable: number;
  selector: string;
  now: string;
}

export function machineDeploymentStatus(md: MachineDeployment, inp: DeploymentInputs): NonNullable<MachineDeployment["status"]> {
  const desired = md.spec?.replicas ?? 1;
  const replicas = inp.machines.length;
  const ready = inp.machines.filter(isReady).length;
  const updated = live(inp.newMachines).length;
  const failed = inp.machines.some(m => !!m.status?.failureReason);
  const minAvailable = Math.max(0, desired - inp.maxUnavailable);
  const available =
    ready >= minAvailable
      ? trueCondition(CONDITION.available)
      : falseCondition(
          CONDITION.available,
          "WaitingForAvailableMachines",
          "Warning",
          `Minimum availability requires ${minAvailable} replicas, current ${ready} available`,
        );
  // Mirrors the new MachineSet's Ready condition as its controller is about to write it (computed from the same
  // machines), rather than as last written: one MD status write per change instead of one before and one after.
  const newSetReady = inp.newMachineSet
    ? findCondition(machineSetStatus(inp.newMachineSet, inp.newMachines, "", inp.now).conditions, CONDITION.ready)
    : undefined;
  const msReady = mirror(CONDITION.machineSetReady, newSetReady, falseCondition("", "WaitingForMachineSetFallback", "Info"));
  const conditions = setConditions(
    md.status?.conditions,
    [available, msReady, summary(CONDITION.ready, [available, msReady])],
    inp.now,
  );
  let phase: string;
  if (failed) phase = "Failed";
  else if (replicas > desired) phase = "ScalingDown";
  else if (ready < desired || replicas < desired) phase = "ScalingUp";
  else phase = "Running";
  return {
    selector: inp.selector,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: ready,
    unavailableReplicas: Math.max(0, desired - ready),
    phase,
    conditions,
    observedGeneration: md.metadata.generation,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Machine

export interface MachineInputs {
  byoMachine?: ByoMachine;
  host?: ByoHost;
  /** Why bootstrap data is not there yet (KubeadmConfig DataSecretAvailable reason), when it is not. */
  bootstrapWaitReason?: string;
  /**
   * Whether the Node would be Ready (default true): false while the CNI has not reached the cluster. A Node that
   * was Ready stays Ready (the CNI, once applied, stays in the workload cluster).
   */
  nodeReady?: boolean;
  now: string;
}

export function machineStatus(m: Machine, inp: MachineInputs): NonNullable<Machine["status"]> {
  const prev = m.status ?? {};
  const bootstrapReady = !!m.spec?.bootstrap?.dataSecretName;
  const infraReady = inp.byoMachine?.status?.ready === true;
  const hostName = hostFromProviderId(inp.byoMachine?.spec?.providerID);
  const hasNode = infraReady && !!hostName;

  const bootCond = bootstrapReady
    ? trueCondition(CONDITION.bootstrapReady)
    : falseCondition(CONDITION.bootstrapReady, inp.bootstrapWaitReason ?? "WaitingForDataSecretFallback", "Info");
  const infraCond = mirror(
    CONDITION.infrastructureReady,
    findCondition(inp.byoMachine?.status?.conditions, CONDITION.ready),
    infraReady ? trueCondition("") : falseCondition("", "WaitingForInfrastructureFallback", "Info"),
  );
  const wasReady = isTrue(prev.conditions, CONDITION.nodeHealthy) && prev.nodeRef?.name === hostName;
  const nodeCond = !hasNode
    ? falseCondition(CONDITION.nodeHealthy, "WaitingForNodeRef", "Info")
    : inp.nodeReady === false && !wasReady
      ? // CAPI's summarizeNodeConditions on a kubelet reporting NetworkReady=false (no CNI)
        falseCondition(CONDITION.nodeHealthy, REASON.nodeConditionsFailed, "Warning", "Node condition Ready is False")
      : trueCondition(CONDITION.nodeHealthy);
  const conditions = setConditions(
    prev.conditions,
    [bootCond, infraCond, nodeCond, summary(CONDITION.ready, [bootCond, infraCond, nodeCond])],
    inp.now,
  );

  let phase: string;
  if (isDeleting(m)) phase = "Deleting";
  else if (hasNode) phase = "Running";
  else if (infraReady || inp.byoMachine?.spec?.providerID) phase = "Provisioned";
  else if (bootstrapReady) phase = "Provisioning";
  else phase = "Pending";

  const out: NonNullable<Machine["status"]> = {
    phase,
    bootstrapReady,
    infrastructureReady: infraReady,
    conditions,
    observedGeneration: m.metadata.generation,
    lastUpdated: phase === prev.phase && typeof prev.lastUpdated === "string" ? prev.lastUpdated : inp.now,
  };
  if (hasNode && hostName) {
    out.nodeRef = { apiVersion: "v1", kind: "Node", name: hostName };
    const ip = defaultIp(inp.host);
    if (ip)
      out.addresses = [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: hostName },
      ];
    out.nodeInfo = nodeInfo(hostName, m.spec?.version ?? "", inp.byoMachine?.status?.hostinfo ?? inp.host?.status?.hostinfo);
  } else if (prev.nodeRef && isDeleting(m)) {
    out.nodeRef = prev.nodeRef;
  }
  return out;
}

function defaultIp(host: ByoHost | undefined): string | undefined {
  const nic = host?.status?.network?.find(n => n.isDefault) ?? host?.status?.network?.[0];
  return nic?.ipAddrs?.[0]?.split("/")[0];
}

/** The Node's nodeInfo as kubelet would report it; every field is required by the Machine CRD. */
function nodeInfo(hostName: string, version: string, info: HostInfo | undefined) {
  return {
    architecture: info?.architecture ?? "amd64",
    bootID: `sim-boot-${hostName}`,
    containerRuntimeVersion: "containerd://1.7.13",
    kernelVersion: "5.15.0-105-generic",
    kubeProxyVersion: version,
    kubeletVersion: version,
    machineID: `sim-${hostName}`,
    operatingSystem: info?.osname ?? "linux",
    osImage: info?.osimage ?? "Ubuntu 22.04.4 LTS",
    systemUUID: `sim-${hostName}`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// BYOH objects

export function byoClusterStatus(bc: ByoCluster, now: string): NonNullable<ByoCluster["status"]> {
  return { ready: true, conditions: setConditions(bc.status?.conditions, [trueCondition(CONDITION.ready)], now) };
}

/** ByoMachine status: BYOHostReady plus BYOH's Ready summary of it. */
export function byoMachineStatus(
  bm: ByoMachine,
  hostReady: WantedCondition,
  ready: boolean,
  hostinfo: HostInfo | undefined,
  now: string,
): NonNullable<ByoMachine["status"]> {
  const cond = { ...hostReady, type: CONDITION.byoHostReady };
  const out: NonNullable<ByoMachine["status"]> = {
    ready,
    conditions: setConditions(bm.status?.conditions, [cond, summary(CONDITION.ready, [cond])], now),
  };
  if (hostinfo) out.hostinfo = hostinfo;
  return out;
}
