/**
 * A keyed work queue in the manner of client-go's workqueue: a key is queued at most once, processed by one worker
 * at a time, retried with exponential backoff when the handler throws, and can be re-queued after a delay.
 * Pepr 1.1.4's own Reconcile queue drops an object whose callback fails (no retry, no backoff), so every
 * reconcile goes through this queue instead.
 */
import type { QueueMetrics } from "./metrics";

export interface QueueOptions {
  concurrency?: number;
  /** Depth, adds, retries and handler durations/errors (kube/metrics.ts queueMetrics). */
  metrics?: QueueMetrics;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, error: unknown, attempt: number) => void;
}

export type Handler = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>(); // queued again while active
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly handler: Handler,
    private readonly opts: QueueOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.baseDelayMs = opts.baseDelayMs ?? 200;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
  }

  /** Queue key now (a no-op if it is already waiting). */
  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.order.push(key);
    this.opts.metrics?.added();
    this.pump();
  }

  /** Queue key after delayMs; an earlier scheduled time for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** The delay the next retry of key would get, for a key that has failed `attempt` times. */
  backoff(attempt: number): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  }

  get length(): number {
    return this.pending.size + this.active.size;
  }

  /** Resolves when nothing is queued or running (scheduled retries do not count). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      this.pending.delete(key);
      this.active.add(key);
      void this.run(key);
    }
    this.opts.metrics?.depth(this.pending.size);
    if (this.length === 0) this.idleWaiters.splice(0).forEach(w => w());
  }

  private async run(key: string): Promise<void> {
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    try {
      const result = await this.handler(key);
      this.opts.metrics?.reconciled(took(), true);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (e) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.opts.metrics?.reconciled(took(), false);
      this.opts.metrics?.retried();
      this.opts.onError?.(key, e, attempt);
      this.addAfter(key, this.backoff(attempt));
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}

/**
 * Every period, marks each key for a full re-apply and queues it at a random point within the period, so a resync of
 * hundreds of requests heals missed events and drift without one burst against the API server.
 */
export function startResync(
  queue: WorkQueue,
  keys: () => string[],
  markFull: (key: string) => void,
  periodSeconds: number,
): void {
  const timer = setInterval(() => {
    for (const key of keys()) {
      markFull(key);
      queue.addAfter(key, Math.random() * periodSeconds * 1000);
    }
  }, periodSeconds * 1000);
  timer.unref();
}
