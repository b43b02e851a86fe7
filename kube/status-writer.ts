/**
 * The one status-writing policy of both capabilities, in the manner of Cluster API's patch helper and conditions
 * package: the capability computes what it observed (pure) and this file turns it into the next status, skips a
 * write that would say nothing new, patches the status subresource, and records the Events the capability's rule asks
 * for. Generic: the kind's condition types, timestamps and event rule come from the capability.
 */
import { isNotFound, KubeClient, KubeObject } from "./client";
import { completeConditions, ConditionInput, mergeConditions } from "./conditions";
import { EventSpec, recordEvent } from "./events";
import { canonicalJson } from "./json";
import type { OwnWrites } from "./own-writes";
import type { Resource } from "./resources";
import type { Condition } from "./types";

/** What every status this writer handles has (metav1 conventions). */
export interface WritableStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** One observation, as the capability's pure status function states it. */
export interface StatusUpdate<S extends WritableStatus> {
  /** Every status field but conditions and observedGeneration: the whole rest of the status (absent = removed). */
  fields: Omit<S, "conditions" | "observedGeneration">;
  /** The conditions this path evaluated; the kind's other condition types are carried over, or Unknown/NotChecked. */
  conditions: ConditionInput[];
}

export interface StatusPolicy<S extends WritableStatus> {
  resource: Resource;
  /** Every condition type of the kind, in the order written (api/vocabulary.ts). */
  conditionTypes: readonly string[];
  /** Dotted paths of timestamps in the status: left out when deciding whether anything changed. */
  timestamps?: readonly string[];
  /** Of those, the ones set to the write's time whenever the status says something new, else kept (e.g. lastUpdated). */
  touchOnChange?: readonly string[];
  /** The Events a written change deserves (pure): e.g. one per state change, a Warning for a failure. */
  events?(previous: S | undefined, next: S): EventSpec[];
  /** The Events' source component. */
  component: string;
}

/**
 * The next status: the capability's fields, every condition type (merged so lastTransitionTime moves only on a status
 * change), observedGeneration, and the touched timestamps moved only if something else changed.
 */
export function nextStatus<S extends WritableStatus>(
  previous: S | undefined,
  update: StatusUpdate<S>,
  policy: Pick<StatusPolicy<S>, "conditionTypes" | "timestamps" | "touchOnChange">,
  generation: number | undefined,
  now: string,
): S {
  const wanted = completeConditions(policy.conditionTypes, previous?.conditions, update.conditions, generation);
  const next = {
    ...update.fields,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: mergeConditions(previous?.conditions, wanted, now),
  } as S;
  const changed = !sameStatus(previous, next, policy);
  for (const path of policy.touchOnChange ?? []) {
    const before = getPath(previous, path);
    setPath(next, path, changed || typeof before !== "string" ? now : before);
  }
  return next;
}

/**
 * Whether two statuses say the same thing: key order (the API server picks its own), undefined members, condition
 * order and every timestamp aside.
 */
export function sameStatus<S extends WritableStatus>(
  a: S | undefined,
  b: S | undefined,
  policy: Pick<StatusPolicy<S>, "timestamps">,
): boolean {
  const comparable = (s: S | undefined) => {
    if (!s) return "{}";
    const copy = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
    for (const path of policy.timestamps ?? []) deletePath(copy, path);
    if (Array.isArray(copy.conditions)) {
      copy.conditions = (copy.conditions as Condition[])
        .map(({ lastTransitionTime: _t, ...rest }) => rest)
        .sort((x, y) => (x.type < y.type ? -1 : x.type > y.type ? 1 : 0));
    }
    return canonicalJson(copy);
  };
  return comparable(a) === comparable(b);
}

export interface WriteResult<S> {
  /** False when the live status already said this (no request was made). */
  written: boolean;
  status: S;
  events: EventSpec[];
}

/** A status the writer wrote: the kind, the object (its status now next), the status before, the write's time. */
export type StatusWritten = (
  kind: string,
  obj: KubeObject,
  previous: WritableStatus | undefined,
  next: WritableStatus,
  now: Date,
) => void;
const writtenListeners: StatusWritten[] = [];

/** Tells listener about every status write (e.g. to observe state and stage transitions as metrics). */
export function onStatusWritten(listener: StatusWritten): void {
  writtenListeners.push(listener);
}

export class StatusWriter<S extends WritableStatus> {
  constructor(
    private readonly client: KubeClient,
    private readonly policy: StatusPolicy<S>,
    /** Told every object written, so the reconciler reads it from its informer without missing our own write. */
    private readonly ownWrites?: OwnWrites<KubeObject & { status?: S }>,
  ) {}

  /**
   * Writes the status an observation gives, unless the live one (obj.status, as the reconciler last read or wrote
   * it) already says it; keeps obj.status and its resourceVersion current and tells ownWrites the object written.
   * An object deleted meanwhile is not an error.
   */
  async write(obj: KubeObject & { status?: S }, update: StatusUpdate<S>, now = new Date()): Promise<WriteResult<S>> {
    const previous = obj.status;
    const next = nextStatus(previous, update, this.policy, obj.metadata.generation, now.toISOString());
    if (sameStatus(previous, next, this.policy)) return { written: false, status: previous ?? next, events: [] };
    try {
      // A JSON patch that replaces the whole status, for both kinds: a merge patch keeps every key the new status no
      // longer has unless each is sent as null (remoteState's fields, provisionedResourceSet), and replaces the
      // conditions list wholesale anyway; "add" replaces /status whether or not the object has one yet.
      const updated = await this.client.jsonPatch<KubeObject & { status?: S }>(
        this.policy.resource,
        obj.metadata.name,
        obj.metadata.namespace,
        [{ op: "add", path: "/status", value: next }],
        "status",
      );
      obj.status = updated.status ?? next;
      obj.metadata.resourceVersion = updated.metadata.resourceVersion;
      this.ownWrites?.record(updated);
    } catch (e) {
      if (isNotFound(e)) return { written: false, status: next, events: [] };
      throw e;
    }
    for (const l of writtenListeners) {
      try {
        l(this.policy.resource.kind, obj, previous, next, now);
      } catch {
        // an observer must never fail the write
      }
    }
    const events = this.policy.events?.(previous, next) ?? [];
    for (const ev of events) {
      // An Event is a courtesy to the reader: failing to record one must not fail (and retry) the reconcile.
      await recordEvent(this.client, obj, ev.type, ev.reason, ev.message, this.policy.component).catch(() => undefined);
    }
    return { written: true, status: next, events };
  }
}

function getPath(obj: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function setPath(obj: object, path: string, value: unknown): void {
  const keys = path.split(".");
  let o = obj as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== "object") o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

function deletePath(obj: Record<string, unknown>, path: string): void {
  const keys = path.split(".");
  const parent = getPath(obj, keys.slice(0, -1).join("."));
  if (keys.length === 1) delete obj[keys[0]];
  else if (parent && typeof parent === "object") delete (parent as Record<string, unknown>)[keys[keys.length - 1]];
}
