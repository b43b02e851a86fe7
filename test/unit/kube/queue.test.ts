import { WorkQueue } from "../../../kube/queue";

describe("WorkQueue", () => {
  it("runs a key once even when added many times while waiting", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>(r => (release = r));
    const q = new WorkQueue(
      async k => {
        seen.push(k);
        if (k === "busy") await gate;
      },
      { concurrency: 1 },
    );
    q.add("busy"); // occupies the only worker, so the adds below wait in the queue
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    release();
    await q.idle();
    expect(seen).toEqual(["busy", "a", "b"]);
  });

  it("never runs the same key twice at once, and re-runs a key added while it ran", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>(r => (release = r));
    const q = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await gate;
        running--;
      },
      { concurrency: 4 },
    );
    q.add("k");
    q.add("k"); // while running: marked dirty
    release();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it("retries a failing key with exponential backoff until it succeeds", async () => {
    const attempts: number[] = [];
    const errors: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>(r => (done = r));
    const q = new WorkQueue(
      async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error("boom");
        done();
      },
      { baseDelayMs: 20, onError: (_k, _e, attempt) => errors.push(attempt) },
    );
    q.add("x");
    await finished;
    expect(errors).toEqual([1, 2]);
    // Each retry waits at least its backoff (20 ms, then 40 ms); timers never fire early by more than a tick.
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(19);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(39);
    expect(q.backoff(1)).toBe(20);
    expect(q.backoff(3)).toBe(80);
  });

  it("caps the backoff", () => {
    const q = new WorkQueue(async () => undefined, { baseDelayMs: 100, maxDelayMs: 1000 });
    expect(q.backoff(20)).toBe(1000);
  });

  it("re-queues after the delay a handler asks for", async () => {
    const runs: number[] = [];
    let done!: () => void;
    const second = new Promise<void>(r => (done = r));
    const q = new WorkQueue(async () => {
      runs.push(Date.now());
      if (runs.length === 1) return { requeueAfterMs: 30 };
      done();
    });
    q.add("r");
    await second;
    expect(runs[1] - runs[0]).toBeGreaterThanOrEqual(25);
    q.stop();
  });
});
