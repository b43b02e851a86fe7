/**
 * MachineDeployment rolling-update arithmetic (pure), after CAPI's mdutil / rolling.go: how many replicas the
 * MachineSet of the current template and each older MachineSet should have next.
 *
 * The simulator counts machines that still exist (also those being deleted) against maxSurge, so with the
 * default maxSurge 0 a replacement Machine is only created once the old one — and with it the pinned host's
 * attachment — is gone.
 */
export interface SetState {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** Machines that exist (including ones being deleted) plus creations in flight. */
  machines: number;
  /** Running machines that are not being deleted. */
  running: number;
}

export interface RolloutPlan {
  newReplicas: number;
  /** New spec.replicas per old MachineSet name (only those that change). */
  oldReplicas: Map<string, number>;
}

export interface Strategy {
  type: "RollingUpdate" | "OnDelete";
  maxSurge: number;
  maxUnavailable: number;
}

export function planRollout(desired: number, strategy: Strategy, newSet: SetState, oldSets: SetState[]): RolloutPlan {
  const oldReplicas = new Map<string, number>();
  if (oldSets.length === 0) return { newReplicas: desired, oldReplicas };

  if (strategy.type === "OnDelete") {
    // Old sets shrink only as machines are deleted by someone else; the new set fills the gap.
    let oldTotal = 0;
    for (const s of oldSets) {
      const keep = Math.min(s.replicas, s.machines);
      if (keep !== s.replicas) oldReplicas.set(s.name, keep);
      oldTotal += keep;
    }
    return { newReplicas: Math.max(0, desired - oldTotal), oldReplicas };
  }

  // Scale up the new set as far as maxSurge allows.
  const all = [newSet, ...oldSets];
  const existing = all.reduce((n, s) => n + Math.max(s.replicas, s.machines), 0);
  let newReplicas = newSet.replicas;
  if (newReplicas > desired) newReplicas = desired;
  else if (newReplicas < desired) {
    const room = desired + strategy.maxSurge - existing;
    if (room > 0) newReplicas = Math.min(desired, newReplicas + room);
  }

  // Scale down old sets as far as maxUnavailable allows: first their machines that are not running anyway,
  // then running ones while enough stay available.
  const minAvailable = Math.max(0, desired - strategy.maxUnavailable);
  const available = (s: SetState) => Math.min(s.replicas, s.running);
  const newUnavailable = Math.max(0, newReplicas - available(newSet));
  const specTotal = newReplicas + oldSets.reduce((n, s) => n + s.replicas, 0);
  let cleanupBudget = Math.max(0, specTotal - minAvailable - newUnavailable);
  const next = new Map(oldSets.map(s => [s.name, s.replicas]));
  for (const s of oldSets) {
    const unhealthy = s.replicas - available(s);
    const cut = Math.min(unhealthy, cleanupBudget);
    if (cut > 0) {
      next.set(s.name, s.replicas - cut);
      cleanupBudget -= cut;
    }
  }
  let scaleDown = Math.max(
    0,
    available(newSet) + oldSets.reduce((n, s) => n + Math.min(next.get(s.name)!, s.running), 0) - minAvailable,
  );
  for (const s of oldSets) {
    if (scaleDown <= 0) break;
    const cur = next.get(s.name)!;
    const cut = Math.min(cur, scaleDown);
    next.set(s.name, cur - cut);
    scaleDown -= cut;
  }
  for (const s of oldSets) if (next.get(s.name) !== s.replicas) oldReplicas.set(s.name, next.get(s.name)!);
  return { newReplicas, oldReplicas };
}
