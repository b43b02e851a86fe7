/**
 * Phase 3: status latency. `requests` FocomProvisioningRequests, a few in flight at a time (so the figure is the
 * event-driven status path, not a backlog), each from the moment the benchmark's watch saw the last object its
 * fulfilment depends on become ready (normally the last worker's MachineDeployment reaching readyReplicas 1) to the
 * moment its watch saw the FocomProvisioningRequest Synced with the remote fulfilled.
 */
import { R } from "../kube/resources";
import { focomRequest, prepareNamespace, registerHosts, requestSpecs } from "./fixtures";
import { CpuMeter } from "./procstat";
import { Tracker } from "./tracker";
import { BenchContext } from "./throughput";
import { log, mean, percentile, pool, round } from "./util";

export interface StatusLatency {
  p50Ms: number;
  p95Ms: number;
  samples: number;
  /** Same path split at the ProvisioningRequest: ready -> PR fulfilled (o2ims), PR fulfilled -> FPR Synced (focom). */
  o2ims: { p50Ms: number; p95Ms: number };
  focom: { p50Ms: number; p95Ms: number };
  meanMs: number;
  maxMs: number;
  inFlight: number;
  /** Which object was the last to become ready, per request. */
  lastReady: Record<string, number>;
  cpu: ReturnType<typeof CpuMeter.between>;
}

export async function statusLatency(ctx: BenchContext, requests: number, inFlight = 4): Promise<StatusLatency> {
  const ns = "bench-lat";
  await prepareNamespace(ctx.client, ns);
  const hosts = await registerHosts(ctx.client, "lath", ctx.nextHostId, 3 * requests);
  ctx.nextHostId += 3 * requests;
  const specs = requestSpecs("lat", hosts);
  await ctx.sim.start();
  const tracker = new Tracker(ctx.client, ns);
  await tracker.start();
  ctx.rss.phase = "status-latency";
  const before = ctx.cpu.snapshot();
  let timeouts = 0;
  await pool(specs, inFlight, async s => {
    await ctx.client.create(R.FocomProvisioningRequest, focomRequest(ns, s));
    if (!(await tracker.changed.until(() => tracker.fprSynced.has(s.name), 60_000))) timeouts++;
  });
  tracker.stop();
  const lat = tracker.statusLatencies();
  const stat = (v: number[]) => ({ p50Ms: round(percentile(v, 50), 1), p95Ms: round(percentile(v, 95), 1) });
  const result: StatusLatency = {
    ...stat(lat.total),
    samples: lat.total.length,
    o2ims: stat(lat.o2ims),
    focom: stat(lat.focom),
    meanMs: round(mean(lat.total), 1),
    maxMs: round(Math.max(...lat.total), 1),
    inFlight,
    lastReady: lat.lastReadyKinds,
    cpu: CpuMeter.between(before, ctx.cpu.snapshot()),
  };
  log(`status latency: ${JSON.stringify(result)}${timeouts ? ` (${timeouts} requests not fulfilled within 60 s)` : ""}`);
  return result;
}
