/**
 * BYOH's ByoCluster controller (byoh-capi-notes §1.1): nothing happens until a Cluster owns it; then finalizer,
 * port 6443 by default and `status.ready = true` unconditionally. Deletion waits until no ByoMachine labelled
 * with the ByoCluster's name remains (BYOH uses the ByoCluster's name as the cluster name).
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { ByoCluster, FINALIZER, isDeleting, nsName, ownerOfKind } from "../model";
import { byoClusterStatus } from "../status";
import { ensureMeta, removeFinalizer, writeStatus } from "./meta";

export async function reconcileByoCluster(ctx: SimContext, key: string): Promise<Result> {
  let bc = ctx.caches.byoClusters.getByKey(key);
  if (!bc) return;
  if (isDeleting(bc)) {
    if (ctx.caches.byoMachines.countByIndex(IDX.cluster, nsName(bc.metadata.namespace, bc.metadata.name)) > 0) return;
    await removeFinalizer(ctx, R.ByoCluster, bc, FINALIZER.byoCluster);
    return;
  }
  if (!ownerOfKind(bc, "Cluster")) return; // waiting for the Cluster controller to adopt it
  bc = await ensureMeta(ctx, R.ByoCluster, bc, { finalizer: FINALIZER.byoCluster });
  const ep = bc.spec?.controlPlaneEndpoint;
  if (ep && !ep.port) bc = await ctx.api.patch<ByoCluster>(R.ByoCluster, bc, { spec: { controlPlaneEndpoint: { port: 6443 } } });
  await writeStatus(ctx, R.ByoCluster, bc, byoClusterStatus(bc, ctx.now()));
}
