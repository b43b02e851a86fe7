/**
 * Notification delivery: one ordered queue per subscription, so a consumer sees a subscription's notifications in
 * the order the changes happened; a failed POST is retried with exponential backoff up to a bound, then dropped (and
 * logged) so the queue moves on. Each subscription's queue runs on its own, so a slow or dead consumer delays only
 * its own notifications. Redirects are never followed (a 3xx is a failure): a consumer could otherwise redirect the
 * server to an address the allow-list refuses. Names are resolved through a lookup that refuses link-local and
 * metadata addresses (callback-url.ts addressUsable), so an allowed name cannot be re-pointed at them.
 * Hand-written over node:http: the retry/queue logic is specific (ordered per key, bounded, health callbacks) and the
 * request itself is one POST; a general HTTP client library would have to be configured not to follow redirects
 * and to check resolved addresses anyway.
 */
import { lookup as dnsLookup, LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { addressUsable } from "./callback-url";

export interface RetryPolicy {
  /** Attempts per notification, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One POST's time limit. */
  timeoutMs: number;
  /** Notifications waiting per subscription; beyond it the oldest waiting is dropped (a dead consumer bounds memory). */
  maxQueued: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 5_000,
  maxQueued: 1_000,
};

/** Delay before attempt `attempt + 1` after `attempt` failed ones (1-based): base * 2^(attempt-1), capped. */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** POSTs body to url; resolves on a 2xx answer, rejects with the reason otherwise. */
export type Sender = (url: string, body: unknown) => Promise<void>;

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, "", 4);
    const list = addresses as unknown as LookupAddress[];
    const usable = list.filter(a => addressUsable(a.address));
    if (!usable.length) {
      const e = Object.assign(new Error(`${hostname} resolves only to link-local or unspecified addresses`), {
        code: "EREFUSED",
      });
      return callback(e, "", 4);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
    callback(null, usable[0].address, usable[0].family);
  });
};

export function httpSender(timeoutMs: number): Sender {
  return (url, body) =>
    new Promise<void>((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const target = new URL(url);
      const mod = target.protocol === "https:" ? https : http;
      const req = mod.request(
        target,
        {
          method: "POST",
          headers: { "Content-Type": "application/json", "Content-Length": String(payload.length) },
          lookup: guardedLookup,
          timeout: timeoutMs,
        },
        res => {
          res.resume(); // the consumer's answer body is not read
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve();
          else if (code >= 300 && code < 400) reject(new Error(`HTTP ${code}: redirects are not followed`));
          else reject(new Error(`HTTP ${code}`));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
}

interface Pending {
  url: string;
  body: unknown;
  attempts: number;
}

export interface DeliveryHooks {
  /** A notification was delivered (first attempt or a retry). */
  delivered?(subscriptionId: string, body: unknown, attempts: number): void;
  /** An attempt failed; dropped = no attempt is left for this notification. */
  failed?(subscriptionId: string, error: Error, attempt: number, dropped: boolean): void;
}

export class Deliverer {
  private readonly queues = new Map<string, Pending[]>();
  private readonly running = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly send: Sender,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly hooks: DeliveryHooks = {},
  ) {}

  /** Queues one notification for a subscription, behind the ones already waiting for it. */
  enqueue(subscriptionId: string, url: string, body: unknown): void {
    if (this.stopped) return;
    let q = this.queues.get(subscriptionId);
    if (!q) this.queues.set(subscriptionId, (q = []));
    q.push({ url, body, attempts: 0 });
    // Never drop the head: it may be mid-attempt. Drop the oldest waiting behind it.
    if (q.length > this.policy.maxQueued) {
      const [dropped] = q.splice(1, 1);
      this.hooks.failed?.(
        subscriptionId,
        new Error(`more than ${this.policy.maxQueued} notifications waiting`),
        dropped.attempts,
        true,
      );
    }
    if (!this.running.has(subscriptionId)) void this.run(subscriptionId);
  }

  /** Forgets a deleted subscription's waiting notifications (one in flight still completes). */
  remove(subscriptionId: string): void {
    this.queues.delete(subscriptionId);
  }

  /** Notifications waiting or in flight, over every subscription. */
  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Resolves when nothing is waiting or in flight. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise(resolve => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queues.clear();
  }

  private wait(ms: number): Promise<void> {
    return new Promise(resolve => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.timers.add(t);
    });
  }

  private async run(id: string): Promise<void> {
    this.running.add(id);
    try {
      for (;;) {
        const q = this.queues.get(id);
        const head = q?.[0];
        if (!q || !head || this.stopped) break;
        head.attempts++;
        try {
          await this.send(head.url, head.body);
          if (this.queues.get(id)?.[0] === head) q.shift();
          this.hooks.delivered?.(id, head.body, head.attempts);
        } catch (e) {
          const dropped = head.attempts >= this.policy.maxAttempts;
          this.hooks.failed?.(id, e instanceof Error ? e : new Error(String(e)), head.attempts, dropped);
          if (dropped) {
            if (this.queues.get(id)?.[0] === head) q.shift();
          } else await this.wait(retryDelay(this.policy, head.attempts));
        }
        if (this.queues.get(id)?.length === 0) this.queues.delete(id);
      }
    } finally {
      this.running.delete(id);
      if (this.running.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
