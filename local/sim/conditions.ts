/**
 * Cluster API v1beta1 conditions (pure): {type, status, severity?, reason?, message?, lastTransitionTime}, the
 * shape every CAPI and BYOH object in this simulator carries (not metav1.Condition). As in CAPI's
 * util/conditions, lastTransitionTime only moves when the status flips, the Ready summary comes first and the
 * other types follow in alphabetical order.
 */
export type ConditionStatus = "True" | "False" | "Unknown";
export type Severity = "Error" | "Warning" | "Info" | "";

export interface CapiCondition {
  type: string;
  status: ConditionStatus;
  severity?: Severity;
  reason?: string;
  message?: string;
  lastTransitionTime: string;
}

/** A condition without its transition time: what a reconciler wants, before merging with what is there. */
export type WantedCondition = Omit<CapiCondition, "lastTransitionTime">;

/** RFC 3339 at seconds precision, as metav1.Time serialises. */
export const nowTime = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export const trueCondition = (type: string): WantedCondition => ({ type, status: "True" });

/** A False condition; CAPI requires a reason and a severity on every False condition. */
export function falseCondition(type: string, reason: string, severity: Severity = "Info", message?: string): WantedCondition {
  return { type, status: "False", severity, reason, ...(message ? { message } : {}) };
}

export const findCondition = (conditions: CapiCondition[] | undefined, type: string) => conditions?.find(c => c.type === type);
export const isTrue = (conditions: CapiCondition[] | undefined, type: string) =>
  findCondition(conditions, type)?.status === "True";

const order = (a: { type: string }, b: { type: string }) =>
  a.type === "Ready" ? -1 : b.type === "Ready" ? 1 : a.type.localeCompare(b.type);

/**
 * Sets the wanted conditions over the current list (types not mentioned are kept). Keeps the previous
 * lastTransitionTime unless the status changed.
 */
export function setConditions(current: CapiCondition[] | undefined, wanted: WantedCondition[], now: string): CapiCondition[] {
  const byType = new Map((current ?? []).map(c => [c.type, c]));
  for (const w of wanted) {
    const before = byType.get(w.type);
    const clean: CapiCondition = { type: w.type, status: w.status, lastTransitionTime: now };
    if (w.status !== "True" && w.severity !== undefined) clean.severity = w.severity;
    if (w.reason) clean.reason = w.reason;
    if (w.message) clean.message = w.message;
    if (before && before.status === w.status) clean.lastTransitionTime = before.lastTransitionTime;
    byType.set(w.type, clean);
  }
  return [...byType.values()].sort(order);
}

/**
 * CAPI's summary (conditions.SetSummary): True when every listed condition is True; otherwise False with the
 * reason, severity and message of the most severe non-True one (Error > Warning > Info, then list order).
 * Undefined parts (conditions a source object does not have yet) are skipped.
 */
export function summary(type: string, parts: (WantedCondition | CapiCondition | undefined)[]): WantedCondition {
  const rank = (s?: Severity) => (s === "Error" ? 3 : s === "Warning" ? 2 : s === "Info" ? 1 : 0);
  let worst: WantedCondition | CapiCondition | undefined;
  for (const p of parts) {
    if (!p || p.status === "True") continue;
    if (!worst || rank(p.severity) > rank(worst.severity)) worst = p;
  }
  if (!worst) return trueCondition(type);
  return falseCondition(type, worst.reason ?? "NotReady", worst.severity || "Info", worst.message);
}

/**
 * Mirrors another object's condition under a new type (conditions.SetMirror); falls back to `fallback`
 * when the source object has no such condition.
 */
export function mirror(type: string, source: CapiCondition | undefined, fallback: WantedCondition): WantedCondition {
  if (!source) return { ...fallback, type };
  const { lastTransitionTime: _ignored, ...rest } = source;
  return { ...rest, type };
}

/** True when two lists say the same thing, ignoring transition times (to skip no-op status writes). */
export function sameConditions(a: CapiCondition[] | undefined, b: CapiCondition[] | undefined): boolean {
  const strip = (l: CapiCondition[] | undefined) =>
    JSON.stringify((l ?? []).map(c => [c.type, c.status, c.severity ?? "", c.reason ?? "", c.message ?? ""]));
  return strip(a) === strip(b);
}
