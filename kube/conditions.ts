/** metav1.Condition helpers shared by both capabilities (pure). */
import type { Condition } from "./types";

export type { Condition };

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/** The reason of a condition the current path did not evaluate and no earlier status set. */
export const NOT_CHECKED_REASON = "NotChecked";

/**
 * Merges the wanted conditions into the current ones. lastTransitionTime moves only when the status changes (Cluster
 * API's and metav1's rule), never on a new reason or message: a reader computing "False since" or "how long
 * unreachable" must not see the clock restart because the wording changed. Anything that needs a clock per stage
 * keeps its own field (the ProvisioningRequest's status.stage).
 */
export function mergeConditions(current: Condition[] | undefined, wanted: ConditionInput[], now: string): Condition[] {
  const byType = new Map((current ?? []).map(c => [c.type, c]));
  return wanted.map(w => {
    const before = byType.get(w.type);
    const same = before && before.status === w.status && before.lastTransitionTime;
    return { ...w, lastTransitionTime: same ? before.lastTransitionTime : now };
  });
}

/**
 * One condition per type, in `types` order: the wanted one, else the previous one carried over as it was (its older
 * observedGeneration says it was not re-evaluated), else Unknown/NotChecked. So every status of a kind carries the same
 * condition set whatever path wrote it.
 */
export function completeConditions(
  types: readonly string[],
  previous: Condition[] | undefined,
  wanted: ConditionInput[],
  generation: number | undefined,
): ConditionInput[] {
  const unknownType = wanted.find(w => !types.includes(w.type));
  if (unknownType) throw new Error(`condition type ${unknownType.type} is not one of ${types.join(", ")}`);
  return types.map(type => {
    const w = wanted.find(c => c.type === type);
    if (w) return withGeneration(w, generation);
    const before = findCondition(previous, type);
    if (before) {
      const { lastTransitionTime: _t, ...rest } = before;
      return rest;
    }
    return withGeneration({ type, status: "Unknown", reason: NOT_CHECKED_REASON, message: "not checked yet" }, generation);
  });
}

const withGeneration = (c: ConditionInput, generation: number | undefined): ConditionInput =>
  c.observedGeneration !== undefined || generation === undefined ? c : { ...c, observedGeneration: generation };

export const findCondition = (conditions: Condition[] | undefined, type: string) => conditions?.find(c => c.type === type);
