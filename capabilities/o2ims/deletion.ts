/**
 * Deletion of a ProvisioningRequest: delete only the Cluster and let Cluster API tear it down in order (deleting the
 * templates alongside stalls CAPI, byoh-capi-notes §4.5), then remove what CAPI leaves behind, then release the
 * finalizer. ByoHosts are never touched: the BYOH agent releases them and keeps their pinning labels. The request's
 * host claims are released last, once nothing of its cluster is left to hold the hosts.
 */
import { O2IMS_REQUEST_UID_LABEL, PR_REASONS, PRReason } from "../../api/vocabulary";
import { GENERATED_KINDS } from "../../generators/byoh-cluster";
import type { ByohTemplateParameters } from "../../api/generated/types";
import { releaseFinalizer } from "../../kube/finalizer";
import { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import type { StatusUpdate } from "../../kube/status-writer";
import type { PRObject } from "./cache";
import { deletingStatus, PRStatus } from "./status";
import { settings } from "../environment";

/** After this long a Cluster that is still being deleted is reported as stalled (it keeps being waited for). */

/** Writes a status update through the request's status writer (kube/status-writer). */
type WriteStatus = (update: StatusUpdate<PRStatus>) => Promise<unknown>;

export async function deleteRequest(
  client: KubeClient,
  pr: PRObject,
  writeStatus: WriteStatus,
  releaseClaims: () => Promise<unknown>,
) {
  const ns = pr.metadata.namespace!;
  const uid = pr.metadata.uid!;
  const clusterName = (pr.spec.templateParameters as Partial<ByohTemplateParameters> | undefined)?.clusterName;
  const deleting = (reason: PRReason, message: string) =>
    writeStatus(deletingStatus(reason, message, pr.status, new Date().toISOString()));

  const cluster = clusterName ? await client.find(R.Cluster, clusterName, ns) : undefined;
  if (cluster && cluster.metadata.labels?.[O2IMS_REQUEST_UID_LABEL] === uid) {
    if (!cluster.metadata.deletionTimestamp) await client.delete(R.Cluster, cluster.metadata.name, ns);
    const since = Date.parse(cluster.metadata.deletionTimestamp ?? new Date().toISOString());
    const elapsed = Math.round((Date.now() - since) / 1000);
    if (elapsed > settings.deletionStallSeconds) {
      const finalizers = (cluster.metadata.finalizers ?? []).join(", ") || "none";
      await deleting(
        PR_REASONS.DeletionStalled,
        `Cluster ${clusterName} is still being deleted after ${elapsed}s (finalizers: ${finalizers}); check the Cluster API and BYOH controllers and the hosts' agents`,
      );
    } else {
      await deleting(
        PR_REASONS.WaitingForClusterDeletion,
        `deleting cluster ${clusterName}: waiting for Cluster API to remove it`,
      );
    }
    return { requeueAfterMs: 10_000 }; // the Cluster's DELETED event normally comes first
  }

  let remaining = 0;
  for (const res of GENERATED_KINDS) {
    const left = await client.list(res, { namespace: ns, labelSelector: `${O2IMS_REQUEST_UID_LABEL}=${uid}` });
    for (const obj of left) {
      if (!obj.metadata.deletionTimestamp) await client.delete(res, obj.metadata.name, ns);
      remaining++;
    }
  }
  if (remaining > 0) {
    await deleting(
      PR_REASONS.RemovingLeftovers,
      `cluster ${clusterName ?? ""} deleted; removing ${remaining} leftover object(s)`.replace("  ", " "),
    );
    return { requeueAfterMs: 1_000 };
  }

  // Claims have no owner reference (they live in another namespace): released here, before the finalizer, so a
  // request that is gone holds nothing (the periodic collection catches a crash between the two).
  await releaseClaims();
  await releaseFinalizer(client, R.ProvisioningRequest, pr);
  return {};
}
