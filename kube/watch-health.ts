/**
 * The state of every list+watch of this process, and how a lost one waits before the next attempt.
 *
 * A control plane goes away for seconds to minutes (upgrades, etcd compaction, partitions); a watch must outlive
 * that without flooding the log or the API server. Each watch owns a WatchTracker: it retries forever with capped
 * exponential back-off and jitter (so hundreds of watches do not reconnect in lockstep the moment the API server
 * returns), logs once when the connection is lost and once when it is back (not per attempt), and records
 * connected/disconnected since when, which watchStates() exposes for a metric and a readiness check.
 */

export interface WatchState {
  /** What is watched: "<server> <plural>[ in <namespace>][ (<selectors>)]". */
  watch: string;
  connected: boolean;
  /** When the watch last became connected, or disconnected (or was created, before its first list). */
  since: Date;
  /** Failed attempts since it was last connected. */
  attempts: number;
  lastError?: string;
}

export interface WatchLogger {
  warn(message: string): void;
  info(message: string): void;
}

export interface BackoffOptions {
  /** Delay of the first retry before jitter (default 250 ms). */
  baseMs?: number;
  /**
   * Longest delay (default 5 s): once the API server is back, every watch reconnects within this, which keeps
   * recovery within seconds of its return while a long outage costs one attempt per watch every few seconds.
   */
  capMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 250, capMs: 5000 };

/**
 * Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, with "equal jitter": half of it
 * fixed, half random, so it is never shorter than half the capped value and never longer than the cap.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs, capMs } = { ...DEFAULT_BACKOFF, ...opts };
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + random() * (exp / 2);
}

let logger: WatchLogger = {
  warn: m => console.warn(m),
  info: m => console.info(m),
};

/** Where outage and recovery lines go (the module routes them to Pepr's log). */
export function setWatchLogger(l: WatchLogger): void {
  logger = l;
}

const trackers = new Set<WatchTracker>();

/**
 * A failure this soon after a recovery continues the same outage (an API server that is shutting down or still
 * starting answers a list, then drops the watch): the state says disconnected again, but neither that failure nor
 * the recovery that follows is logged again.
 */
export const FLAP_MS = 5000;

/** One watch's connection state; the watch loop reports every list success and every failure to it. */
export class WatchTracker {
  private state: WatchState;
  private everConnected = false;
  /** When the last outage ended, and whether the current one continues it (see FLAP_MS). */
  private recoveredAt?: number;
  private outageStart?: Date;
  private continued = false;

  constructor(
    watch: string,
    private readonly opts: BackoffOptions & { now?: () => number; random?: () => number; log?: WatchLogger } = {},
  ) {
    this.state = { watch, connected: false, since: new Date(this.now()), attempts: 0 };
    trackers.add(this);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private get log(): WatchLogger {
    return this.opts.log ?? logger;
  }

  get snapshot(): WatchState {
    return { ...this.state };
  }

  /**
   * The watch listed successfully. Returns true when this ends an outage (it had been connected before and then
   * failed), so the caller can treat what it listed as a recovery (replay, re-queue).
   */
  connected(): boolean {
    const { connected, since, attempts } = this.state;
    const recovered = this.everConnected && !connected;
    if (recovered && this.continued) {
      // The end of a flap right after a recovery that was logged already.
    } else if (recovered) {
      const seconds = ((this.now() - since.getTime()) / 1000).toFixed(1);
      this.log.info(`watch of ${this.state.watch} restored after ${seconds}s (${attempts} failed attempts); relisted`);
    } else if (!connected && attempts > 0) {
      this.log.info(`watch of ${this.state.watch} started after ${attempts} failed attempts`);
    }
    if (!connected) this.state = { watch: this.state.watch, connected: true, since: new Date(this.now()), attempts: 0 };
    if (recovered) {
      this.recoveredAt = this.now();
      this.outageStart = since;
    }
    this.continued = false;
    this.everConnected = true;
    return recovered;
  }

  /** The watch failed; returns how long to wait before the next attempt. Logs only the first failure of an outage. */
  failed(error: unknown): number {
    const message = error instanceof Error ? error.message : String(error);
    const flap = this.state.connected && this.recoveredAt !== undefined && this.now() - this.recoveredAt < FLAP_MS;
    if (flap) {
      this.continued = true;
      this.state = {
        ...this.state,
        connected: false,
        since: this.outageStart ?? this.state.since,
        attempts: 1,
        lastError: message,
      };
      return backoffDelay(1, this.opts, this.opts.random);
    }
    if (this.state.connected || this.state.attempts === 0) {
      const what = this.everConnected ? "lost" : "cannot start";
      this.log.warn(
        `watch of ${this.state.watch} ${what}: ${message}; retrying every ${(this.opts.capMs ?? DEFAULT_BACKOFF.capMs) / 1000}s at most until it is back`,
      );
    }
    const since = this.state.connected ? new Date(this.now()) : this.state.since;
    this.state = { ...this.state, connected: false, since, attempts: this.state.attempts + 1, lastError: message };
    return backoffDelay(this.state.attempts, this.opts, this.opts.random);
  }

  /** The watch was stopped on purpose: no longer reported. */
  remove(): void {
    trackers.delete(this);
  }
}

/** Every live watch of this process, for a metric or a readiness check. */
export function watchStates(): WatchState[] {
  return [...trackers].map(t => t.snapshot);
}

/** True when every live watch is connected (vacuously true with none). */
export function watchesConnected(): boolean {
  return [...trackers].every(t => t.snapshot.connected);
}
