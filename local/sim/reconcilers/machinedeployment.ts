/**
 * The MachineDeployment controller: Cluster ownerRef + finalizer, one MachineSet per template revision
 * (label machine-template-hash), rolling between them with rollout.ts, status from all their Machines.
 * Deleting an MD deletes its MachineSets and waits for them (and so for their Machines) to be gone.
 *
 * Strategy: an explicit spec.strategy is honoured (a missing maxSurge/maxUnavailable inside rollingUpdate
 * defaults to 1/0 as CAPI's webhook would); with no spec.strategy at all the simulator rolls with maxSurge 0,
 * maxUnavailable 1, the only setting that works with hosts pinned 1:1 (byoh-capi-notes §6.2).
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { ANNOTATION, Cluster, FINALIZER, isDeleting, LABEL, MachineDeployment, MachineSet } from "../model";
import { generateName, resolveIntOrPercent, shortHash } from "../names";
import { planRollout, SetState, Strategy } from "../rollout";
import { LabelSelector, selectorString } from "../selector";
import { isReady, machineDeploymentStatus } from "../status";
import { childKey, clone, deleteOnce, ensureMeta, ownerRef, removeFinalizer, writeStatus } from "./meta";
import { adoptTemplates } from "./templates";

export function strategyOf(md: MachineDeployment): Strategy {
  const desired = md.spec?.replicas ?? 1;
  const s = md.spec?.strategy;
  if (!s) return { type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 };
  const type = s.type === "OnDelete" ? "OnDelete" : "RollingUpdate";
  const maxSurge = resolveIntOrPercent(s.rollingUpdate?.maxSurge, desired, true, 1);
  let maxUnavailable = resolveIntOrPercent(s.rollingUpdate?.maxUnavailable, desired, false, 0);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1; // CAPI: both zero would never progress
  return { type, maxSurge, maxUnavailable };
}

/** The MD's selector, or the labels CAPI's defaulting webhook would have put there. */
export function deploymentSelector(md: MachineDeployment, clusterName: string): LabelSelector {
  const sel = md.spec?.selector;
  if (sel && (Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0)) return sel;
  return { matchLabels: { [LABEL.clusterName]: clusterName, [LABEL.deploymentName]: md.metadata.name } };
}

export async function reconcileMachineDeployment(ctx: SimContext, key: string): Promise<Result> {
  let md = ctx.caches.machineDeployments.getByKey(key);
  if (!md) return;
  const ns = md.metadata.namespace!;
  const sets = ctx.caches.machineSets.byIndex(IDX.owner, md.metadata.uid!);
  const creating = `MachineSet:${md.metadata.uid}`;

  if (isDeleting(md)) {
    await Promise.all(sets.map(ms => deleteOnce(ctx, R.MachineSet, ms)));
    if (sets.length > 0 || ctx.expectations.pendingCreates(creating).length > 0) return;
    await removeFinalizer(ctx, R.MachineDeployment, md, FINALIZER.machineDeployment);
    return;
  }
  const clusterName = md.spec?.clusterName ?? "";
  const cluster = ctx.caches.clusters.get(ns, clusterName);
  if (!cluster || isDeleting(cluster)) return;

  md = await ensureMeta(ctx, R.MachineDeployment, md, {
    finalizer: FINALIZER.machineDeployment,
    ownerRef: ownerRef(R.Cluster, cluster, false),
    labels: { [LABEL.clusterName]: clusterName },
  });
  const tspec = md.spec?.template?.spec;
  await adoptTemplates(ctx, cluster, ns, [tspec?.infrastructureRef, tspec?.bootstrap?.configRef]);

  const hash = shortHash(md.spec?.template ?? {});
  const live = sets.filter(ms => !isDeleting(ms));
  const newSet = live.find(ms => ms.metadata.labels?.[LABEL.templateHash] === hash);
  const oldSets = live
    .filter(ms => ms !== newSet)
    .sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  const selector = deploymentSelector(md, clusterName);

  if (!newSet) {
    if (ctx.expectations.pendingCreates(creating).length === 0) {
      const replicas = oldSets.length === 0 ? (md.spec?.replicas ?? 1) : 0;
      await createMachineSet(ctx, md, cluster, hash, selector, replicas, sets.length + 1);
    }
  } else {
    const state = (ms: MachineSet): SetState => {
      const machines = ctx.caches.machines.byIndex(IDX.owner, ms.metadata.uid!);
      return {
        name: ms.metadata.name,
        replicas: ms.spec?.replicas ?? 1,
        machines: machines.length + ctx.expectations.pendingCreates(`Machine:${ms.metadata.uid}`).length,
        running: machines.filter(isReady).length, // available = Node Ready
      };
    };
    const oldStates = oldSets.map(state);
    const plan = planRollout(md.spec?.replicas ?? 1, strategyOf(md), state(newSet), oldStates);
    if (plan.newReplicas !== (newSet.spec?.replicas ?? 1)) await scale(ctx, newSet, plan.newReplicas);
    for (const ms of oldSets) {
      const want = plan.oldReplicas.get(ms.metadata.name);
      if (want !== undefined) await scale(ctx, ms, want);
    }
    // Old revisions that are empty are removed (CAPI keeps revisionHistoryLimit of them; nothing reads them here).
    for (const [i, ms] of oldSets.entries()) {
      const s = oldStates[i];
      if ((plan.oldReplicas.get(ms.metadata.name) ?? s.replicas) === 0 && s.machines === 0)
        await deleteOnce(ctx, R.MachineSet, ms);
    }
  }

  const machines = sets.flatMap(ms => ctx.caches.machines.byIndex(IDX.owner, ms.metadata.uid!));
  const newMachines = newSet ? ctx.caches.machines.byIndex(IDX.owner, newSet.metadata.uid!) : [];
  await writeStatus(
    ctx,
    R.MachineDeployment,
    md,
    machineDeploymentStatus(md, {
      machines,
      newMachines,
      newMachineSet: newSet,
      maxUnavailable: strategyOf(md).maxUnavailable,
      selector: selectorString(selector),
      now: ctx.now(),
    }),
  );
}

async function scale(ctx: SimContext, ms: MachineSet, replicas: number): Promise<void> {
  await ctx.api.patch(R.MachineSet, ms, { spec: { replicas } });
}

async function createMachineSet(
  ctx: SimContext,
  md: MachineDeployment,
  cluster: Cluster,
  hash: string,
  selector: LabelSelector,
  replicas: number,
  revision: number,
): Promise<void> {
  const ns = md.metadata.namespace!;
  const name = generateName(md.metadata.name);
  const clusterName = cluster.metadata.name;
  const identity = { [LABEL.clusterName]: clusterName, [LABEL.deploymentName]: md.metadata.name, [LABEL.templateHash]: hash };
  const templateLabels = { ...(md.spec?.template?.metadata?.labels ?? {}), ...(selector.matchLabels ?? {}), ...identity };
  const ms: MachineSet = {
    metadata: {
      name,
      namespace: ns,
      labels: { ...(md.spec?.template?.metadata?.labels ?? {}), ...identity },
      annotations: { [ANNOTATION.revision]: String(revision) },
      finalizers: [FINALIZER.machineSet],
      ownerReferences: [ownerRef(R.MachineDeployment, md, true)],
    },
    spec: {
      clusterName,
      replicas,
      selector: { ...clone(selector), matchLabels: { ...(selector.matchLabels ?? {}), [LABEL.templateHash]: hash } },
      template: {
        metadata: { ...clone(md.spec?.template?.metadata ?? {}), labels: templateLabels },
        spec: { ...clone(md.spec?.template?.spec ?? {}), clusterName },
      },
    },
  };
  const owner = `MachineSet:${md.metadata.uid}`;
  const ck = childKey(R.MachineSet, ns, name);
  ctx.expectations.expectCreate(owner, ck);
  try {
    await ctx.api.create(R.MachineSet, ms);
  } catch (e) {
    ctx.expectations.forgetCreate(ck);
    throw e;
  }
}
