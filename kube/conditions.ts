/** metav1.Condition helpers shared by both capabilities (pure). */
import type { Condition } from "./types";

export type { Condition };

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/**
 * Merges the wanted conditions into the current ones. lastTransitionTime moves when status or reason changes:
 * the reason names the stage, and stage timeouts are measured from when the stage began.
 */
export function mergeConditions(current: Condition[] | undefined, wanted: ConditionInput[], now: string): Condition[] {
  const byType = new Map((current ?? []).map(c => [c.type, c]));
  return wanted.map(w => {
    const before = byType.get(w.type);
    const same = before && before.status === w.status && before.reason === w.reason;
    return { ...w, lastTransitionTime: same ? before.lastTransitionTime : now };
  });
}

export const findCondition = (conditions: Condition[] | undefined, type: string) => conditions?.find(c => c.type === type);

/** True when two condition lists say the same thing (ignoring transition times). */
export function sameConditions(a: Condition[] | undefined, b: Condition[] | undefined): boolean {
  const strip = (l: Condition[] | undefined) =>
    JSON.stringify(
      (l ?? []).map(({ type, status, reason, message, observedGeneration }) => ({
        type,
        status,
        reason,
        message,
        observedGeneration,
      })),
    );
  return strip(a) === strip(b);
}
