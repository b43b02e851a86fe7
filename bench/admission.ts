/**
 * Phase 2: admission latency. Server-side dry-run creates (nothing is stored, nothing reconciles) of valid and
 * invalid requests, `concurrency` clients at once, in a namespace the module's webhooks match and in kube-system,
 * which the built webhook configurations exclude (namespaceSelector NotIn kube-system, pepr-system): same API
 * server, same object, same dry-run storage path, no webhook calls. Added latency = percentile(with webhooks) -
 * percentile(without). The two modes alternate in batches so drift hits both alike.
 */
import type { ByohTemplateParameters } from "../api/generated/types";
import { KubeError, KubeObject } from "../kube/client";
import { R, Resource } from "../kube/resources";
import { focomRequest, HostRef, prepareNamespace, provisioningRequest, registerHosts } from "./fixtures";
import { CpuMeter } from "./procstat";
import { BenchContext } from "./throughput";
import { log, mean, nowMs, percentile, pool, round } from "./util";

const WITH = "bench-adm";
const WITHOUT = "kube-system";
type Mode = "with" | "without";
type Validity = "valid" | "invalid";

interface Point {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
}

export interface KindResult {
  concurrency: number;
  with: Point;
  without: Point;
  p50AddedMs: number;
  p99AddedMs: number;
  valid: { p50AddedMs: number; p99AddedMs: number };
  invalid: { p50AddedMs: number; p99AddedMs: number };
  unexpectedOutcomes: number;
}

export interface AdmissionResult {
  kind: string;
  concurrency: number[];
  p50AddedMs: number[];
  p99AddedMs: number[];
  requestsPerPoint: number;
  details: Record<string, KindResult[]>;
  /** What the admission caches held while measuring (validation scans other requests and ByoHosts). */
  populated: { provisioningRequests: number; byoHosts: number };
  cpu: ReturnType<typeof CpuMeter.between>;
}

const point = (v: number[]): Point => ({
  p50Ms: round(percentile(v, 50)),
  p99Ms: round(percentile(v, 99)),
  meanMs: round(mean(v)),
  samples: v.length,
});

function builders(hosts: HostRef[]): Record<string, { res: Resource; make: (ns: string, i: number, v: Validity) => KubeObject }> {
  const [h1, h2, h3] = hosts;
  const params = (i: number, v: Validity) =>
    ({
      clusterName: `adm${i}`,
      k8sVersion: "v1.32.0",
      controlPlaneEndpoint: "172.30.0.1",
      // invalid: two masters (stacked etcd needs an odd number) — valid for the CRD schema, denied by the webhook
      hosts: v === "valid" ? { masters: [h1], workers: [h2, h3] } : { masters: [h1, h2], workers: [h3] },
    }) as ByohTemplateParameters;
  return {
    ProvisioningRequest: { res: R.ProvisioningRequest, make: (ns, i, v) => provisioningRequest(ns, `adm-${i}`, params(i, v)) },
    FocomProvisioningRequest: {
      res: R.FocomProvisioningRequest,
      make: (ns, i, v) => focomRequest(ns, { name: `adm-${i}`, clusterName: `adm${i}`, params: params(i, v) }),
    },
  };
}

export async function admission(ctx: BenchContext, perPoint: number, concurrencies = [1, 20]): Promise<AdmissionResult> {
  await prepareNamespace(ctx.client, WITH);
  await prepareNamespace(ctx.client, WITHOUT); // the OCloud and TemplateInfo too, so both namespaces look alike
  const hosts = await registerHosts(ctx.client, "admh", ctx.nextHostId, 3);
  ctx.nextHostId += 3;
  ctx.rss.phase = "admission";
  await ctx.profiler?.start("admission");
  const before = ctx.cpu.snapshot();
  const kinds = builders(hosts);
  const details: Record<string, KindResult[]> = {};
  let counter = 0;

  for (const [kind, { res, make }] of Object.entries(kinds)) {
    details[kind] = [];
    for (const concurrency of concurrencies) {
      const lat: Record<Mode, Record<Validity, number[]>> = {
        with: { valid: [], invalid: [] },
        without: { valid: [], invalid: [] },
      };
      let unexpected = 0;
      const batch = async (mode: Mode, count: number, record: boolean) => {
        const ns = mode === "with" ? WITH : WITHOUT;
        const items = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? "valid" : "invalid") as Validity);
        await pool(items, concurrency, async v => {
          const obj = make(ns, counter++, v);
          const t0 = nowMs();
          let denied = false;
          try {
            await ctx.client.create(res, obj, { dryRun: true });
          } catch (e) {
            if (!(e instanceof KubeError) || e.status >= 500) throw e;
            denied = true;
          }
          const dt = nowMs() - t0;
          const expectDenied = mode === "with" && v === "invalid";
          if (denied !== expectDenied) unexpected++;
          if (record) lat[mode][v].push(dt);
        });
      };
      await batch("with", 20, false); // warm-up: connections, informer-backed admission views
      await batch("without", 20, false);
      const perBatch = Math.max(20, concurrency * 4);
      for (let r = 0; lat.with.valid.length + lat.with.invalid.length < 2 * perPoint; r++) {
        const order: Mode[] = r % 2 === 0 ? ["with", "without"] : ["without", "with"];
        for (const mode of order) await batch(mode, perBatch, true);
      }
      const all = (m: Mode) => [...lat[m].valid, ...lat[m].invalid];
      const added = (a: number[], b: number[], p: number) => round(percentile(a, p) - percentile(b, p));
      const kr: KindResult = {
        concurrency,
        with: point(all("with")),
        without: point(all("without")),
        p50AddedMs: added(all("with"), all("without"), 50),
        p99AddedMs: added(all("with"), all("without"), 99),
        valid: {
          p50AddedMs: added(lat.with.valid, lat.without.valid, 50),
          p99AddedMs: added(lat.with.valid, lat.without.valid, 99),
        },
        invalid: {
          p50AddedMs: added(lat.with.invalid, lat.without.invalid, 50),
          p99AddedMs: added(lat.with.invalid, lat.without.invalid, 99),
        },
        unexpectedOutcomes: unexpected,
      };
      details[kind].push(kr);
      log(`admission ${kind} x${concurrency}: ${JSON.stringify(kr)}`);
    }
  }
  const cpu = CpuMeter.between(before, ctx.cpu.snapshot());
  await ctx.profiler?.stop("admission");
  const pr = details.ProvisioningRequest;
  const [prs, byoHosts] = await Promise.all([ctx.client.list(R.ProvisioningRequest), ctx.client.list(R.ByoHost)]);
  return {
    kind: "ProvisioningRequest (valid and invalid, alternating)",
    concurrency: concurrencies,
    p50AddedMs: pr.map(p => p.p50AddedMs),
    p99AddedMs: pr.map(p => p.p99AddedMs),
    requestsPerPoint: 2 * perPoint,
    details,
    populated: { provisioningRequests: prs.length, byoHosts: byoHosts.length },
    cpu,
  };
}
