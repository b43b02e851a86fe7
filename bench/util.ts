/** Small helpers of the benchmark: a bounded-concurrency pool, percentiles, a monotonic clock, logging. */

/** Milliseconds on a monotonic clock (process.hrtime), for durations; never compare with Date.now(). */
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const started = nowMs();
export const log = (msg: string) =>
  process.stderr.write(`[bench ${((nowMs() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);

/** Runs fn over items with at most `concurrency` calls in flight; rejects on the first failure. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Nearest-rank percentile (p in 0..100) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

/** Rounds for reporting (keeps JSON readable). */
export const round = (v: number, digits = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms));

/** Resolves when check() holds (checked on every notify() and every intervalMs), or with false at the deadline. */
export class Waiter {
  private waiters: { check: () => boolean; resolve: (ok: boolean) => void }[] = [];

  notify(): void {
    this.waiters = this.waiters.filter(w => {
      if (!w.check()) return true;
      w.resolve(true);
      return false;
    });
  }

  until(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise(resolve => {
      const entry = {
        check,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter(w => w !== entry);
        resolve(check());
      }, timeoutMs);
      this.waiters.push(entry);
    });
  }
}

/** Formats rows as an aligned plain-text table (first row = header). */
export function table(rows: (string | number)[][]): string {
  const text = rows.map(r => r.map(c => String(c)));
  const widths = text[0].map((_, i) => Math.max(...text.map(r => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  return [
    line(text[0]),
    `|${widths.map((w, i) => (i === 0 ? ":" : "") + "-".repeat(w + (i === 0 ? 1 : 1)) + (i === 0 ? "" : ":")).join("|")}|`,
    ...text.slice(1).map(line),
  ].join("\n");
}
