/**
 * CAPI's Cluster controller (v1beta1, byoh-capi-notes §4.1/4.2/4.5): adopts the ByoCluster and the
 * KubeadmControlPlane with a controller ownerRef, mirrors their readiness, copies the control-plane endpoint,
 * and on deletion tears down workers, then the control plane, then the infrastructure, before letting go.
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { ByoCluster, Cluster, FINALIZER, isDeleting, KubeadmControlPlane, LABEL, nsName } from "../model";
import { clusterStatus } from "../status";
import { deleteOnce, ensureMeta, ownerRef, removeFinalizer, writeStatus } from "./meta";

export function referencedObjects(ctx: SimContext, c: Cluster): { byoCluster?: ByoCluster; kcp?: KubeadmControlPlane } {
  const ns = c.metadata.namespace!;
  const infra = c.spec?.infrastructureRef;
  const cp = c.spec?.controlPlaneRef;
  return {
    byoCluster: infra?.kind === "ByoCluster" ? ctx.caches.byoClusters.get(infra.namespace ?? ns, infra.name) : undefined,
    kcp: cp?.kind === "KubeadmControlPlane" ? ctx.caches.kcps.get(cp.namespace ?? ns, cp.name) : undefined,
  };
}

export async function reconcileCluster(ctx: SimContext, key: string): Promise<Result> {
  let c = ctx.caches.clusters.getByKey(key);
  if (!c) return;
  const { byoCluster, kcp } = referencedObjects(ctx, c);
  if (isDeleting(c)) return reconcileDelete(ctx, c, byoCluster, kcp);

  c = await ensureMeta(ctx, R.Cluster, c, { finalizer: FINALIZER.cluster });
  const clusterLabel = { [LABEL.clusterName]: c.metadata.name };
  if (byoCluster && !isDeleting(byoCluster)) {
    await ensureMeta(ctx, R.ByoCluster, byoCluster, { ownerRef: ownerRef(R.Cluster, c, true), labels: clusterLabel });
  }
  if (kcp && !isDeleting(kcp)) {
    await ensureMeta(ctx, R.KubeadmControlPlane, kcp, { ownerRef: ownerRef(R.Cluster, c, true), labels: clusterLabel });
  }

  // reconcileInfrastructure: the ByoCluster's endpoint becomes the Cluster's when the Cluster has none.
  const endpoint = byoCluster?.spec?.controlPlaneEndpoint;
  if (byoCluster?.status?.ready && !c.spec?.controlPlaneEndpoint?.host && endpoint?.host) {
    c = await ctx.api.patch<Cluster>(R.Cluster, c, {
      spec: { controlPlaneEndpoint: { host: endpoint.host, port: endpoint.port || 6443 } },
    });
  }
  await writeStatus(ctx, R.Cluster, c, clusterStatus(c, { byoCluster, kcp, now: ctx.now() }));
}

async function reconcileDelete(ctx: SimContext, c: Cluster, byoCluster?: ByoCluster, kcp?: KubeadmControlPlane): Promise<Result> {
  if (c.status?.phase !== "Deleting") await writeStatus(ctx, R.Cluster, c, clusterStatus(c, { byoCluster, kcp, now: ctx.now() }));
  const ck = nsName(c.metadata.namespace, c.metadata.name);

  // 1. Workers: MachineDeployments (which take their MachineSets and Machines along); wait until all are gone.
  const mds = ctx.caches.machineDeployments.byIndex(IDX.cluster, ck);
  await Promise.all(mds.map(md => deleteOnce(ctx, R.MachineDeployment, md)));
  const workerMachines = ctx.caches.machines
    .byIndex(IDX.cluster, ck)
    .filter(m => m.metadata.labels?.[LABEL.controlPlane] === undefined);
  if (mds.length + ctx.caches.machineSets.countByIndex(IDX.cluster, ck) + workerMachines.length > 0) return;

  // 2. The control plane (KCP deletes its Machines), 3. the infrastructure (waits for its ByoMachines).
  for (const [res, obj] of [
    [R.KubeadmControlPlane, kcp],
    [R.ByoCluster, byoCluster],
  ] as const) {
    if (!obj) continue;
    await deleteOnce(ctx, res, obj);
    return;
  }
  await removeFinalizer(ctx, R.Cluster, c, FINALIZER.cluster);
}
