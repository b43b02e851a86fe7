/** Polling with a deadline: tests and the harness wait on observable conditions, never on fixed sleeps. */

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Says what was awaited, for the timeout error. */
  message?: string;
}

/**
 * Calls fn until it returns a value other than undefined, null or false, and resolves with that value.
 * A throwing fn counts as "not yet"; the last error is reported if the deadline passes.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.message ?? "condition"}${why}`);
    }
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** A plain timer promise, for poll intervals and back-off (not as a wait for a condition). */
export const delay = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));
