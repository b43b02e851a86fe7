/**
 * ProvisioningRequest status from what the reconciler observed (pure): the live Cluster API + BYOH objects, the
 * outcome of the last apply, a refusal of the spec, a deletion step. `fulfilled` needs the control plane and every
 * worker really ready, not Cluster phase Provisioned (BYOH reports infrastructure ready at once). kube/status-writer
 * completes the condition set, keeps transition times, skips no-op writes and records the Events statusEvents asks for.
 */
import type { ProvisioningRequestStatus } from "../../api/generated/types";
import { BYOH_BOOTSTRAP_CONDITION, BYOH_HOST_FAILURE_REASONS, PR_REASONS, PRConditionType, PRReason } from "../../api/vocabulary";
import { hostAttachment, isAttachedTo } from "../../generators/names";
import { Condition, ConditionInput, findCondition } from "../../kube/conditions";
import type { EventSpec } from "../../kube/events";
import type { StatusUpdate } from "../../kube/status-writer";
import { KubeObject } from "../../kube/client";
import type { WriteFailure } from "./errors";

export type PRStatus = ProvisioningRequestStatus;

export type ProvisioningState = "pending" | "progressing" | "fulfilled" | "failed" | "deleting";

/** The provisioning stages (status.stage.name; also the reason of Progressing and, while nothing failed, of Ready). */
export type Stage = NonNullable<PRStatus["stage"]>["name"];

/** Timestamps of the status, left out when the writer compares it with the live one. */
export const TIMESTAMPS = ["provisioningStatus.provisioningUpdateTime"] as const;

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
  /** The template's CNI ConfigMaps known to be missing from the namespace (capabilities/o2ims/cni.ts). */
  cniMissing?: string[];
  timeouts: Timeouts;
  /** The previous status's stage (status.stage): its clock keeps running while the stage stays. */
  previousStage?: { name: string; since: string };
  now: Date;
}

export interface ComputedStatus {
  state: ProvisioningState;
  message: string;
  stage: Stage;
  /** When the current stage began: the previous one's time if the stage did not change, else now. */
  stageSince: string;
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

/**
 * What a missing CNI ConfigMap means and the command that creates it (README, CNI). Said only while the cluster
 * waits for its first node: the control plane is initialized (Cluster API applies the ClusterResourceSet from then
 * on) and no control-plane node is Ready. Before, the ConfigMap may still come in time; once a node is Ready the CNI
 * was applied, and the ConfigMap's later absence (the garbage collector takes it with the last set) harms nothing.
 */
export function cniMissingMessage(namespace: string, names: string[]): string {
  const fix = names.map(n => `kubectl -n ${namespace} create configmap ${n} --from-file=<manifest>.yaml`).join("; ");
  const what = names.length === 1 ? `ConfigMap ${names[0]} is` : `ConfigMaps ${names.join(", ")} are`;
  return (
    `nodes stay NotReady without the CNI: the ${what} missing in namespace ${namespace} on the O-Cloud ` +
    `(the cluster's ClusterResourceSet applies it); create it: ${fix} (README, CNI)`
  );
}

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

  const cniMissing = (o.cniMissing ?? []).length > 0 && status(o.controlPlane).initialized === true && cpReady === 0;

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
    if (cniMissing) message += `; ${cniMissingMessage(o.namespace, o.cniMissing!)}`;
  } else if (!workersDone) {
    const waiting = workers.filter(h => !h.attached);
    stage = waiting.length > 0 && workersReady === 0 ? "WaitingForWorkerHosts" : "WorkersProvisioning";
    message = `control plane ${cpWanted}/${cpWanted} ready, workers ${workersReady}/${mds.length} ready`;
    if (waiting.length > 0) message += `; waiting for hosts ${names(waiting)}`;
  } else {
    stage = "Ready";
    message = `cluster ${o.clusterName} ready: control plane ${cpWanted}/${cpWanted}, workers ${mds.length}/${mds.length}`;
  }

  const keptSince = o.previousStage?.name === stage ? Date.parse(o.previousStage.since) : NaN;
  const since = Number.isNaN(keptSince) ? o.now.getTime() : keptSince;
  const limit = stageTimeout(stage, o.timeouts);
  const elapsedMs = o.now.getTime() - since;
  const timedOut = limit !== undefined && elapsedMs >= limit * 1000;

  let state: ProvisioningState;
  let readyReason: Stage | PRReason = stage;
  if (failed.length > 0) {
    state = "failed";
    readyReason = PR_REASONS.HostBootstrapFailed;
    message = failed.map(h => h.failure).join("; ");
  } else if (taken.length > 0) {
    state = "failed";
    readyReason = PR_REASONS.HostUnavailable;
    message = taken.map(h => `host ${h.hostName} is attached to another cluster (${h.attachedElsewhere})`).join("; ");
  } else if (timedOut) {
    state = "failed";
    readyReason = PR_REASONS.StageTimedOut;
    const why = unregistered.length > 0 ? `; no ByoHost registered for ${names(unregistered)}` : "";
    message = `timed out after ${limit}s in stage ${stage}: ${message}${why}`;
  } else if (stage === "Ready") {
    state = "fulfilled";
  } else if (cniMissing) {
    state = "progressing";
    readyReason = PR_REASONS.CNIResourceMissing;
  } else if (stage === "Creating") {
    state = "pending";
  } else {
    state = "progressing";
  }

  const cond = (type: PRConditionType, ok: boolean, reason: string, msg: string): ConditionInput => ({
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
      failed.length ? PR_REASONS.HostBootstrapFailed : attachedCount === hosts.length ? "AllHostsAttached" : "WaitingForHosts",
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
  const stageSince = new Date(since).toISOString();
  return { state, message, stage, stageSince, conditions, clusterId, hostIds, timeoutInMs };
}

// ---- status updates, one per path of the reconciler (all pure) ----------------------------------------------

const STATE_REASONS: Record<ProvisioningState, string> = {
  pending: "Pending",
  progressing: "Progressing",
  fulfilled: "Fulfilled",
  failed: "Failed",
  deleting: "Deleting",
};

const condition = (type: PRConditionType, status: Condition["status"], reason: string, message: string): ConditionInput => ({
  type,
  status,
  reason,
  message,
});

const NOT_DELETING = condition("Deleting", "False", PR_REASONS.NotDeleting, "the request is not being deleted");

/** provisioningUpdateTime moves when the state or the message changes (its CRD description), else stays. */
function provisioningStatus(
  previous: PRStatus | undefined,
  state: ProvisioningState,
  message: string,
  now: string,
): NonNullable<PRStatus["provisioningStatus"]> {
  const p = previous?.provisioningStatus;
  const same = p?.provisioningState === state && p?.provisioningMessage === message && p?.provisioningUpdateTime;
  return {
    provisioningState: state,
    provisioningMessage: message,
    provisioningUpdateTime: same ? p.provisioningUpdateTime : now,
  };
}

/** What a path that observed no cluster keeps: the identifiers and the stage clock. */
const kept = (previous: PRStatus | undefined) => ({
  ...(previous?.provisionedResourceSet ? { provisionedResourceSet: previous.provisionedResourceSet } : {}),
  ...(previous?.stage ? { stage: previous.stage } : {}),
});

/** The template is gone or the parameters do not fit it: failed, nothing applied. */
export function invalidStatus(
  reason: typeof PR_REASONS.TemplateNotFound | typeof PR_REASONS.InvalidParameters,
  message: string,
  previous: PRStatus | undefined,
  now: string,
): StatusUpdate<PRStatus> {
  return {
    fields: { provisioningStatus: provisioningStatus(previous, "failed", message, now), ...kept(previous) },
    conditions: [condition("Validated", "False", reason, message), condition("Ready", "False", reason, message), NOT_DELETING],
  };
}

/** The holder of a host's claim, as status names it. */
export interface ClaimHolderRef {
  namespace: string;
  name: string;
}

/**
 * Another live request won a host's claim: failed for this generation, with nothing created; the request is not
 * claimed again until its spec changes (so deleting the winner never hands the host to a request that lost it).
 */
export function claimLostStatus(
  host: { hostName: string; hostId: string },
  winner: ClaimHolderRef,
  previous: PRStatus | undefined,
  now: string,
): StatusUpdate<PRStatus> {
  const message =
    `host ${host.hostName} (hostId ${host.hostId}) is claimed by ProvisioningRequest ${winner.namespace}/${winner.name}; ` +
    "nothing was created for this request (change its hosts to try again)";
  return {
    fields: { provisioningStatus: provisioningStatus(previous, "failed", message, now), ...kept(previous) },
    conditions: [
      condition("HostsClaimed", "False", PR_REASONS.HostClaimLost, message),
      condition("Ready", "False", PR_REASONS.HostClaimLost, message),
      NOT_DELETING,
    ],
  };
}

/** A request being deleted still holds a host's claim: pending until it releases it (its Cluster is gone). */
export function claimWaitingStatus(
  host: { hostName: string; hostId: string },
  holder: ClaimHolderRef,
  previous: PRStatus | undefined,
  now: string,
): StatusUpdate<PRStatus> {
  const message = `waiting for host ${host.hostName} (hostId ${host.hostId}): ProvisioningRequest ${holder.namespace}/${holder.name}, being deleted, still holds it`;
  return {
    fields: { provisioningStatus: provisioningStatus(previous, "pending", message, now), ...kept(previous) },
    conditions: [
      condition("HostsClaimed", "False", PR_REASONS.WaitingForHostRelease, message),
      condition("Ready", "False", PR_REASONS.WaitingForHostRelease, message),
      NOT_DELETING,
    ],
  };
}

/** Every pinned host is claimed by this request. */
export const hostsClaimedCondition = (count: number): ConditionInput =>
  condition("HostsClaimed", "True", PR_REASONS.HostsClaimed, `this request holds the claim of each of its ${count} hosts`);

/** Whether this generation already lost a host's claim (it is not claimed again until the spec changes). */
export function claimLostAt(status: PRStatus | undefined, generation: number | undefined): boolean {
  const c = findCondition(status?.conditions as Condition[] | undefined, "HostsClaimed");
  return c?.status === "False" && c.reason === PR_REASONS.HostClaimLost && status?.observedGeneration === generation;
}

/** A step of the deletion. */
export function deletingStatus(
  reason: PRReason,
  message: string,
  previous: PRStatus | undefined,
  now: string,
): StatusUpdate<PRStatus> {
  return {
    fields: { provisioningStatus: provisioningStatus(previous, "deleting", message, now), ...kept(previous) },
    conditions: [condition("Deleting", "True", reason, message), condition("Ready", "False", PR_REASONS.Deleting, message)],
  };
}

/**
 * The cluster as observed, and the outcome of this reconcile's apply: undefined = nothing was applied (Applied stays
 * as it was), "applied", or the failure. A permanent failure fails the request with the server's message; a
 * transient one keeps the observed state and says the last error in Applied.
 */
export function clusterStatus(
  computed: ComputedStatus,
  previous: PRStatus | undefined,
  now: string,
  apply?: "applied" | WriteFailure,
): StatusUpdate<PRStatus> {
  let state = computed.state;
  let message = computed.message;
  let conditions: ConditionInput[] = [
    condition("Validated", "True", PR_REASONS.Valid, "parameters and hosts are valid"),
    ...computed.conditions,
    NOT_DELETING,
  ];
  if (apply === "applied") {
    conditions.push(condition("Applied", "True", PR_REASONS.Applied, "every generated object is applied"));
  } else if (apply) {
    conditions.push(condition("Applied", "False", apply.reason, apply.message));
    if (apply.permanent) {
      state = "failed";
      message = apply.message;
      conditions = conditions.map(c => (c.type === "Ready" ? condition("Ready", "False", apply.reason, apply.message) : c));
    }
  }
  return {
    fields: {
      provisioningStatus: provisioningStatus(previous, state, message, now),
      ...(computed.clusterId
        ? {
            provisionedResourceSet: {
              oCloudNodeClusterId: computed.clusterId,
              oCloudInfrastructureResourceIds: computed.hostIds,
            },
          }
        : previous?.provisionedResourceSet
          ? { provisionedResourceSet: previous.provisionedResourceSet }
          : {}),
      stage: { name: computed.stage, since: computed.stageSince },
    },
    conditions,
  };
}

/** Whether the last reconcile left every generated object applied (a refused or failed write is retried). */
export const lastApplySucceeded = (status: PRStatus | undefined) =>
  findCondition(status?.conditions as Condition[] | undefined, "Applied")?.status === "True";

/**
 * Events for a written status: one per state change (a Warning for failed), a Warning each time a write of the
 * generated objects fails anew (a new reason or message), and a Warning when a CNI ConfigMap is found missing. A
 * failure by a refused write is one Event, not two.
 */
export function statusEvents(previous: PRStatus | undefined, next: PRStatus): EventSpec[] {
  const out: EventSpec[] = [];
  const state = next.provisioningStatus?.provisioningState;
  const message = next.provisioningStatus?.provisioningMessage ?? "";
  const before = findCondition(previous?.conditions as Condition[] | undefined, "Applied");
  const now = findCondition(next.conditions as Condition[] | undefined, "Applied");
  const applyFailure =
    now?.status === "False" && (before?.status !== "False" || before.reason !== now.reason || before.message !== now.message)
      ? now
      : undefined;
  const stateChanged = state !== undefined && state !== previous?.provisioningStatus?.provisioningState;
  const ready = findCondition(next.conditions as Condition[] | undefined, "Ready");
  if (stateChanged && !(state === "failed" && applyFailure?.message === message)) {
    // A lost claim says so in its reason (kubectl describe shows Warning HostClaimLost naming the host and winner).
    const reason = state === "failed" && ready?.reason === PR_REASONS.HostClaimLost ? ready.reason : STATE_REASONS[state];
    out.push({ type: state === "failed" ? "Warning" : "Normal", reason, message });
  }
  if (applyFailure) out.push({ type: "Warning", reason: applyFailure.reason, message: applyFailure.message });
  // A missing CNI ConfigMap keeps the state progressing, so no state Event tells of it: one Warning when it starts.
  const wasCniMissing =
    findCondition(previous?.conditions as Condition[] | undefined, "Ready")?.reason === PR_REASONS.CNIResourceMissing;
  if (ready?.reason === PR_REASONS.CNIResourceMissing && !wasCniMissing)
    out.push({ type: "Warning", reason: PR_REASONS.CNIResourceMissing, message });
  return out;
}
