/**
 * The module's own Prometheus metrics (generic: queues, reconciles, requests by state, stage times, remote
 * reachability, admission denials), in one prom-client registry. Pepr 1.1.4 serves /metrics from its own private
 * registry and offers only label-less counters and summaries, so capabilities/metrics.ts appends this registry's
 * text to Pepr's answer: one endpoint, Prometheus names (`ocp_…`, `_total` counters, `_seconds` histograms).
 */
import { getHeapStatistics } from "node:v8";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { watchStates } from "./watch-health";

export const registry = new Registry();

const SLOW_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export const metrics = {
  queueDepth: new Gauge({
    name: "ocp_workqueue_depth",
    help: "Keys waiting in the work queue (not yet picked up by a worker)",
    labelNames: ["queue"],
    registers: [registry],
  }),
  queueAdds: new Counter({
    name: "ocp_workqueue_adds_total",
    help: "Keys added to the work queue",
    labelNames: ["queue"],
    registers: [registry],
  }),
  queueRetries: new Counter({
    name: "ocp_workqueue_retries_total",
    help: "Keys re-queued with backoff after their handler failed",
    labelNames: ["queue"],
    registers: [registry],
  }),
  reconcileDuration: new Histogram({
    name: "ocp_reconcile_duration_seconds",
    help: "Duration of one reconcile, by controller and result",
    labelNames: ["controller", "result"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  }),
  reconcileErrors: new Counter({
    name: "ocp_reconcile_errors_total",
    help: "Reconciles that failed (and were retried), by controller",
    labelNames: ["controller"],
    registers: [registry],
  }),
  requests: new Gauge({
    name: "ocp_requests",
    help: "Requests by kind and state (ProvisioningRequest: provisioningState; FocomProvisioningRequest: phase)",
    labelNames: ["kind", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [kind, provider] of stateProviders) for (const [state, n] of await provider()) this.set({ kind, state }, n);
    },
  }),
  timeToFulfilled: new Histogram({
    name: "ocp_request_time_to_fulfilled_seconds",
    help: "Time from a request's creation to its first fulfilled state, by kind",
    labelNames: ["kind"],
    buckets: SLOW_BUCKETS,
    registers: [registry],
  }),
  stageDuration: new Histogram({
    name: "ocp_request_stage_duration_seconds",
    help: "Time a request spent in a provisioning stage, observed when it leaves the stage, by kind and stage",
    labelNames: ["kind", "stage"],
    buckets: SLOW_BUCKETS,
    registers: [registry],
  }),
  watches: new Gauge({
    name: "ocp_watches",
    help: "The module's list+watch streams by state (disconnected: an API server outage, or not yet listed), at scrape time",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const states = watchStates();
      const down = states.filter(w => !w.connected).length;
      this.set({ state: "connected" }, states.length - down);
      this.set({ state: "disconnected" }, down);
    },
  }),
  remoteReachable: new Gauge({
    name: "ocp_ocloud_reachable",
    help: "1 when the watch of an O-Cloud's API server is connected, 0 when it is not, by connection",
    labelNames: ["ocloud"],
    registers: [registry],
  }),
  heap: new Gauge({
    // The figure the old-space cap (NODE_OPTIONS --max-old-space-size in package.json pepr.env) is sized against.
    // prom-client's default metrics report the heap's size and use but not its limit, so this one reads V8 directly.
    name: "ocp_heap_bytes",
    help: "V8 heap of this process at scrape time: used, and limit (the old-space cap plus the young generation)",
    labelNames: ["measure"],
    registers: [registry],
    collect() {
      const h = getHeapStatistics();
      this.set({ measure: "used" }, h.used_heap_size);
      this.set({ measure: "limit" }, h.heap_size_limit);
    },
  }),
  admissionDenials: new Counter({
    name: "ocp_admission_denials_total",
    help: "Admission requests denied, by kind and rule (one count per violated rule)",
    labelNames: ["kind", "rule"],
    registers: [registry],
  }),
};

type StateCounts = Map<string, number>;
const stateProviders = new Map<string, () => StateCounts | Promise<StateCounts>>();

/** Counts of requests of kind by state, read at each scrape (from an informer cache, say). */
export function provideRequestStates(kind: string, provider: () => StateCounts | Promise<StateCounts>): void {
  stateProviders.set(kind, provider);
}

/** Counts values (e.g. states) into a map. */
export function countBy<T>(items: T[], key: (item: T) => string): StateCounts {
  const out: StateCounts = new Map();
  for (const i of items) out.set(key(i), (out.get(key(i)) ?? 0) + 1);
  return out;
}

/** The hooks a WorkQueue named `queue` reports through. */
export function queueMetrics(queue: string) {
  return {
    added: () => metrics.queueAdds.inc({ queue }),
    depth: (n: number) => metrics.queueDepth.set({ queue }, n),
    retried: () => metrics.queueRetries.inc({ queue }),
    reconciled: (seconds: number, ok: boolean) => {
      metrics.reconcileDuration.observe({ controller: queue, result: ok ? "success" : "error" }, seconds);
      if (!ok) metrics.reconcileErrors.inc({ controller: queue });
    },
  };
}
export type QueueMetrics = ReturnType<typeof queueMetrics>;
