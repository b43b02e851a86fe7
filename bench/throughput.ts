/**
 * Phase 1: pipeline throughput at one N, against the API server's own write rate for the same objects.
 *
 * raw:      the 9N objects the module would generate, rendered by the generator and POSTed by a plain client into
 *           a separate namespace, `concurrency` at a time (simulator stopped, so nothing reacts to them), then
 *           deleted again.
 * pipeline: N FocomProvisioningRequests created `concurrency` at a time (admission webhooks, FOCOM mirror,
 *           O2IMS generation, simulator with hosts ready at once); timed until every generated object exists and
 *           until every request is Synced with its ProvisioningRequest fulfilled.
 */
import { KubeClient, KubeObject } from "../kube/client";
import { R, resourceFor } from "../kube/resources";
import { GENERATED_KINDS } from "../generators/byoh-cluster";
import {
  focomRequest,
  objectsPerRequest,
  prepareNamespace,
  rawObjects,
  registerHosts,
  RequestSpec,
  requestSpecs,
} from "./fixtures";
import { CpuMeter, RssSampler } from "./procstat";
import type { Profiler } from "./profile";
import type { ApiCalls } from "./audit";
import { SimProcess } from "./sim";
import { Tracker } from "./tracker";
import { log, nowMs, percentile, pool, round, sleep } from "./util";

export interface BenchContext {
  client: KubeClient;
  sim: SimProcess;
  rss: RssSampler;
  cpu: CpuMeter;
  concurrency: number;
  /** Next free host-id (hosts are never reused across phases). */
  nextHostId: number;
  /** Also time the raw objects written with server-side apply (the module's write path). */
  rawApply: boolean;
  /** With --profile: CPU-profiles the module (and marks the audit window) between start and stop. */
  profiler?: Profiler;
}

export interface ThroughputResult {
  n: number;
  objects: number;
  pipelineSeconds: number;
  capiObjectsSeconds: number;
  rawSeconds: number;
  ratio: number;
  objectsPerSecond: number;
  rawObjectsPerSecond: number;
  rawApplySeconds?: number;
  fprCreateSeconds: number;
  allProvisioningRequestsSeconds: number;
  fulfilled: number;
  /** Every generated object appeared before the deadline (else capiObjectsSeconds is the time waited). */
  capiObjectsComplete: boolean;
  /** Every request fulfilled before the deadline (else pipelineSeconds is the time waited). */
  completed: boolean;
  statusLatencyUnderLoad: { p50Ms: number; p95Ms: number; samples: number };
  /** CPU seconds per process over the pipeline window, and machine busy %. */
  pipelineCpu: ReturnType<typeof CpuMeter.between>;
  rawCpu: ReturnType<typeof CpuMeter.between>;
  peakRssMb: number;
  /**
   * Per request, ms: FPR created (the bench's create sent) -> its ProvisioningRequest exists -> every generated CAPI
   * object exists -> FPR fulfilled (Synced), and the whole; p50 / p95 / max over the requests that got that far.
   */
  spans: Record<"createToPr" | "prToObjects" | "objectsToFulfilled" | "createToFulfilled", SpanStats>;
  /** kube-apiserver CPU seconds over the pipeline window per request (the whole pipeline: module, simulator, bench). */
  apiserverCpuSecondsPerRequest: number;
  /**
   * The namespace's largest ConfigMap after the pipeline: the CNI ConfigMap every request's ClusterResourceSet
   * shares, on which CAPI (here the simulator) puts one ownerReference per set, so it grows with N.
   */
  largestConfigMap?: { name: string; ownerReferences: number; jsonKb: number };
  /** The pipeline's wall-clock window, for the audit log (bench/audit.ts fills apiCalls after the run). */
  window: { from: string; to: string };
  apiCalls?: ApiCalls;
}

export interface SpanStats {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  samples: number;
}

const spanStats = (v: number[]): SpanStats => ({
  p50Ms: round(percentile(v, 50), 0),
  p95Ms: round(percentile(v, 95), 0),
  maxMs: round(v.length ? Math.max(...v) : NaN, 0),
  samples: v.length,
});

/** POSTs every object, `concurrency` at a time; seconds from first request to last answer. */
async function timedWrites(
  client: KubeClient,
  objects: KubeObject[],
  concurrency: number,
  write: "create" | "apply",
): Promise<number> {
  const t0 = nowMs();
  await pool(objects, concurrency, async o => {
    const res = resourceFor(o.apiVersion!, o.kind!);
    await (write === "create" ? client.create(res, o) : client.apply(res, o));
  });
  return (nowMs() - t0) / 1000;
}

async function biggestConfigMap(client: KubeClient, namespace: string): Promise<ThroughputResult["largestConfigMap"]> {
  const sized = (await client.list(R.ConfigMap, { namespace })).map(cm => ({
    name: cm.metadata.name,
    ownerReferences: cm.metadata.ownerReferences?.length ?? 0,
    jsonKb: round(JSON.stringify(cm).length / 1024, 1),
  }));
  return sized.sort((a, b) => b.jsonKb - a.jsonKb)[0];
}

async function dropNamespace(client: KubeClient, namespace: string): Promise<void> {
  // Delete the objects first (a collection DELETE per kind: immediate, none has finalizers), then the namespace.
  for (const res of GENERATED_KINDS) await client.request("DELETE", client.path(res, namespace));
  await client.delete(R.Namespace, namespace);
}

export async function rawPhase(
  ctx: BenchContext,
  n: number,
  specs: RequestSpec[],
): Promise<{ seconds: number; applySeconds?: number; cpu: ReturnType<typeof CpuMeter.between> }> {
  const ns = `raw-n${n}`;
  await prepareNamespace(ctx.client, ns, false);
  const objects = specs.flatMap((s, i) => rawObjects(ns, s, i));
  ctx.rss.phase = `raw-${n}`;
  const before = ctx.cpu.snapshot();
  const seconds = await timedWrites(ctx.client, objects, ctx.concurrency, "create");
  const cpu = CpuMeter.between(before, ctx.cpu.snapshot());
  log(`N=${n} raw: ${objects.length} objects created in ${seconds.toFixed(2)} s (${(objects.length / seconds).toFixed(0)}/s)`);
  let applySeconds: number | undefined;
  if (ctx.rawApply) {
    const nsApply = `rawa-n${n}`;
    await prepareNamespace(ctx.client, nsApply, false);
    applySeconds = await timedWrites(
      ctx.client,
      specs.flatMap((s, i) => rawObjects(nsApply, s, i)),
      ctx.concurrency,
      "apply",
    );
    log(`N=${n} raw: ${objects.length} objects server-side applied in ${applySeconds.toFixed(2)} s`);
    await dropNamespace(ctx.client, nsApply);
  }
  await dropNamespace(ctx.client, ns);
  return { seconds, applySeconds, cpu };
}

export async function throughput(ctx: BenchContext, n: number, timeoutMs: number): Promise<ThroughputResult> {
  const ns = `bench-n${n}`;
  const perRequest = objectsPerRequest();
  const expected = n * perRequest;
  await prepareNamespace(ctx.client, ns);
  const hosts = await registerHosts(ctx.client, `n${n}h`, ctx.nextHostId, 3 * n);
  ctx.nextHostId += 3 * n;
  const specs = requestSpecs(`n${n}`, hosts);
  log(`N=${n}: namespace ${ns}, ${hosts.length} hosts registered`);

  // The raw baseline needs a cluster where nothing reacts to CAPI objects: stop the simulator meanwhile.
  await ctx.sim.stop();
  const raw = await rawPhase(ctx, n, specs);
  await ctx.sim.start();
  await sleep(1000); // let the module and simulator settle after the host registrations

  const tracker = new Tracker(ctx.client, ns, perRequest);
  await tracker.start();
  ctx.rss.phase = `pipeline-${n}`;
  await ctx.profiler?.start(`pipeline-${n}`);
  const before = ctx.cpu.snapshot();
  const from = new Date().toISOString();
  const t0 = nowMs();
  let capiAt: number | undefined;
  let prsAt: number | undefined;
  const fprs = specs.map(s => focomRequest(ns, s));
  const createdAt = new Map<string, number>();
  const created = pool(fprs, ctx.concurrency, async o => {
    createdAt.set(o.metadata.name, nowMs());
    await ctx.client.create(R.FocomProvisioningRequest, o);
  }).then(() => nowMs());
  const progress = setInterval(() => {
    log(
      `N=${n} pipeline: ${tracker.prSeen.size}/${n} PR, ${tracker.objectSeen.size}/${expected} objects, ${tracker.fprSynced.size}/${n} fulfilled`,
    );
  }, 10_000);
  const check = () => {
    if (capiAt === undefined && tracker.objectSeen.size >= expected) capiAt = Math.max(...tracker.objectSeen.values());
    if (prsAt === undefined && tracker.prSeen.size >= n) prsAt = Math.max(...tracker.prSeen.values());
    return tracker.fprSynced.size >= n;
  };
  const done = await tracker.changed.until(check, timeoutMs);
  check();
  clearInterval(progress);
  const allCreatedAt = await created;
  const end = done ? Math.max(...tracker.fprSynced.values()) : nowMs();
  const pipelineCpu = CpuMeter.between(before, ctx.cpu.snapshot());
  const to = new Date().toISOString();
  const spans = tracker.spans(createdAt);
  await ctx.profiler?.stop(`pipeline-${n}`);
  tracker.stop();
  if (!done) log(`N=${n} pipeline: TIMED OUT after ${timeoutMs / 1000} s with ${tracker.fprSynced.size}/${n} fulfilled`);

  const largestConfigMap = await biggestConfigMap(ctx.client, ns).catch(() => undefined);
  const capiObjectsSeconds = ((capiAt ?? nowMs()) - t0) / 1000;
  const lat = tracker.statusLatencies();
  const result: ThroughputResult = {
    n,
    objects: expected,
    pipelineSeconds: round((end - t0) / 1000),
    capiObjectsSeconds: round(capiObjectsSeconds),
    rawSeconds: round(raw.seconds),
    ratio: round(raw.seconds / capiObjectsSeconds, 3),
    objectsPerSecond: round(expected / capiObjectsSeconds, 1),
    rawObjectsPerSecond: round(expected / raw.seconds, 1),
    ...(raw.applySeconds !== undefined ? { rawApplySeconds: round(raw.applySeconds) } : {}),
    fprCreateSeconds: round((allCreatedAt - t0) / 1000),
    allProvisioningRequestsSeconds: round(((prsAt ?? nowMs()) - t0) / 1000),
    fulfilled: tracker.fprSynced.size,
    capiObjectsComplete: capiAt !== undefined,
    completed: done,
    statusLatencyUnderLoad: {
      p50Ms: round(percentile(lat.total, 50), 1),
      p95Ms: round(percentile(lat.total, 95), 1),
      samples: lat.total.length,
    },
    pipelineCpu,
    rawCpu: raw.cpu,
    peakRssMb: round(ctx.rss.peakByPhase.get(`pipeline-${n}`) ?? NaN, 1),
    spans: {
      createToPr: spanStats(spans.toPr),
      prToObjects: spanStats(spans.prToObjects),
      objectsToFulfilled: spanStats(spans.objectsToFulfilled),
      createToFulfilled: spanStats(spans.total),
    },
    apiserverCpuSecondsPerRequest: round((pipelineCpu.cpuSeconds["kube-apiserver"] ?? NaN) / n, 3),
    largestConfigMap,
    window: { from, to },
  };
  log(
    `N=${n} pipeline: objects ${result.capiObjectsSeconds} s, fulfilled ${result.pipelineSeconds} s, raw ${result.rawSeconds} s, ratio ${result.ratio}, ` +
      `cpu ${JSON.stringify(pipelineCpu.cpuSeconds)} busy ${pipelineCpu.machineBusyPercent}%, largest ConfigMap ` +
      JSON.stringify(largestConfigMap),
  );
  return result;
}
