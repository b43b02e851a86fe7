/**
 * FocomProvisioningRequest status from what the reconciler observed (pure): phase, message, the mirrored remote
 * state and the conditions this observation evaluated. kube/status-writer completes the condition set (the others
 * are carried over), keeps transition times, skips no-op writes and records the Events statusEvents asks for.
 */
import type { FocomProvisioningRequestStatus } from "../../api/generated/types";
import type { FPRConditionType } from "../../api/vocabulary";
import { Condition, ConditionInput, findCondition } from "../../kube/conditions";
import type { EventSpec } from "../../kube/events";
import type { StatusUpdate } from "../../kube/status-writer";
import type { RemoteFailure } from "./errors";
import type { RemoteRef, RemoteRequest } from "./remote";

export type FocomStatus = FocomProvisioningRequestStatus;
export type Phase = NonNullable<FocomStatus["phase"]>;
export type RemoteState = NonNullable<FocomStatus["remoteState"]>;

/** Timestamps of the status: lastUpdated moves whenever the status says something new (kube/status-writer). */
export const TIMESTAMPS = ["lastUpdated"] as const;

/**
 * The Synced reason of a generation the O-Cloud refused. Such a generation is not written again until the spec
 * changes: the O-Cloud's answer can depend on its state (a host another request won), and retrying it on a timer
 * would hand a released host to a request that lost it (see rejectedAt).
 */
export const REJECTED = "Rejected";
const NOT_RETRIED = "not retried until the request's spec changes";

export type InvalidReason = "OCloudNotFound" | "TemplateNotFound" | "InvalidParameters";

export type Observation =
  /** The request names no OCloud / TemplateInfo, or its parameters no longer fit the TemplateInfo. */
  | { kind: "invalid"; reason: InvalidReason; message: string }
  /** The O-Cloud could not be reached or read. */
  | { kind: "disconnected"; failure: RemoteFailure }
  /** A ProvisioningRequest of that name exists on the O-Cloud and belongs to another request. */
  | { kind: "conflict"; owner?: string }
  /** The O-Cloud refused the create or update; remote is what exists there (an update was refused). */
  | { kind: "rejected"; message: string; remote?: RemoteRequest }
  /** The O-Cloud answered; remote is its ProvisioningRequest (undefined: not there). */
  | { kind: "mirrored"; remote?: RemoteRequest }
  /** The request is being deleted; remote null = confirmed gone, undefined = unknown (failure says why). */
  | { kind: "deleting"; message: string; remote?: RemoteRequest | null; failure?: RemoteFailure };

export interface StatusInput {
  observation: Observation;
  /** OCloud name, for messages. */
  ocloud: string;
  remote: RemoteRef;
  generation?: number;
  previous?: FocomStatus;
}

export interface ComputedStatus {
  phase: Phase;
  message: string;
  remoteName?: string;
  remoteState?: RemoteState;
  /** The conditions this observation evaluated (the others are carried over by the writer). */
  conditions: ConditionInput[];
}

/** The remote's provisioning status as mirrored into status.remoteState (only the keys it has). */
export function remoteStateOf(remote: RemoteRequest): RemoteState {
  const s = remote.status?.provisioningStatus;
  const out: RemoteState = {};
  if (s?.provisioningState) out.provisioningState = s.provisioningState;
  if (s?.provisioningMessage) out.provisioningMessage = s.provisioningMessage;
  if (s?.provisioningUpdateTime) out.provisioningUpdateTime = s.provisioningUpdateTime;
  const clusterId = remote.status?.provisionedResourceSet?.oCloudNodeClusterId;
  if (clusterId) out.oCloudNodeClusterId = clusterId;
  return out;
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const withDetail = (text: string, detail: string | undefined) => (detail ? `${text}: ${detail}` : text);

/** Phase and Synced condition for a remote that exists and is ours. */
function mirror(
  remote: RemoteRequest,
  label: string,
  ocloud: string,
): { phase: Phase; message: string; synced: Omit<ConditionInput, "type"> } {
  const state = remote.status?.provisioningStatus?.provisioningState;
  const detail = remote.status?.provisioningStatus?.provisioningMessage;
  const observed = remote.status?.observedGeneration;
  if (remote.metadata.deletionTimestamp || state === "deleting") {
    const message = `ProvisioningRequest ${label} is being deleted on O-Cloud ${ocloud}; it will be created again`;
    return { phase: "Creating", message, synced: { status: "False", reason: "RemoteDeleting", message } };
  }
  if (observed !== undefined && remote.metadata.generation !== undefined && observed < remote.metadata.generation) {
    const message = `O-Cloud ${ocloud} has not processed the latest spec of ProvisioningRequest ${label} yet`;
    return { phase: "Creating", message, synced: { status: "False", reason: "UpdatePending", message } };
  }
  switch (state) {
    case "fulfilled": {
      const message = withDetail(`ProvisioningRequest ${label} fulfilled on O-Cloud ${ocloud}`, detail);
      return { phase: "Synced", message, synced: { status: "True", reason: "Fulfilled", message } };
    }
    case "failed": {
      const message = withDetail(`ProvisioningRequest ${label} failed on O-Cloud ${ocloud}`, detail);
      return { phase: "Failed", message, synced: { status: "False", reason: "RemoteFailed", message } };
    }
    case undefined: {
      const message = `ProvisioningRequest ${label} created on O-Cloud ${ocloud}; waiting for its O2IMS to report a state`;
      return { phase: "Creating", message, synced: { status: "False", reason: "AwaitingState", message } };
    }
    default: {
      const message = withDetail(`ProvisioningRequest ${label} is ${state} on O-Cloud ${ocloud}`, detail);
      return { phase: "Creating", message, synced: { status: "False", reason: capitalized(state), message } };
    }
  }
}

/**
 * Ready summarises the phase for `kubectl wait --for=condition=Ready fpr/<name>`: True once the remote request is
 * fulfilled (phase Synced), otherwise False with the phase as its reason. An O-Cloud outage leaves it as it was:
 * the cluster does not stop being ready because FOCOM cannot see it (OCloudReachable says that).
 */
export function computeStatus(input: StatusInput): ComputedStatus {
  const s = computeObserved(input);
  const ready = s.phase === "Synced";
  const readyCondition: ConditionInput = {
    type: "Ready",
    status: ready ? "True" : "False",
    reason: ready ? "Fulfilled" : s.phase,
    message: s.message,
    observedGeneration: input.generation,
  };
  return { ...s, conditions: [...s.conditions, readyCondition] };
}

function computeObserved(input: StatusInput): ComputedStatus {
  const { observation: obs, ocloud, previous, generation } = input;
  const label = `${input.remote.namespace}/${input.remote.name}`;
  const cond = (type: FPRConditionType, status: Condition["status"], reason: string, message: string): ConditionInput => ({
    type,
    status,
    reason,
    message,
    observedGeneration: generation,
  });
  const conditions = (...set: (ConditionInput | undefined)[]) => set.filter((c): c is ConditionInput => !!c);
  const valid = cond("Validated", "True", "Valid", "the OCloud, the TemplateInfo and the parameters are valid");
  const reachable = cond("OCloudReachable", "True", "Reachable", `O-Cloud ${ocloud} answered`);
  const created = cond("RemoteCreated", "True", "Created", `ProvisioningRequest ${label} exists on O-Cloud ${ocloud}`);
  const kept = { remoteName: previous?.remoteName, remoteState: previous?.remoteState };

  switch (obs.kind) {
    case "invalid":
      return {
        phase: "Failed",
        message: obs.message,
        ...kept,
        conditions: conditions(
          cond("Validated", "False", obs.reason, obs.message),
          cond("Synced", "False", "NotValidated", "the request is not valid; nothing is sent to the O-Cloud"),
        ),
      };
    case "disconnected": {
      const f = obs.failure;
      // A transient outage says nothing about the provisioning: keep the phase. Bad credentials or configuration fail.
      const phase: Phase = f.kind === "unreachable" ? (previous?.phase ?? "Pending") : "Failed";
      const message = f.kind === "unreachable" ? `${f.message}; retrying` : f.message;
      return { phase, message, ...kept, conditions: conditions(valid, cond("OCloudReachable", "False", f.reason, f.message)) };
    }
    case "conflict": {
      const message =
        `ProvisioningRequest ${label} already exists on O-Cloud ${ocloud} and belongs to another request` +
        `${obs.owner ? ` (${obs.owner})` : ""}; it is not overwritten: delete it there or rename this request`;
      return {
        phase: "Failed",
        message,
        conditions: conditions(
          valid,
          reachable,
          cond("RemoteCreated", "False", "NameConflict", message),
          cond("Synced", "False", "NameConflict", message),
        ),
      };
    }
    case "rejected": {
      const message = `${obs.message}; ${NOT_RETRIED}`;
      return {
        phase: "Failed",
        message,
        remoteName: obs.remote ? input.remote.name : undefined,
        remoteState: obs.remote ? remoteStateOf(obs.remote) : undefined,
        conditions: conditions(
          valid,
          reachable,
          obs.remote ? created : cond("RemoteCreated", "False", REJECTED, message),
          cond("Synced", "False", REJECTED, message),
        ),
      };
    }
    case "mirrored": {
      if (!obs.remote) {
        const message = `creating ProvisioningRequest ${label} on O-Cloud ${ocloud}`;
        return {
          phase: "Pending",
          message,
          conditions: conditions(
            valid,
            reachable,
            cond("RemoteCreated", "False", "NotCreated", message),
            cond("Synced", "False", "NotCreated", message),
          ),
        };
      }
      const m = mirror(obs.remote, label, ocloud);
      return {
        phase: m.phase,
        message: m.message,
        remoteName: input.remote.name,
        remoteState: remoteStateOf(obs.remote),
        conditions: conditions(valid, reachable, created, { type: "Synced", ...m.synced, observedGeneration: generation }),
      };
    }
    case "deleting": {
      const remoteCond =
        obs.remote === null
          ? cond("RemoteCreated", "False", "Deleted", `ProvisioningRequest ${label} is gone from O-Cloud ${ocloud}`)
          : obs.remote
            ? cond("RemoteCreated", "True", "Deleting", `ProvisioningRequest ${label} is being deleted on O-Cloud ${ocloud}`)
            : undefined; // unknown: carried over
      return {
        phase: "Deleting",
        message: obs.message,
        remoteName: previous?.remoteName ?? (obs.remote ? input.remote.name : undefined),
        remoteState: obs.remote ? remoteStateOf(obs.remote) : obs.remote === null ? undefined : previous?.remoteState,
        conditions: conditions(
          obs.failure
            ? cond("OCloudReachable", "False", obs.failure.reason, obs.failure.message)
            : obs.remote !== undefined
              ? reachable
              : undefined,
          remoteCond,
          cond("Synced", "False", "Deleting", obs.message),
        ),
      };
    }
  }
}

/** The status fields and conditions to write (kube/status-writer adds observedGeneration, lastUpdated and times). */
export function statusUpdate(computed: ComputedStatus): StatusUpdate<FocomStatus> {
  return {
    fields: {
      phase: computed.phase,
      message: computed.message,
      ...(computed.remoteName ? { remoteName: computed.remoteName } : {}),
      ...(computed.remoteState && Object.keys(computed.remoteState).length ? { remoteState: computed.remoteState } : {}),
    },
    conditions: computed.conditions,
  };
}

/** Events for a status change: every phase change, and the O-Cloud becoming unreachable or reachable again. */
export function statusEvents(previous: FocomStatus | undefined, next: FocomStatus): EventSpec[] {
  const out: EventSpec[] = [];
  if (previous?.phase !== next.phase && next.phase) {
    out.push({ type: next.phase === "Failed" ? "Warning" : "Normal", reason: next.phase, message: next.message ?? next.phase });
  }
  const was = findCondition(previous?.conditions as Condition[] | undefined, "OCloudReachable");
  const now = findCondition(next.conditions as Condition[] | undefined, "OCloudReachable");
  if (now && now.status !== (was?.status ?? "Unknown")) {
    if (now.status === "False") out.push({ type: "Warning", reason: "OCloudUnreachable", message: now.message });
    else if (now.status === "True" && was?.status === "False")
      out.push({ type: "Normal", reason: "OCloudReachable", message: now.message });
  }
  return out;
}

/** Whether the O-Cloud rejected this generation of the request (it is not written again until the spec changes). */
export function rejectedAt(status: FocomStatus | undefined, generation: number | undefined): boolean {
  const c = findCondition(status?.conditions as Condition[] | undefined, "Synced");
  return c?.status === "False" && c.reason === REJECTED && c.observedGeneration === generation;
}

/** Since when the O-Cloud has been failing, per the OCloudReachable condition (undefined while reachable). */
export function unreachableSince(status: FocomStatus | undefined): string | undefined {
  const c = findCondition(status?.conditions as Condition[] | undefined, "OCloudReachable");
  return c?.status === "False" ? c.lastTransitionTime : undefined;
}
