/**
 * CAPI v1.10's ClusterResourceSet controller (internal/controllers/clusterresourceset) and its binding controller:
 *  - finalizer `addons.cluster.x-k8s.io`; the clusters are the non-deleting ones of the set's namespace its
 *    (non-empty) clusterSelector matches;
 *  - per cluster: each referenced ConfigMap/Secret is read from the cluster's namespace and gets the set as a
 *    (non-controller) owner reference — so the garbage collector deletes the ConfigMap when the last set that
 *    used it is deleted (kubernetes-sigs/cluster-api#3399, still open); the ClusterResourceSetBinding named after
 *    the cluster is created (owner: the set, spec.clusterName); once the workload cluster is reachable (here:
 *    ControlPlaneInitialized) each resource that needs it is "applied" and recorded
 *    `{kind, name, hash, applied: true, lastAppliedTime}` (ApplyOnce: once; Reconcile: again when its hash changes);
 *  - ResourcesApplied: False RetrievingResourceFailed (Warning) while a resource is missing, WrongSecretType for a
 *    Secret of another type, RemoteClusterClientFailed (Error) while the cluster is unreachable, else True;
 *  - deletion: its entry leaves every binding (a binding left empty is deleted), then the finalizer goes; a binding
 *    whose cluster is gone or deleting is deleted (the binding controller).
 *
 * Deviations: real v1.10 marks ResourcesApplied True at the end of a reconcile in which a resource was merely
 * missing (a NotFound is skipped, not counted as an error), once the workload cluster is reachable; the simulator
 * keeps it False RetrievingResourceFailed so that a missing CNI ConfigMap shows on the management cluster. With
 * `cniPlaceholders` (the embedded setup's default) a missing ConfigMap is first created as a placeholder, standing
 * in for the operator's one-time `kubectl create configmap calico-cni`.
 */
import { R } from "../../../kube/resources";
import {
  bindingEntry,
  needsApply,
  notFoundMessage,
  resourceHash,
  selectsCluster,
  withEntry,
  withoutSet,
  withSet,
  workloadReachable,
} from "../cni";
import { falseCondition, setConditions, trueCondition, WantedCondition } from "../conditions";
import { IDX, Result, SimContext } from "../context";
import {
  Cluster,
  ClusterResourceSet,
  ClusterResourceSetBinding,
  CONDITION,
  FINALIZER,
  isDeleting,
  REASON,
  RESOURCE_SET_SECRET_TYPE,
  ResourceObject,
  ResourceRef,
} from "../model";
import { stableStringify } from "../names";
import { ensureMeta, ownerRef, removeFinalizer, writeStatus } from "./meta";

export const CLUSTER_RESOURCE_SET_BINDING = R.ClusterResourceSetBinding;

/** Secrets are not cached (a plane holds one bootstrap Secret per machine): a missing one is looked for again. */
const SECRET_RETRY_MS = 2000;

/** The small manifest a placeholder `calico-cni` holds: enough for a binding hash, nothing runs it. */
export const PLACEHOLDER_CNI_MANIFEST = [
  "# Placeholder CNI created by the local CAPI/BYOH simulator (no pods run here).",
  "# On a real O-Cloud: kubectl -n <namespace> create configmap calico-cni --from-file=calico.yaml=<calico.yaml>",
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata: {name: cni-placeholder, namespace: kube-system}",
  "",
].join("\n");

export async function reconcileClusterResourceSet(ctx: SimContext, key: string): Promise<Result> {
  let crs = ctx.caches.clusterResourceSets.getByKey(key);
  if (!crs) return;
  const ns = crs.metadata.namespace!;
  const clusters = ctx.caches.clusters.byIndex(IDX.namespace, ns).filter(c => selectsCluster(crs!, c));
  if (isDeleting(crs)) return reconcileDelete(ctx, crs);
  crs = await ensureMeta(ctx, R.ClusterResourceSet, crs, { finalizer: FINALIZER.clusterResourceSet });

  let worst: WantedCondition | undefined;
  let retry: Result = undefined;
  for (const cluster of clusters) {
    const out = await applyTo(ctx, crs, cluster);
    if (out.condition && (!worst || rank(out.condition) > rank(worst))) worst = out.condition;
    if (out.retryMs) retry = { requeueAfterMs: out.retryMs };
  }
  if (clusters.length > 0 || crs.status?.conditions) {
    const cond = worst ?? trueCondition(CONDITION.resourcesApplied);
    await writeStatus(ctx, R.ClusterResourceSet, crs, {
      conditions: setConditions(crs.status?.conditions, [cond], ctx.now()),
      observedGeneration: crs.metadata.generation,
    });
  }
  return retry;
}

const rank = (c: WantedCondition) => (c.severity === "Error" ? 3 : c.severity === "Warning" ? 2 : 1);

interface Applied {
  condition?: WantedCondition;
  retryMs?: number;
}

async function applyTo(ctx: SimContext, crs: ClusterResourceSet, cluster: Cluster): Promise<Applied> {
  const ns = cluster.metadata.namespace!;
  let condition: WantedCondition | undefined;
  let retryMs: number | undefined;
  const found: { ref: ResourceRef; obj: ResourceObject }[] = [];
  for (const ref of crs.spec?.resources ?? []) {
    let obj = await getResource(ctx, ns, ref);
    if (!obj && ref.kind === "ConfigMap" && ctx.cniPlaceholders) obj = await createPlaceholder(ctx, ns, ref.name);
    if (!obj) {
      condition ??= falseCondition(CONDITION.resourcesApplied, REASON.retrievingResourceFailed, "Warning", notFoundMessage(ref));
      if (ref.kind === "Secret") retryMs = SECRET_RETRY_MS;
      continue;
    }
    if (ref.kind === "Secret" && obj.type !== RESOURCE_SET_SECRET_TYPE) {
      condition ??= falseCondition(CONDITION.resourcesApplied, REASON.wrongSecretType, "Warning", "unsupported secret type");
      continue;
    }
    await ensureMeta(ctx, ref.kind === "Secret" ? R.Secret : R.ConfigMap, obj, {
      ownerRef: ownerRef(R.ClusterResourceSet, crs, false),
    });
    found.push({ ref, obj });
  }

  const before = ctx.caches.clusterResourceSetBindings.get(ns, cluster.metadata.name);
  const binding = before ?? (await createBinding(ctx, crs, cluster));
  let bindings = withSet(binding.spec?.bindings, crs.metadata.name);

  if (!workloadReachable(cluster)) {
    const unreachable = falseCondition(
      CONDITION.resourcesApplied,
      REASON.remoteClusterClientFailed,
      "Error",
      "error getting client: connection to the workload cluster is down",
    );
    await patchBinding(ctx, crs, binding, bindings);
    return { condition: unreachable, retryMs }; // the Cluster's ControlPlaneInitialized event brings it back
  }
  for (const { ref, obj } of found) {
    const hash = resourceHash(obj);
    if (!needsApply(crs.spec?.strategy, bindingEntry(binding, crs.metadata.name, ref), hash)) continue;
    bindings = withEntry(bindings, crs.metadata.name, {
      kind: ref.kind,
      name: ref.name,
      hash,
      applied: true,
      lastAppliedTime: ctx.now(),
    });
    ctx.event(cluster, "Normal", "ClusterResourceSetApplied", `applied ${ref.kind}/${ref.name} of ${crs.metadata.name}`, "capi");
  }
  await patchBinding(ctx, crs, binding, bindings);
  return { condition, retryMs };
}

async function getResource(ctx: SimContext, ns: string, ref: ResourceRef): Promise<ResourceObject | undefined> {
  if (ref.kind === "ConfigMap") return ctx.caches.configMaps.get(ns, ref.name);
  if (ref.kind === "Secret") return ctx.api.get<ResourceObject>(R.Secret, ns, ref.name);
  return undefined;
}

async function createPlaceholder(ctx: SimContext, ns: string, name: string): Promise<ResourceObject> {
  const cm: ResourceObject = {
    metadata: { name, namespace: ns, labels: { "o-cloud-provisioner.local/placeholder": "cni" } },
    data: { "placeholder.yaml": PLACEHOLDER_CNI_MANIFEST },
  };
  return (await ctx.api.createIfAbsent(R.ConfigMap, cm)) ?? (await ctx.api.get<ResourceObject>(R.ConfigMap, ns, name))!;
}

async function createBinding(ctx: SimContext, crs: ClusterResourceSet, cluster: Cluster): Promise<ClusterResourceSetBinding> {
  const binding: ClusterResourceSetBinding = {
    metadata: {
      name: cluster.metadata.name,
      namespace: cluster.metadata.namespace,
      ownerReferences: [ownerRef(R.ClusterResourceSet, crs, false)],
    },
    spec: { clusterName: cluster.metadata.name, bindings: [] },
  };
  return (
    (await ctx.api.createIfAbsent(CLUSTER_RESOURCE_SET_BINDING, binding)) ??
    (await ctx.api.get<ClusterResourceSetBinding>(
      CLUSTER_RESOURCE_SET_BINDING,
      binding.metadata.namespace,
      binding.metadata.name,
    ))!
  );
}

/** One merge patch (optimistic lock: sets of one cluster share the binding) when the entries or owners change. */
async function patchBinding(
  ctx: SimContext,
  crs: ClusterResourceSet,
  binding: ClusterResourceSetBinding,
  bindings: NonNullable<NonNullable<ClusterResourceSetBinding["spec"]>["bindings"]>,
): Promise<void> {
  const owners = binding.metadata.ownerReferences ?? [];
  const ownersWanted = owners.some(o => o.uid === crs.metadata.uid)
    ? owners
    : [...owners, ownerRef(R.ClusterResourceSet, crs, false)];
  if (stableStringify(bindings) === stableStringify(binding.spec?.bindings ?? []) && ownersWanted === owners) return;
  await ctx.api.patch(CLUSTER_RESOURCE_SET_BINDING, binding, {
    metadata: { resourceVersion: binding.metadata.resourceVersion, ownerReferences: ownersWanted },
    spec: { bindings },
  });
}

async function reconcileDelete(ctx: SimContext, crs: ClusterResourceSet): Promise<Result> {
  const ns = crs.metadata.namespace!;
  for (const binding of ctx.caches.clusterResourceSetBindings.byIndex(IDX.namespace, ns)) {
    const owned = binding.metadata.ownerReferences?.some(o => o.uid === crs.metadata.uid);
    const listed = binding.spec?.bindings?.some(b => b.clusterResourceSetName === crs.metadata.name);
    if (!owned && !listed) continue;
    const bindings = withoutSet(binding.spec?.bindings, crs.metadata.name);
    if (bindings.length === 0) await ctx.api.delete(CLUSTER_RESOURCE_SET_BINDING, ns, binding.metadata.name);
    else
      await ctx.api.patch(CLUSTER_RESOURCE_SET_BINDING, binding, {
        metadata: {
          resourceVersion: binding.metadata.resourceVersion,
          ownerReferences: (binding.metadata.ownerReferences ?? []).filter(o => o.uid !== crs.metadata.uid),
        },
        spec: { bindings },
      });
  }
  await removeFinalizer(ctx, R.ClusterResourceSet, crs, FINALIZER.clusterResourceSet);
}

/** The binding controller: a binding whose cluster is gone or deleting goes too. */
export async function reconcileClusterResourceSetBinding(ctx: SimContext, key: string): Promise<Result> {
  const binding = ctx.caches.clusterResourceSetBindings.getByKey(key);
  if (!binding || isDeleting(binding)) return;
  const ns = binding.metadata.namespace!;
  const cluster = ctx.caches.clusters.get(ns, binding.spec?.clusterName ?? binding.metadata.name);
  if (!cluster || isDeleting(cluster)) await ctx.api.delete(CLUSTER_RESOURCE_SET_BINDING, ns, binding.metadata.name);
}
