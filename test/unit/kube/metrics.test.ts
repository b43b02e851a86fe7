/** kube/metrics: the work queue reports adds, depth, retries and handler durations; requests by state at scrape. */
import { countBy, provideRequestStates, queueMetrics, registry } from "../../../kube/metrics";
import { WorkQueue } from "../../../kube/queue";
import { WatchTracker } from "../../../kube/watch-health";

const value = async (series: string) => {
  const line = (await registry.metrics()).split("\n").find(l => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

it("a queue's adds, retries, reconcile durations and errors move", async () => {
  let fail = true;
  const q = new WorkQueue(
    async () => {
      if (fail) {
        fail = false;
        throw new Error("once");
      }
    },
    { baseDelayMs: 1, metrics: queueMetrics("unit") },
  );
  q.add("a");
  await new Promise(r => setTimeout(r, 50));
  await q.idle();
  expect(await value('ocp_workqueue_adds_total{queue="unit"}')).toBe(2);
  expect(await value('ocp_workqueue_retries_total{queue="unit"}')).toBe(1);
  expect(await value('ocp_reconcile_errors_total{controller="unit"}')).toBe(1);
  expect(await value('ocp_reconcile_duration_seconds_count{controller="unit",result="success"}')).toBe(1);
  expect(await value('ocp_workqueue_depth{queue="unit"}')).toBe(0);
  q.stop();
});

it("requests by state are read from their provider at each scrape", async () => {
  let states = ["fulfilled", "progressing", "fulfilled"];
  provideRequestStates("Thing", () => countBy(states, s => s));
  expect(await value('ocp_requests{kind="Thing",state="fulfilled"}')).toBe(2);
  states = ["failed"];
  expect(await value('ocp_requests{kind="Thing",state="fulfilled"}')).toBeUndefined();
  expect(await value('ocp_requests{kind="Thing",state="failed"}')).toBe(1);
});

it("counts the module's watches by state at each scrape", async () => {
  const quiet = { warn: () => undefined, info: () => undefined };
  const before = (await value('ocp_watches{state="disconnected"}')) ?? 0;
  const up = (await value('ocp_watches{state="connected"}')) ?? 0;
  const t = new WatchTracker("https://127.0.0.1:1 unit-things", { log: quiet, random: () => 0 });
  t.connected();
  expect(await value('ocp_watches{state="connected"}')).toBe(up + 1);
  t.failed(new Error("connection refused"));
  expect(await value('ocp_watches{state="disconnected"}')).toBe(before + 1);
  expect(await value('ocp_watches{state="connected"}')).toBe(up);
  t.remove();
  expect(await value('ocp_watches{state="disconnected"}')).toBe(before);
});

it("reports this process's V8 heap, used and limit, at each scrape", async () => {
  const used = await value('ocp_heap_bytes{measure="used"}');
  const limit = await value('ocp_heap_bytes{measure="limit"}');
  expect(used).toBeGreaterThan(0);
  expect(limit).toBeGreaterThan(used!);
});
