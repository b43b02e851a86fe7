/**
 * The Machine controller: creates the Machine's ByoMachine (cloned from the owner's ByoMachineTemplate) and
 * KubeadmConfig, drives bootstrap data (bootstrap.ts), mirrors the ByoMachine's providerID and readiness into
 * phase/nodeRef/conditions. Deleting a Machine deletes its ByoMachine, waits until it is gone (BYOH has then
 * marked the host for release), deletes the KubeadmConfig and drops the finalizer. The Node counts as Ready
 * (NodeHealthy) only once the cluster's ClusterResourceSets are applied (cni.ts): a kubelet without a CNI
 * reports NotReady.
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { cniState } from "../cni";
import { isTrue } from "../conditions";
import {
  ANNOTATION,
  ByoMachine,
  ByoMachineTemplate,
  Cluster,
  CONDITION,
  controllerOf,
  FINALIZER,
  isDeleting,
  LABEL,
  Machine,
} from "../model";
import { machineStatus } from "../status";
import { bootstrapWaitReason, ensureKubeadmConfig, generateBootstrapData, kubeadmConfigSpec } from "./bootstrap";
import { childKey, clone, deleteOnce, ensureMeta, isFinalized, ownerRef, removeFinalizer, writeStatus } from "./meta";

/** Retry for a template that is not in the cache yet (no index maps templates back to machines). */
const TEMPLATE_RETRY_MS = 1000;

interface Sources {
  isControlPlane: boolean;
  infraTemplate?: ByoMachineTemplate;
  /** undefined while the KubeadmConfigTemplate is missing */
  configSource?: Record<string, unknown>;
}

/** Where the Machine's ByoMachine and KubeadmConfig are cloned from: its KCP or its MachineSet. */
function sourcesOf(ctx: SimContext, m: Machine): Sources | undefined {
  const ns = m.metadata.namespace!;
  const owner = controllerOf(m);
  if (owner?.kind === "KubeadmControlPlane") {
    const kcp = ctx.caches.kcps.get(ns, owner.name);
    if (!kcp) return undefined;
    const ref = kcp.spec?.machineTemplate?.infrastructureRef;
    return {
      isControlPlane: true,
      infraTemplate: ref ? ctx.caches.byoMachineTemplates.get(ref.namespace ?? ns, ref.name) : undefined,
      configSource: kcp.spec?.kubeadmConfigSpec ?? {},
    };
  }
  if (owner?.kind === "MachineSet") {
    const ms = ctx.caches.machineSets.get(ns, owner.name);
    if (!ms) return undefined;
    const infra = ms.spec?.template?.spec?.infrastructureRef;
    const cfg = ms.spec?.template?.spec?.bootstrap?.configRef;
    const cfgTemplate = cfg ? ctx.caches.kubeadmConfigTemplates.get(cfg.namespace ?? ns, cfg.name) : undefined;
    return {
      isControlPlane: false,
      infraTemplate: infra ? ctx.caches.byoMachineTemplates.get(infra.namespace ?? ns, infra.name) : undefined,
      configSource: cfg ? cfgTemplate?.spec?.template?.spec : {},
    };
  }
  return undefined;
}

export async function reconcileMachine(ctx: SimContext, key: string): Promise<Result> {
  let m = ctx.caches.machines.getByKey(key);
  if (!m) return;
  const ns = m.metadata.namespace!;
  const bmName = m.spec?.infrastructureRef?.name ?? m.metadata.name;
  const bm = ctx.caches.byoMachines.get(ns, bmName);
  const host = ctx.caches.byoHosts.byIndex(IDX.attached, `${ns}.${bmName}`)[0];
  if (isDeleting(m)) return reconcileDelete(ctx, m, bm);

  m = await ensureMeta(ctx, R.Machine, m, { finalizer: FINALIZER.machine });
  const src = sourcesOf(ctx, m);
  let retry: Result = undefined;

  if (!bm && src) {
    const pendingKey = `ByoMachine:${m.metadata.uid}`;
    if (!src.infraTemplate) retry = { requeueAfterMs: TEMPLATE_RETRY_MS };
    else if (ctx.expectations.pendingCreates(pendingKey).length === 0)
      await createByoMachine(ctx, m, bmName, src.infraTemplate, pendingKey);
  }

  const cluster = ctx.caches.clusters.get(ns, m.spec?.clusterName ?? "");
  let waitReason: string | undefined;
  if (!m.spec?.bootstrap?.dataSecretName && m.spec?.bootstrap?.configRef && src) {
    if (src.configSource === undefined) retry = { requeueAfterMs: TEMPLATE_RETRY_MS };
    else {
      const initialized = isTrue(cluster?.status?.conditions, CONDITION.controlPlaneInitialized);
      const role = src.isControlPlane ? (initialized ? "join" : "init") : "worker";
      await ensureKubeadmConfig(ctx, m, kubeadmConfigSpec(src.configSource, role));
      waitReason = bootstrapWaitReason(src.isControlPlane, cluster);
      if (!waitReason) m = await generateBootstrapData(ctx, m, role);
    }
  }

  const providerID = bm?.spec?.providerID;
  if (providerID && m.spec?.providerID !== providerID) m = await ctx.api.patch<Machine>(R.Machine, m, { spec: { providerID } });
  await writeStatus(
    ctx,
    R.Machine,
    m,
    machineStatus(m, {
      byoMachine: bm,
      host,
      bootstrapWaitReason: waitReason,
      nodeReady: cniReached(ctx, cluster),
      now: ctx.now(),
    }),
  );
  return retry;
}

/** The CNI has reached the cluster: every ClusterResourceSet selecting it is recorded applied in its binding. */
export function cniReached(ctx: SimContext, cluster: Cluster | undefined): boolean {
  if (!cluster) return true;
  const ns = cluster.metadata.namespace!;
  const sets = ctx.caches.clusterResourceSets.byIndex(IDX.namespace, ns);
  return cniState(cluster, sets, ctx.caches.clusterResourceSetBindings.get(ns, cluster.metadata.name)).applied;
}

async function reconcileDelete(ctx: SimContext, m: Machine, bm: ByoMachine | undefined): Promise<Result> {
  if (isFinalized(ctx, m, FINALIZER.machine)) return;
  if (m.status?.phase !== "Deleting") await writeStatus(ctx, R.Machine, m, machineStatus(m, { byoMachine: bm, now: ctx.now() }));
  if (bm) {
    await deleteOnce(ctx, R.ByoMachine, bm);
    return; // the ByoMachine's deletion event brings this Machine back
  }
  const ns = m.metadata.namespace!;
  const configName = m.spec?.bootstrap?.configRef?.name;
  if (configName) await ctx.api.delete(R.KubeadmConfig, ns, configName); // its Secret follows by GC
  ctx.createdConfigs.delete(m.metadata.uid!);
  await removeFinalizer(ctx, R.Machine, m, FINALIZER.machine);
}

async function createByoMachine(
  ctx: SimContext,
  m: Machine,
  name: string,
  template: ByoMachineTemplate,
  pendingKey: string,
): Promise<void> {
  const ns = m.metadata.namespace!;
  const bm: ByoMachine = {
    metadata: {
      name,
      namespace: ns,
      labels: { ...(m.metadata.labels ?? {}), [LABEL.clusterName]: m.spec?.clusterName ?? "" },
      annotations: {
        [ANNOTATION.clonedFromName]: template.metadata.name,
        [ANNOTATION.clonedFromGroupKind]: "ByoMachineTemplate.infrastructure.cluster.x-k8s.io",
      },
      ownerReferences: [ownerRef(R.Machine, m, true)],
      // BYOH adds its finalizer on first reconcile; created with it here to save a write per machine.
      finalizers: [FINALIZER.byoMachine],
    },
    spec: clone(template.spec?.template?.spec ?? {}),
  };
  const ck = childKey(R.ByoMachine, ns, name);
  ctx.expectations.expectCreate(pendingKey, ck);
  try {
    if (!(await ctx.api.createIfAbsent(R.ByoMachine, bm))) ctx.expectations.forgetCreate(ck);
  } catch (e) {
    ctx.expectations.forgetCreate(ck);
    throw e;
  }
}
