/**
 * The capabilities' metrics (kube/metrics.ts) wired to Pepr and to the module's state:
 * - served on Pepr's /metrics: Pepr 1.1.4 answers from its own private prom-client registry through
 *   metricsCollector.getMetrics (an instance field its server calls per scrape), so that function is wrapped to
 *   append this module's registry; the names do not collide (Pepr's are pepr_*, ours ocp_*);
 * - time to fulfilled and per-stage durations are observed on the status writes that change them;
 * - requests by state are counted from the controllers' informer caches at each scrape (watcher only: the
 *   admission pods hold no controller).
 */
import { metricsCollector } from "pepr";
import { countBy, metrics, provideRequestStates, registry } from "../kube/metrics";
import { onStatusWritten } from "../kube/status-writer";
import type { Violation } from "../generators/parameters";
import { isWatcher } from "./runtime";

type Status = {
  provisioningStatus?: { provisioningState?: string };
  phase?: string;
  stage?: { name?: string; since?: string };
  conditions?: { type: string; status: string }[];
};

let installed = false;

/** Installs the wiring once per process (each capability calls it). */
export function installMetrics(controllers: {
  requests: Record<string, () => Promise<{ list(): { status?: unknown }[] }>>;
}): void {
  for (const [kind, cache] of Object.entries(controllers.requests))
    if (isWatcher())
      provideRequestStates(kind, async () =>
        countBy((await cache()).list(), r => stateOf(kind, r.status as Status | undefined) ?? "unknown"),
      );
  if (installed) return;
  installed = true;
  const pepr = metricsCollector.getMetrics;
  metricsCollector.getMetrics = async () => `${await pepr()}\n${await registry.metrics()}`;
  onStatusWritten((kind, obj, previous, next, now) => {
    const before = previous as Status | undefined;
    const after = next as Status;
    if (stateOf(kind, after) === "fulfilled" && stateOf(kind, before) !== "fulfilled") {
      const created = Date.parse(obj.metadata.creationTimestamp ?? "");
      if (!Number.isNaN(created)) metrics.timeToFulfilled.observe({ kind }, Math.max(0, (now.getTime() - created) / 1000));
    }
    const was = before?.stage;
    if (was?.name && was.since && was.name !== after.stage?.name) {
      const since = Date.parse(was.since);
      if (!Number.isNaN(since))
        metrics.stageDuration.observe({ kind, stage: was.name }, Math.max(0, (now.getTime() - since) / 1000));
    }
  });
}

/** ProvisioningRequest: provisioningState; FocomProvisioningRequest: fulfilled once Ready is True, else its phase. */
function stateOf(kind: string, status: Status | undefined): string | undefined {
  if (!status) return undefined;
  if (kind === "ProvisioningRequest") return status.provisioningStatus?.provisioningState;
  if (status.conditions?.some(c => c.type === "Ready" && c.status === "True")) return "fulfilled";
  return status.phase;
}

/** One count per violated rule of a denied request. */
export function countDenials(kind: string, violations: Pick<Violation, "rule">[]): void {
  for (const v of violations) metrics.admissionDenials.inc({ kind, rule: v.rule || "unnamed" });
}

/** An O-Cloud connection's watch is up (1) or down (0). */
export function setRemoteReachable(ocloud: string, reachable: boolean): void {
  metrics.remoteReachable.set({ ocloud }, reachable ? 1 : 0);
}
