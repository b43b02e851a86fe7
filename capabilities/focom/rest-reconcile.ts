/**
 * The REST transport's reconcile and deletion of a FocomProvisioningRequest whose OCloud has spec.o2ims: the same
 * observations (capabilities/focom/status.ts), hence the same phases, conditions and Events as over kubeconfig, made
 * through the O-Cloud's O2 IMS provisioning API. Level-based: every pass GETs the request by its id (the FPR's uid),
 * PUTs it when it differs from what FOCOM would send, POSTs it when missing. Status is event-driven when the O-Cloud
 * notifies the module (rest-subscriptions.ts: a notification re-queues the request, and a slow poll remains as a
 * safety net); otherwise a pass asks to be re-run after the poll interval (longer once fulfilled or failed).
 */
import type { FPRObject, OCloudObject } from "./cache";
import { remoteReasons } from "./admission";
import { classifyFailure, RemoteFailure } from "./errors";
import type { O2imsClient, ProvisioningRequestInfo } from "./o2ims-client";
import type { OCloudReport } from "./ocloud-status";
import type { RestConnections } from "./rest-connections";
import type { Delivery } from "./rest-subscriptions";
import type { Observation } from "./status";
import { dataOf, isSettled, needsUpdate, remoteOf, restRefOf } from "./transport";

export interface RestContext {
  connections: RestConnections;
  observe(o: Observation): Promise<unknown>;
  /** The poll interval while a request is in progress (ms); settled requests are polled 10 times less often. */
  pollMs: number;
  /** The OCloud's connection status (capabilities/focom/ocloud-status.ts). */
  report(ocloud: OCloudObject, report: OCloudReport): Promise<void>;
  /** How status arrives from this O-Cloud (subscribes when it can). */
  delivery(ocloud: OCloudObject, client: O2imsClient): Promise<Delivery>;
  /** The generation of each request (by uid) last written to its O-Cloud by this process: a new one is PUT. */
  sent: Map<string, number>;
}

/** Credentials refused: re-checked this often (the token Secret's watch re-queues at once when it is fixed). */
export const UNAUTHORIZED_RECHECK_MS = 60_000;

const SETTLED_FACTOR = 10;
/** With notifications, the safety-net poll: a notification lost beyond the server's retries is noticed within it. */
export const NOTIFIED_POLL_MS = 15_000;

export async function reconcileOverRest(
  fpr: FPRObject,
  ocloud: OCloudObject,
  ctx: RestContext,
): Promise<{ requeueAfterMs?: number }> {
  const ocloudName = ocloud.metadata.name;
  const failed = async (failure: RemoteFailure): Promise<{ requeueAfterMs?: number }> => {
    await ctx.report(ocloud, { failure });
    await ctx.observe({ kind: "disconnected", failure });
    // Refused credentials do not heal by retrying: wait for the Secret's watch (or the long re-check), no storm.
    if (failure.kind === "unauthorized" || failure.kind === "misconfigured") return { requeueAfterMs: UNAUTHORIZED_RECHECK_MS };
    throw new Error(failure.message); // unreachable: the work queue retries with backoff
  };
  let client: O2imsClient;
  let info: ProvisioningRequestInfo | undefined;
  try {
    client = await ctx.connections.connect(ocloud);
    info = await client.get(dataOf(fpr).provisioningRequestId);
  } catch (e) {
    return failed(classifyFailure(e, ocloudName, "read"));
  }
  const delivery = await ctx.delivery(ocloud, client);
  await ctx.report(ocloud, { delivery });

  const data = dataOf(fpr);
  const generation = fpr.metadata.generation ?? 0;
  const changed =
    !info ||
    needsUpdate(info, data) ||
    (ctx.sent.has(data.provisioningRequestId) && ctx.sent.get(data.provisioningRequestId) !== generation);
  // A request being deleted on the O-Cloud (by someone there) cannot be revived; it is created again once gone.
  if (changed && info?.status?.provisioningPhase !== "DELETING") {
    try {
      info = info ? await client.update(data) : await client.create(data);
      ctx.sent.set(data.provisioningRequestId, generation);
    } catch (e) {
      const failure = classifyFailure(e, ocloudName, "write");
      if (failure.kind !== "rejected") return failed(failure);
      const message = failure.message.replace(/\): (.*)$/s, (_, said: string) => `): ${remoteReasons(said)}`);
      await ctx.observe({ kind: "rejected", message, remote: info && remoteOf(info) });
      return { requeueAfterMs: UNAUTHORIZED_RECHECK_MS };
    }
  }
  await ctx.observe({ kind: "mirrored", remote: info && remoteOf(info) });
  if (delivery.mode === "notifications") return { requeueAfterMs: NOTIFIED_POLL_MS };
  return { requeueAfterMs: isSettled(info) ? ctx.pollMs * SETTLED_FACTOR : ctx.pollMs };
}

export interface RestDeletion {
  /** What deletion.ts does when the O-Cloud cannot be reached: wait up to the limit, then release. */
  cannotDelete(failure: RemoteFailure, label: string): Promise<{ requeueAfterMs?: number }>;
  release(): Promise<void>;
}

/** Deletion over REST: DELETE the request, poll until the O-Cloud has removed it (404), then release. */
export async function deleteOverRest(
  fpr: FPRObject,
  ocloud: OCloudObject,
  ctx: RestContext,
  del: RestDeletion,
): Promise<{ requeueAfterMs?: number }> {
  const ref = restRefOf(fpr);
  const label = `${ref.namespace}/${ref.name}`;
  const ocloudName = ocloud.metadata.name;
  let info: ProvisioningRequestInfo | undefined;
  let delivery: Delivery | undefined;
  try {
    const client = await ctx.connections.connect(ocloud);
    delivery = await ctx.delivery(ocloud, client);
    info = await client.get(ref.name);
    if (info && info.status?.provisioningPhase !== "DELETING") {
      await client.delete(ref.name);
      info = await client.get(ref.name);
    }
  } catch (e) {
    const failure = classifyFailure(e, ocloudName, "delete");
    await ctx.report(ocloud, { failure });
    return del.cannotDelete(failure, label);
  }
  await ctx.report(ocloud, { delivery });
  if (info) {
    const detail = info.status?.message;
    await ctx.observe({
      kind: "deleting",
      remote: remoteOf(info),
      message: `waiting for O-Cloud ${ocloudName} to delete ProvisioningRequest ${label}${detail ? `: ${detail}` : ""}`,
    });
    return { requeueAfterMs: delivery.mode === "notifications" ? NOTIFIED_POLL_MS : ctx.pollMs };
  }
  await ctx.observe({
    kind: "deleting",
    remote: null,
    message: `ProvisioningRequest ${label} is gone from O-Cloud ${ocloudName}; releasing`,
  });
  ctx.sent.delete(ref.name);
  await del.release();
  return {};
}
