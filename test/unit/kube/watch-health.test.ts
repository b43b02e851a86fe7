import {
  backoffDelay,
  DEFAULT_BACKOFF,
  WatchLogger,
  watchesConnected,
  watchStates,
  WatchTracker,
} from "../../../kube/watch-health";

/** A logger that records its lines, and a clock the test moves. */
function harness() {
  const lines: { level: "warn" | "info"; message: string }[] = [];
  const log: WatchLogger = {
    warn: message => lines.push({ level: "warn", message }),
    info: message => lines.push({ level: "info", message }),
  };
  let now = 1_000_000;
  return { lines, log, now: () => now, advance: (ms: number) => (now += ms) };
}

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, with at most half of it random", () => {
    const low = () => 0;
    const high = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7].map(a => backoffDelay(a, {}, high))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3, 4, 5, 6, 7].map(a => backoffDelay(a, {}, low))).toEqual([125, 250, 500, 1000, 2000, 2500, 2500]);
    expect(backoffDelay(1000, {}, high)).toBe(DEFAULT_BACKOFF.capMs); // no overflow however long the outage
    expect(backoffDelay(3, { baseMs: 100, capMs: 300 }, high)).toBe(300);
  });

  it("spreads the retries of many watches over the upper half of the capped delay (jitter)", () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(20));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.capMs / 2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(DEFAULT_BACKOFF.capMs);
    expect(new Set(delays.map(d => Math.floor(d / 250))).size).toBeGreaterThan(5); // not all at one instant
  });
});

describe("WatchTracker", () => {
  it("logs once when an outage starts and once when it ends, however many attempts fail in between", () => {
    const h = harness();
    const t = new WatchTracker("https://x pods", { log: h.log, now: h.now, random: () => 1 });
    expect(t.connected()).toBe(false); // the first list is no recovery
    h.advance(1000);
    const delays = Array.from({ length: 50 }, () => {
      h.advance(5000);
      return t.failed(new Error("connect ECONNREFUSED 127.0.0.1:1"));
    });
    expect(delays.slice(0, 3)).toEqual([250, 500, 1000]);
    expect(Math.max(...delays)).toBe(5000);
    expect(h.lines).toEqual([
      {
        level: "warn",
        message: "watch of https://x pods lost: connect ECONNREFUSED 127.0.0.1:1; retrying every 5s at most until it is back",
      },
    ]);
    h.advance(3000);
    expect(t.connected()).toBe(true);
    expect(h.lines).toHaveLength(2);
    expect(h.lines[1]).toEqual({
      level: "info",
      message: "watch of https://x pods restored after 248.0s (50 failed attempts); relisted",
    });
    // Connected again: a later list is no recovery, and the back-off starts over.
    expect(t.connected()).toBe(false);
    h.advance(10_000);
    expect(t.failed(new Error("again"))).toBe(250);
    expect(h.lines).toHaveLength(3);
    t.remove();
  });

  it("records connected or disconnected since when, with the last error, for every live watch", () => {
    const h = harness();
    const a = new WatchTracker("a", { log: h.log, now: h.now });
    const b = new WatchTracker("b", { log: h.log, now: h.now });
    expect(watchStates().filter(s => ["a", "b"].includes(s.watch))).toMatchObject([
      { watch: "a", connected: false, attempts: 0 },
      { watch: "b", connected: false, attempts: 0 },
    ]);
    a.connected();
    b.connected();
    expect(watchesConnected()).toBe(true);
    h.advance(10_000);
    b.failed(new Error("HTTP 503"));
    h.advance(10_000);
    b.failed(new Error("HTTP 500"));
    const state = watchStates().find(s => s.watch === "b")!;
    expect(state).toMatchObject({ connected: false, attempts: 2, lastError: "HTTP 500" });
    expect(state.since.getTime()).toBe(h.now() - 10_000); // since the outage began, not the last attempt
    expect(watchesConnected()).toBe(false);
    b.remove();
    expect(watchesConnected()).toBe(true);
    a.remove();
    expect(watchStates().map(s => s.watch)).not.toContain("a");
  });

  it("says a watch that never listed cannot start, once, and that it started", () => {
    const h = harness();
    const t = new WatchTracker("c", { log: h.log, now: h.now });
    t.failed(new Error("refused"));
    t.failed(new Error("refused"));
    expect(t.connected()).toBe(false); // nothing cached before: no replay needed
    expect(h.lines.map(l => l.message)).toEqual([
      "watch of c cannot start: refused; retrying every 5s at most until it is back",
      "watch of c started after 2 failed attempts",
    ]);
    t.remove();
  });
});

describe("WatchTracker flapping", () => {
  it("treats a failure right after a recovery as the same outage: no second lost or restored line", () => {
    const h = harness();
    const t = new WatchTracker("d", { log: h.log, now: h.now });
    t.connected();
    h.advance(1000);
    t.failed(new Error("refused"));
    h.advance(20_000);
    expect(t.connected()).toBe(true);
    h.advance(1000); // the API server answered a list, then dropped the watch
    t.failed(new Error("reset"));
    expect(t.snapshot).toMatchObject({ connected: false, lastError: "reset" });
    expect(t.snapshot.since.getTime()).toBe(h.now() - 21_000); // since the outage began
    h.advance(2000);
    t.connected();
    expect(h.lines.map(l => l.level)).toEqual(["warn", "info"]);
    h.advance(60_000); // a failure long after the recovery is a new outage
    t.failed(new Error("refused"));
    expect(h.lines.map(l => l.level)).toEqual(["warn", "info", "warn"]);
    t.remove();
  });
});
