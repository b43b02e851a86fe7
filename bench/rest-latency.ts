/**
 * Status latency over the O2 IMS REST API (issue 16: "last host ready -> FPR fulfilled, p95 <= 1 s with
 * notifications"). The same measurement as bench/latency.ts, but the FocomProvisioningRequests name an OCloud with
 * spec.o2ims: FOCOM creates and reads the mirrored request through the O-Cloud's O2 IMS REST server
 * (local/o2ims-api.ts: the built bundle under its own ServiceAccount, TLS), which runs on the bench's plane beside the
 * module (one plane serves as SMO and O-Cloud, as the other phases do), with a bearer token of the SMO's REST
 * identity (local/ocloud-rest.ts), never a kubeconfig.
 *
 * Two rounds, one after another, each `requests` requests a few in flight:
 *   notifications  the server may call the module's callback (OCP_O2IMS_CALLBACK_ALLOW=127.0.0.1): FOCOM subscribes
 *                  to the requests' state notifications (StatusDelivery Notifications)
 *   polling        the server is restarted with an empty callback allow-list and the OCloud re-declared to it: the
 *                  subscription is refused and FOCOM polls every OCP_FOCOM_REST_POLL_SECONDS (StatusDelivery Polling)
 * Notifications first, so the figure the issue asks for is taken without the polling round's load. Each round checks
 * the OCloud's StatusDelivery condition, so a round never reports one delivery mode under the other's name.
 *
 * Per request: the benchmark's watch sees the last object its fulfilment depends on become ready (Tracker.lastReadyAt:
 * normally the last worker's MachineDeployment) -> the O-Cloud's ProvisioningRequest fulfilled (named by the FPR's
 * uid over REST) -> the FocomProvisioningRequest Synced with the remote fulfilled.
 */
import fs from "node:fs";
import path from "node:path";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { O2imsApiProcess, startO2imsApi } from "../local/o2ims-api";
import { declareRestOCloud } from "../local/ocloud-rest";
import { freePorts } from "../local/plane/ports";
import { waitFor } from "../local/plane/wait";
import { focomRequest, prepareNamespace, registerHosts, requestSpecs } from "./fixtures";
import { CpuMeter } from "./procstat";
import { BenchContext } from "./throughput";
import { Tracker } from "./tracker";
import { log, mean, nowMs, percentile, pool, round, table } from "./util";

/** The namespace the REST server serves: deploy/ocloud-o2ims-rest-identity.yaml grants the SMO's identity only it. */
const NAMESPACE = "o2ims";
const OCLOUD = "bench-rest";
/** The module's callback endpoint, as the O-Cloud's server calls it. */
const CALLBACK_HOST = "127.0.0.1";

export type Delivery = "notifications" | "polling";

export interface RestLatencyRound {
  delivery: Delivery;
  /** The OCloud's StatusDelivery condition when the round ended (reason, message): which mode FOCOM really used. */
  statusDelivery: { reason?: string; message?: string };
  /** false: StatusDelivery did not say this round's mode at its end (the figure is then not of that mode). */
  deliveryConfirmed: boolean;
  samples: number;
  timeouts: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
  /** Split at the O-Cloud's ProvisioningRequest: ready -> PR fulfilled (o2ims), PR fulfilled -> FPR Synced (focom, REST). */
  o2ims: { p50Ms: number; p95Ms: number; maxMs: number };
  focom: { p50Ms: number; p95Ms: number; maxMs: number };
  inFlight: number;
  seconds: number;
  cpu: ReturnType<typeof CpuMeter.between>;
}

export interface RestStatusLatency {
  notifications?: RestLatencyRound;
  polling?: RestLatencyRound;
  /** FOCOM's poll interval in the polling round (OCP_FOCOM_REST_POLL_SECONDS; the product default). */
  pollSeconds: number;
  /** Why the phase stopped early (it never fails the whole run: the other phases' figures are kept). */
  error?: string;
}

/**
 * The module's environment for the callback endpoint (capabilities/focom/callbacks.ts): set when the module starts,
 * so the run that includes this phase starts the module with it. Kubeconfig OClouds are unaffected by it.
 */
export async function restCallbackEnv(): Promise<Record<string, string>> {
  const [port] = await freePorts(1);
  return {
    OCP_FOCOM_CALLBACK_URL: `http://${CALLBACK_HOST}:${port}`,
    OCP_FOCOM_CALLBACK_PORT: String(port),
    OCP_FOCOM_CALLBACK_HOST: CALLBACK_HOST,
  };
}

const stats = (v: number[]) => ({
  p50Ms: round(percentile(v, 50), 1),
  p95Ms: round(percentile(v, 95), 1),
  maxMs: round(v.length ? Math.max(...v) : NaN, 1),
});

type Cond = { type: string; reason?: string; message?: string };
async function statusDelivery(client: KubeClient): Promise<Cond | undefined> {
  const o = await client.find<KubeObject & { status?: { conditions?: Cond[] } }>(R.OCloud, OCLOUD, NAMESPACE);
  return o?.status?.conditions?.find(c => c.type === "StatusDelivery");
}

async function measureRound(
  ctx: BenchContext,
  delivery: Delivery,
  requests: number,
  inFlight: number,
  before: () => Promise<void>,
): Promise<RestLatencyRound> {
  const prefix = delivery === "notifications" ? "rn" : "rp";
  const hosts = await registerHosts(ctx.client, `${prefix}h`, ctx.nextHostId, 3 * requests);
  ctx.nextHostId += 3 * requests;
  const specs = requestSpecs(prefix, hosts).map((s, i) => ({ ...s, name: `rest-${delivery}-${i}` }));
  await before();
  const tracker = new Tracker(ctx.client, NAMESPACE);
  await tracker.start();
  ctx.rss.phase = `status-latency-rest-${delivery}`;
  const cpuBefore = ctx.cpu.snapshot();
  const t0 = nowMs();
  const uids = new Map<string, string>();
  let timeouts = 0;
  await pool(specs, inFlight, async s => {
    const fpr = focomRequest(NAMESPACE, s);
    (fpr.spec as Record<string, unknown>).oCloudId = OCLOUD;
    const created = await ctx.client.create(R.FocomProvisioningRequest, fpr);
    uids.set(s.name, created.metadata.uid!);
    if (!(await tracker.changed.until(() => tracker.fprSynced.has(s.name), 60_000))) timeouts++;
  });
  tracker.stop();
  const seconds = round((nowMs() - t0) / 1000, 1);
  const total: number[] = [];
  const o2ims: number[] = [];
  const focom: number[] = [];
  for (const s of specs) {
    const synced = tracker.fprSynced.get(s.name);
    const ready = tracker.lastReadyAt(s.clusterName);
    if (synced === undefined || ready === undefined) continue;
    total.push(synced - ready);
    const prFulfilled = tracker.prFulfilled.get(uids.get(s.name) ?? "");
    if (prFulfilled !== undefined) {
      o2ims.push(prFulfilled - ready);
      focom.push(synced - prFulfilled);
    }
  }
  const cond = await statusDelivery(ctx.client);
  const want = delivery === "notifications" ? "Notifications" : "Polling";
  const result: RestLatencyRound = {
    delivery,
    statusDelivery: { reason: cond?.reason, message: cond?.message },
    deliveryConfirmed: cond?.reason === want,
    samples: total.length,
    timeouts,
    ...stats(total),
    meanMs: round(mean(total), 1),
    o2ims: stats(o2ims),
    focom: stats(focom),
    inFlight,
    seconds,
    cpu: CpuMeter.between(cpuBefore, ctx.cpu.snapshot()),
  };
  log(`status latency over REST (${delivery}): ${JSON.stringify({ ...result, cpu: undefined })}`);
  if (!result.deliveryConfirmed)
    log(`WARNING: OCloud ${NAMESPACE}/${OCLOUD} StatusDelivery is ${cond?.reason} (${cond?.message}), not ${want}`);
  return result;
}

/**
 * Leaves nothing of the phase working while later phases run: with its OCloud gone, FOCOM reports each request
 * OCloudNotFound once and waits for the OCloud's events (no polls of a stopped server, no retries). Waits until it
 * has, while the server still runs (FOCOM deletes its subscription there), so the burst of status writes stays here.
 */
async function quiesce(client: KubeClient): Promise<void> {
  await client.delete(R.OCloud, OCLOUD, NAMESPACE);
  type F = KubeObject & { status?: { conditions?: Cond[] } };
  await waitFor(
    async () =>
      (await client.list<F>(R.FocomProvisioningRequest, { namespace: NAMESPACE })).every(f =>
        f.status?.conditions?.some(c => c.reason === "OCloudNotFound"),
      ),
    { timeoutMs: 60_000, intervalMs: 1000, message: `every FocomProvisioningRequest of ${NAMESPACE} OCloudNotFound` },
  );
}

/** Both rounds; the REST server is started for them and stopped after (its watches load no other phase). */
export async function restStatusLatency(
  ctx: BenchContext,
  opts: { adminKubeconfig: string; dir: string; requests: number; inFlight?: number; pollSeconds?: number },
): Promise<RestStatusLatency> {
  const inFlight = opts.inFlight ?? 4;
  const admin = await KubeClient.create({ file: opts.adminKubeconfig, fieldManager: "bench" });
  await prepareNamespace(ctx.client, NAMESPACE);
  await ctx.sim.start();
  let api: O2imsApiProcess | undefined;
  const serve = async (allow: string, want: "Notifications" | "Polling") => {
    const previous = api;
    api = await startO2imsApi({
      kubeconfig: opts.adminKubeconfig,
      dir: path.join(opts.dir, allow ? "notifications" : "polling"),
      namespace: NAMESPACE,
      env: { OCP_O2IMS_CALLBACK_ALLOW: allow },
    });
    // A new URL and CA: FOCOM deletes its subscription through the previous server (kept running until then, so the
    // subscription does not outlive it in the plane's store) and subscribes again, or polls when refused. Wait for
    // the OCloud to say so, so that a round starts in the mode it is named after.
    await declareRestOCloud({ ocloudAdmin: admin, smo: ctx.client, api, name: OCLOUD, namespace: NAMESPACE });
    await waitFor(async () => (await statusDelivery(ctx.client))?.reason === want, {
      timeoutMs: 60_000,
      message: `OCloud ${NAMESPACE}/${OCLOUD} StatusDelivery ${want}`,
    });
    await previous?.stop();
  };
  const result: RestStatusLatency = { pollSeconds: opts.pollSeconds ?? 2 };
  try {
    log(`status latency over REST: ${opts.requests} requests with notifications, then ${opts.requests} polling`);
    result.notifications = await measureRound(ctx, "notifications", opts.requests, inFlight, () =>
      serve(CALLBACK_HOST, "Notifications"),
    );
    result.polling = await measureRound(ctx, "polling", opts.requests, inFlight, () => serve("", "Polling"));
    await quiesce(ctx.client);
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    log(`status latency over REST stopped: ${result.error}`);
  } finally {
    await api?.stop();
  }
  return result;
}

/** The results' table rows of the phase. */
export function restLatencyRows(r: RestStatusLatency | undefined): (string | number)[][] {
  if (!r) return [];
  const rows = [r.notifications, r.polling].flatMap(x =>
    x
      ? [
          [
            `Status latency over O2 IMS REST, ${x.delivery} (p50 / p95 / max, ${x.samples} requests)`,
            `${x.p50Ms} / ${x.p95Ms} / ${x.maxMs} ms${x.deliveryConfirmed ? "" : ` (NOT ${x.delivery}: StatusDelivery ${x.statusDelivery.reason})`}`,
          ],
        ]
      : [],
  );
  return r.error ? [...rows, ["Status latency over O2 IMS REST: stopped", r.error.slice(0, 200)]] : rows;
}

/**
 * `npm run bench -- --rest-latency` alone: the phase only, merged into the results file under statusLatencyRest
 * (the other figures of the last full run are kept; the phase carries its own date and commit).
 */
export async function restLatencyOnly(
  ctx: BenchContext,
  opts: {
    adminKubeconfig: string;
    dir: string;
    requests: number;
    outFile: string;
    code: { gitCommit?: string; gitDirty: boolean };
    shutdown: () => Promise<void>;
  },
): Promise<void> {
  const t0 = nowMs();
  const result = await restStatusLatency(ctx, opts);
  ctx.rss.stop();
  await opts.shutdown();
  const report = fs.existsSync(opts.outFile)
    ? (JSON.parse(fs.readFileSync(opts.outFile, "utf8")) as Record<string, unknown>)
    : {};
  report.statusLatencyRest = {
    ...opts.code,
    date: new Date().toISOString(),
    seconds: round((nowMs() - t0) / 1000, 1),
    ...result,
  };
  fs.writeFileSync(opts.outFile, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(table([["Figure", "Value"], ...restLatencyRows(result)]) + "\n");
  log(`wrote statusLatencyRest into ${path.relative(process.cwd(), opts.outFile)}`);
}
