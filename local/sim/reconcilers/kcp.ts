/**
 * The KubeadmControlPlane controller: waits for the Cluster's ownerRef, creates control-plane Machines one at a
 * time (the first initialises the cluster; each further one only once every existing one runs), rolls a
 * version change one machine at a time with maxSurge 0 (delete an outdated machine, wait until it is gone,
 * create its replacement — which re-attaches the freed pinned host), and reports KCP status.
 *
 * Deviation from CAPI: KCP's rolloutStrategy (CRD default maxSurge 1) is not read. With hosts pinned 1:1 a
 * surge machine would find no free host and the rollout would hang; the simulator always rolls with
 * maxSurge 0 so upgrades can be exercised on pinned clusters.
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { Cluster, FINALIZER, isDeleting, KubeadmControlPlane, LABEL, Machine, ownerOfKind } from "../model";
import { generateName } from "../names";
import { isRunning, kcpStatus } from "../status";
import { childKey, deleteOnce, ensureMeta, ownerRef, removeFinalizer, writeStatus } from "./meta";
import { adoptTemplates } from "./templates";

const oldestFirst = (a: Machine, b: Machine) =>
  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
  a.metadata.name.localeCompare(b.metadata.name);

export async function reconcileKcp(ctx: SimContext, key: string): Promise<Result> {
  let kcp = ctx.caches.kcps.getByKey(key);
  if (!kcp) return;
  const ns = kcp.metadata.namespace!;
  const owned = ctx.caches.machines.byIndex(IDX.owner, kcp.metadata.uid!);
  const pending = ctx.expectations.pendingCreates(`Machine:${kcp.metadata.uid}`);

  if (isDeleting(kcp)) {
    await Promise.all(owned.map(m => deleteOnce(ctx, R.Machine, m)));
    if (owned.length > 0 || pending.length > 0) return;
    await removeFinalizer(ctx, R.KubeadmControlPlane, kcp, FINALIZER.kcp);
    return;
  }
  const clusterRef = ownerOfKind(kcp, "Cluster");
  const cluster = clusterRef ? ctx.caches.clusters.get(ns, clusterRef.name) : undefined;
  if (!cluster) return; // waiting for the Cluster controller to adopt it

  kcp = await ensureMeta(ctx, R.KubeadmControlPlane, kcp, { finalizer: FINALIZER.kcp });
  await adoptTemplates(ctx, cluster, ns, [kcp.spec?.machineTemplate?.infrastructureRef]);

  const live = owned
    .filter(m => !isDeleting(m) && !ctx.expectations.isDeleting(childKey(R.Machine, ns, m.metadata.name)))
    .sort(oldestFirst);
  const settled = live.length === owned.length && pending.length === 0; // nothing being created or deleted
  if (settled) {
    const desired = kcp.spec?.replicas ?? 1;
    const outdated = live.filter(m => m.spec?.version !== kcp!.spec?.version);
    const allRunning = live.every(isRunning);
    if (live.length > desired) {
      await deleteOnce(ctx, R.Machine, outdated[0] ?? live[0]);
    } else if (outdated.length > 0 && allRunning) {
      await deleteOnce(ctx, R.Machine, outdated[0]);
    } else if (live.length < desired && (live.length === 0 || (allRunning && kcp.status?.initialized === true))) {
      await createControlPlaneMachine(ctx, kcp, cluster);
    }
  }
  await writeStatus(ctx, R.KubeadmControlPlane, kcp, kcpStatus(kcp, owned, cluster.metadata.name, ctx.now()));
}

async function createControlPlaneMachine(ctx: SimContext, kcp: KubeadmControlPlane, cluster: Cluster): Promise<void> {
  const ns = kcp.metadata.namespace!;
  const name = generateName(kcp.metadata.name);
  // The ByoMachine and KubeadmConfig get the Machine's name; the Machine controller creates them (machine.ts).
  const machine: Machine = {
    metadata: {
      name,
      namespace: ns,
      labels: {
        ...(kcp.spec?.machineTemplate?.metadata?.labels ?? {}),
        [LABEL.clusterName]: cluster.metadata.name,
        [LABEL.controlPlane]: "",
        [LABEL.controlPlaneName]: kcp.metadata.name,
      },
      finalizers: [FINALIZER.machine],
      ownerReferences: [ownerRef(R.KubeadmControlPlane, kcp, true)],
    },
    spec: {
      clusterName: cluster.metadata.name,
      version: kcp.spec?.version,
      bootstrap: { configRef: { apiVersion: "bootstrap.cluster.x-k8s.io/v1beta1", kind: "KubeadmConfig", name, namespace: ns } },
      infrastructureRef: { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "ByoMachine", name, namespace: ns },
    },
  };
  const owner = `Machine:${kcp.metadata.uid}`;
  ctx.expectations.expectCreate(owner, childKey(R.Machine, ns, name));
  try {
    await ctx.api.create(R.Machine, machine);
  } catch (e) {
    ctx.expectations.forgetCreate(childKey(R.Machine, ns, name));
    throw e;
  }
}
