/**
 * metav1.LabelSelector matching (pure). BYOH turns ByoMachine.spec.selector into a labels.Selector and adds
 * "cluster.x-k8s.io/cluster-name DoesNotExist" (byoh-capi-notes §1.7); the free-host side of that lives in
 * host-pool.ts, this file only answers "do these labels satisfy this selector".
 */
export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface SelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: SelectorRequirement[] | null;
}

/**
 * True when labels satisfy every requirement. An absent or empty selector matches everything (BYOH: a nil
 * selector selects any free host). An unknown operator matches nothing, as apimachinery rejects it.
 */
export function matchesSelector(selector: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of selector?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case "In":
        if (!has || !values.includes(l[req.key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(l[req.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/**
 * The narrowest set of `key=value` pairs one of which a matching object must carry, for an index lookup:
 * a matchLabels entry gives one pair, an In requirement gives one pair per value. Undefined when the selector
 * has no positive requirement (only NotIn/Exists/DoesNotExist or nothing), i.e. every object is a candidate.
 */
export function candidatePairs(selector: LabelSelector | undefined | null): string[] | undefined {
  let best: string[] | undefined;
  const consider = (pairs: string[]) => {
    if (!best || pairs.length < best.length) best = pairs;
  };
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) consider([`${k}=${v}`]);
  for (const req of selector?.matchExpressions ?? []) {
    if (req.operator === "In") consider((req.values ?? []).map(v => `${req.key}=${v}`));
  }
  return best;
}

/** The selector as a labelSelector query string (status.selector of MachineSets and MachineDeployments). */
export function selectorString(selector: LabelSelector | undefined | null): string {
  const parts = Object.entries(selector?.matchLabels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const req of selector?.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(",");
    if (req.operator === "In") parts.push(`${req.key} in (${values})`);
    else if (req.operator === "NotIn") parts.push(`${req.key} notin (${values})`);
    else if (req.operator === "Exists") parts.push(req.key);
    else if (req.operator === "DoesNotExist") parts.push(`!${req.key}`);
  }
  return parts.join(",");
}
