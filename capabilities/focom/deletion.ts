/**
 * Deletion of a FocomProvisioningRequest, through its OCloud's transport (capabilities/focom/transport.ts): delete its
 * mirror on the O-Cloud, wait until it is gone (the O2IMS side deletes the cluster first), then release the finalizer. An O-Cloud that stays unreachable longer than
 * the limit does not block the SMO forever: the request is released with a Warning saying what may be left behind.
 */
import { recordEvent } from "../../kube/events";
import { PEPR_FINALIZER, releaseFinalizer } from "../../kube/finalizer";
import { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import type { FPRObject, OCloudObject } from "./cache";
import type { RemoteFailure } from "./errors";
import { ComputedStatus, Observation, unreachableSince } from "./status";
import { COMPONENT } from "./status-writer";
import type { OCloudTransport, Removal } from "./transport";

export interface DeletionContext {
  local: KubeClient;
  /** The OCloud's transport (capabilities/focom/transport.ts). */
  transport: OCloudTransport;
  ocloud?: OCloudObject;
  observe(o: Observation): Promise<ComputedStatus>;
  releaseAfterSeconds: number;
}

export async function deleteRequest(fpr: FPRObject, ctx: DeletionContext): Promise<{ requeueAfterMs?: number }> {
  if (!fpr.metadata.finalizers?.includes(PEPR_FINALIZER)) return {}; // released already; another finalizer holds it
  const ref = ctx.transport.refOf(fpr);
  const label = `${ref.namespace}/${ref.name}`;
  const ocloudName = fpr.spec?.oCloudId ?? "";
  const removal: Removal = ctx.ocloud
    ? await ctx.transport.remove(fpr, ctx.ocloud)
    : {
        state: "failed",
        failure: {
          kind: "misconfigured",
          reason: "OCloudNotFound",
          message: `OCloud ${ocloudName} not found in namespace ${fpr.metadata.namespace}`,
        },
      };
  switch (removal.state) {
    case "failed":
      return cannotDelete(fpr, ctx, removal.failure, label);
    case "waiting":
      await ctx.observe({ kind: "deleting", remote: removal.remote, message: removal.message });
      return { requeueAfterMs: removal.requeueAfterMs };
    case "gone":
      await ctx.observe({ kind: "deleting", remote: null, message: removal.message });
      await release(ctx.local, fpr);
      return {};
  }
}

/** The O-Cloud cannot be reached (or refuses the delete): wait, up to the limit, then release anyway. */
async function cannotDelete(fpr: FPRObject, ctx: DeletionContext, failure: RemoteFailure, label: string) {
  const ocloudName = fpr.spec?.oCloudId ?? "";
  if (!fpr.status?.remoteName) {
    // Nothing was ever created there (the request never got past Pending), so nothing can be left behind.
    await ctx.observe({
      kind: "deleting",
      failure,
      message: `${failure.message}; nothing was created on O-Cloud ${ocloudName}, releasing`,
    });
    await release(ctx.local, fpr);
    return {};
  }
  const deadline = releaseDeadline(fpr, ctx.releaseAfterSeconds, new Date());
  if (Date.now() >= deadline.getTime()) {
    const message =
      `${failure.message}; released after ${ctx.releaseAfterSeconds}s without confirming that ProvisioningRequest ${label} ` +
      `was deleted on O-Cloud ${ocloudName}: check for it there (limit: OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS)`;
    await ctx.observe({ kind: "deleting", failure, message });
    // The Warning only once the release is done: a release refused by a conflict is retried, and must not warn twice.
    await release(ctx.local, fpr);
    await recordEvent(ctx.local, fpr, "Warning", "ReleasedUnconfirmed", message, COMPONENT).catch(() => undefined);
    return {};
  }
  await ctx.observe({
    kind: "deleting",
    failure,
    message: `${failure.message}; waiting to delete ProvisioningRequest ${label}, released anyway at ${deadline.toISOString()} if this persists`,
  });
  throw new Error(failure.message); // the work queue retries with backoff
}

/**
 * When deletion gives up on the O-Cloud: the limit counted from the later of the deletion request and the start of
 * the current outage (the OCloudReachable condition's transition), so a long outage before the delete still leaves
 * the O-Cloud the full limit to come back.
 */
export function releaseDeadline(fpr: FPRObject, limitSeconds: number, now: Date): Date {
  // Not failing yet per the status: the outage starts now (this observation is about to record it).
  const outage = Date.parse(unreachableSince(fpr.status) ?? now.toISOString());
  const requested = Date.parse(fpr.metadata.deletionTimestamp ?? now.toISOString());
  return new Date(Math.max(outage, requested) + limitSeconds * 1000);
}

const release = (local: KubeClient, fpr: FPRObject) => releaseFinalizer(local, R.FocomProvisioningRequest, fpr);
