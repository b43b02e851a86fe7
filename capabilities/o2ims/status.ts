/**
 * ProvisioningRequest status from the live Cluster API + BYOH objects (pure). `fulfilled` needs the control plane
 * and every worker really ready, not Cluster phase Provisioned (BYOH reports infrastructure ready at once).
 */
import { BYOH_BOOTSTRAP_CONDITION, BYOH_HOST_FAILURE_REASONS } from "../../api/vocabulary";
import { hostAttachment, isAttachedTo } from "../../generators/names";
import { ConditionInput } from "../../kube/conditions";
import { KubeObject } from "../../kube/client";

export type ProvisioningState = "pending" | "progressing" | "fulfilled" | "failed" | "deleting";

export type Stage =
  | "Creating"
  | "WaitingForControlPlaneHosts"
  | "ControlPlaneProvisioning"
  | "WaitingForWorkerHosts"
  | "WorkersProvisioning"
  | "Ready";

export interface PinnedHost {
  hostId: string;
  hostName: string;
  role: "master" | "worker";
}

export interface Timeouts {
  hostsSeconds: number;
  controlPlaneSeconds: number;
  workersSeconds: number;
}

export interface ObservedCluster {
  namespace: string;
  clusterName: string;
  k8sVersion: string;
  hosts: PinnedHost[];
  pinningLabel: string;
  cluster?: KubeObject;
  controlPlane?: KubeObject;
  /** The MachineDeployments the current spec wants, by name; a missing entry is not created yet. */
  machineDeployments: Map<string, KubeObject | undefined>;
  /** Every ByoHost that carries the pinning label of one of the hosts. */
  byoHosts: KubeObject[];
  timeouts: Timeouts;
  /** When the stage recorded in the previous status began, and which stage it was. */
  previousStage?: { stage: string; since: string };
  now: Date;
}

export interface ComputedStatus {
  state: ProvisioningState;
  message: string;
  stage: Stage;
  conditions: ConditionInput[];
  clusterId?: string;
  hostIds: string[];
  /** Milliseconds until the current stage times out (for a timed re-check), if it can time out. */
  timeoutInMs?: number;
}

type Obj = Record<string, unknown>;
const status = (o: KubeObject | undefined) => (o?.status ?? {}) as Obj;
const spec = (o: KubeObject | undefined) => (o?.spec ?? {}) as Obj;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

interface HostView extends PinnedHost {
  byoHost?: KubeObject;
  attached: boolean;
  attachedElsewhere?: string;
  failure?: string;
}

function viewHosts(o: ObservedCluster): HostView[] {
  return o.hosts.map(h => {
    const byoHost = o.byoHosts.find(b => b.metadata.labels?.[o.pinningLabel] === h.hostId);
    const attachment = hostAttachment(byoHost?.metadata.labels);
    const ours = isAttachedTo(byoHost?.metadata.labels, o.namespace, o.clusterName);
    const cond = ((status(byoHost).conditions as Obj[] | undefined) ?? []).find(c => c.type === BYOH_BOOTSTRAP_CONDITION);
    const failure =
      ours && cond?.status === "False" && BYOH_HOST_FAILURE_REASONS.has(String(cond.reason))
        ? `host ${h.hostName} failed bootstrap (${cond.reason}): ${cond.message ?? ""}`.trim()
        : undefined;
    return {
      ...h,
      byoHost,
      attached: ours && !!status(byoHost).machineRef,
      attachedElsewhere: attachment.clusterName && !ours ? `${attachment.namespace ?? "?"}/${attachment.clusterName}` : undefined,
      failure,
    };
  });
}

const names = (hs: HostView[]) => hs.map(h => h.hostName).join(", ");

function stageTimeout(stage: Stage, t: Timeouts): number | undefined {
  switch (stage) {
    case "WaitingForControlPlaneHosts":
    case "WaitingForWorkerHosts":
      return t.hostsSeconds;
    case "ControlPlaneProvisioning":
      return t.controlPlaneSeconds;
    case "WorkersProvisioning":
      return t.workersSeconds;
    default:
      return undefined;
  }
}

export function computeStatus(o: ObservedCluster): ComputedStatus {
  const hosts = viewHosts(o);
  const masters = hosts.filter(h => h.role === "master");
  const workers = hosts.filter(h => h.role === "worker");
  const clusterId = o.cluster?.metadata.uid;
  const hostIds = hosts
    .filter(h => h.attached && h.byoHost?.metadata.uid)
    .map(h => h.byoHost!.metadata.uid!)
    .sort();

  // Control plane: KCP counts Ready control-plane nodes; an upgrade is done when every replica runs the version.
  const cpWanted = masters.length;
  const cpReady = num(status(o.controlPlane).readyReplicas);
  const cpUpdated = num(status(o.controlPlane).updatedReplicas);
  const cpVersionOk = status(o.controlPlane).version === o.k8sVersion && cpUpdated >= cpWanted;
  const cpDone =
    !!o.controlPlane &&
    status(o.cluster).controlPlaneReady === true &&
    cpReady >= cpWanted &&
    cpVersionOk &&
    num(status(o.controlPlane).observedGeneration) >= num(o.controlPlane.metadata.generation);

  // Workers: one MachineDeployment per worker host, replicas 1.
  const mdReady = (md: KubeObject | undefined) =>
    !!md &&
    num(status(md).readyReplicas) >= num(spec(md).replicas ?? 1) &&
    num(status(md).updatedReplicas) >= num(spec(md).replicas ?? 1) &&
    num(status(md).observedGeneration) >= num(md.metadata.generation);
  const mds = [...o.machineDeployments.values()];
  const workersReady = mds.filter(mdReady).length;
  const workersDone = workersReady === mds.length;

  const failed = hosts.filter(h => h.failure);
  const taken = hosts.filter(h => h.attachedElsewhere);
  const unregistered = hosts.filter(h => !h.byoHost);

  let stage: Stage;
  let message: string;
  if (!o.cluster || !o.controlPlane) {
    stage = "Creating";
    message = "creating the cluster objects";
  } else if (!cpDone) {
    const waiting = masters.filter(h => !h.attached);
    stage = waiting.length > 0 && cpReady === 0 ? "WaitingForControlPlaneHosts" : "ControlPlaneProvisioning";
    message =
      cpReady >= cpWanted && !cpVersionOk
        ? `control plane upgrading to ${o.k8sVersion}: ${Math.min(cpUpdated, cpWanted)}/${cpWanted} updated`
        : `control plane ${Math.min(cpReady, cpWanted)}/${cpWanted} ready`;
    if (waiting.length > 0) message += `; waiting for hosts ${names(waiting)}`;
  } else if (!workersDone) {
    const waiting = workers.filter(h => !h.attached);
    stage = waiting.length > 0 && workersReady === 0 ? "WaitingForWorkerHosts" : "WorkersProvisioning";
    message = `control plane ${cpWanted}/${cpWanted} ready, workers ${workersReady}/${mds.length} ready`;
    if (waiting.length > 0) message += `; waiting for hosts ${names(waiting)}`;
  } else {
    stage = "Ready";
    message = `cluster ${o.clusterName} ready: control plane ${cpWanted}/${cpWanted}, workers ${mds.length}/${mds.length}`;
  }

  const since = o.previousStage?.stage === stage ? Date.parse(o.previousStage.since) : o.now.getTime();
  const limit = stageTimeout(stage, o.timeouts);
  const elapsedMs = o.now.getTime() - since;
  const timedOut = limit !== undefined && elapsedMs >= limit * 1000;

  let state: ProvisioningState;
  let readyReason: string = stage;
  if (failed.length > 0) {
    state = "failed";
    readyReason = "HostBootstrapFailed";
    message = failed.map(h => h.failure).join("; ");
  } else if (taken.length > 0) {
    state = "failed";
    readyReason = "HostUnavailable";
    message = taken.map(h => `host ${h.hostName} is attached to another cluster (${h.attachedElsewhere})`).join("; ");
  } else if (timedOut) {
    state = "failed";
    readyReason = "StageTimedOut";
    const why = unregistered.length > 0 ? `; no ByoHost registered for ${names(unregistered)}` : "";
    message = `timed out after ${limit}s in stage ${stage}: ${message}${why}`;
  } else if (stage === "Ready") {
    state = "fulfilled";
  } else if (stage === "Creating") {
    state = "pending";
  } else {
    state = "progressing";
  }

  const cond = (type: string, ok: boolean, reason: string, msg: string): ConditionInput => ({
    type,
    status: ok ? "True" : "False",
    reason,
    message: msg,
  });
  const attachedCount = hosts.filter(h => h.attached).length;
  const conditions: ConditionInput[] = [
    cond(
      "HostsAttached",
      attachedCount === hosts.length,
      failed.length ? "HostBootstrapFailed" : attachedCount === hosts.length ? "AllHostsAttached" : "WaitingForHosts",
      `${attachedCount}/${hosts.length} pinned hosts attached`,
    ),
    cond(
      "ControlPlaneReady",
      cpDone,
      cpDone ? "ControlPlaneReady" : "ControlPlaneNotReady",
      `${Math.min(cpReady, cpWanted)}/${cpWanted} control-plane nodes ready`,
    ),
    cond(
      "WorkersReady",
      workersDone,
      workersDone ? "WorkersReady" : "WorkersNotReady",
      `${workersReady}/${mds.length} workers ready`,
    ),
    {
      type: "Progressing",
      status: stage === "Ready" ? "False" : "True",
      reason: stage,
      message: stage === "Ready" ? "provisioning complete" : message,
    },
    cond("Ready", state === "fulfilled", readyReason, message),
  ];
  const timeoutInMs = limit !== undefined && !timedOut ? limit * 1000 - elapsedMs : undefined;
  return { state, message, stage, conditions, clusterId, hostIds, timeoutInMs };
}
