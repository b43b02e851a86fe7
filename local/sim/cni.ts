/**
 * ClusterResourceSet logic (pure), as Cluster API v1.10's ClusterResourceSet controller has it
 * (internal/controllers/clusterresourceset): which sets select a cluster, when a resource needs applying, how the
 * ClusterResourceSetBinding records it, and whether the CNI has reached a cluster — the simulator counts a node
 * Ready only then (a kubelet without a CNI reports NetworkReady=false, so the Node stays NotReady).
 */
import { createHash } from "node:crypto";
import { CapiCondition, isTrue } from "./conditions";
import {
  Cluster,
  ClusterResourceSet,
  ClusterResourceSetBinding,
  CONDITION,
  isDeleting,
  ResourceBinding,
  ResourceObject,
  ResourceRef,
} from "./model";
import { matchesSelector } from "./selector";

type Bindings = NonNullable<NonNullable<ClusterResourceSetBinding["spec"]>["bindings"]>;

/** A set selects the non-deleting clusters of its namespace whose labels match; an empty selector matches none. */
export function selectsCluster(crs: ClusterResourceSet, cluster: Cluster): boolean {
  const sel = crs.spec?.clusterSelector;
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  if (empty || isDeleting(cluster) || crs.metadata.namespace !== cluster.metadata.namespace) return false;
  return matchesSelector(sel, cluster.metadata.labels);
}

/** computeHash over the resource's data, keys in order (a Secret's values base64-decoded first, as CAPI does). */
export function resourceHash(obj: ResourceObject): string {
  const h = createHash("sha256");
  const data = obj.data ?? {};
  for (const k of Object.keys(data).sort()) h.update(obj.kind === "Secret" ? Buffer.from(data[k], "base64") : data[k]);
  return `sha256:${h.digest("hex")}`;
}

export const sameRef = (a: ResourceRef, b: ResourceRef) => a.kind === b.kind && a.name === b.name;

/** The binding's record of one resource of one set, if any. */
export function bindingEntry(binding: ClusterResourceSetBinding | undefined, crsName: string, ref: ResourceRef) {
  return binding?.spec?.bindings?.find(b => b.clusterResourceSetName === crsName)?.resources?.find(r => sameRef(r, ref));
}

/** ApplyOnce: until recorded as applied. Reconcile: also when the resource's hash changed. */
export function needsApply(strategy: string | undefined, entry: ResourceBinding | undefined, hash: string): boolean {
  if (!entry?.applied) return true;
  return strategy === "Reconcile" && entry.hash !== hash;
}

/** The bindings with one resource record set (the set's entry created when missing); a new array, input untouched. */
export function withEntry(bindings: Bindings | undefined, crsName: string, entry: ResourceBinding): Bindings {
  const out = (bindings ?? []).map(b => ({ ...b, resources: [...(b.resources ?? [])] }));
  let set = out.find(b => b.clusterResourceSetName === crsName);
  if (!set) out.push((set = { clusterResourceSetName: crsName, resources: [] }));
  const i = set.resources.findIndex(r => sameRef(r, entry));
  if (i >= 0) set.resources[i] = entry;
  else set.resources.push(entry);
  return out;
}

/** The bindings with one set's entry created (empty) if missing, as GetOrCreateBinding does. */
export function withSet(bindings: Bindings | undefined, crsName: string): Bindings {
  const out = [...(bindings ?? [])];
  if (!out.some(b => b.clusterResourceSetName === crsName)) out.push({ clusterResourceSetName: crsName, resources: [] });
  return out;
}

export const withoutSet = (bindings: Bindings | undefined, crsName: string): Bindings =>
  (bindings ?? []).filter(b => b.clusterResourceSetName !== crsName);

export interface CniState {
  applied: boolean;
  /** `<set>: <Kind>/<name>` of every resource not applied yet. */
  pending: string[];
}

/**
 * Whether every resource of every (non-deleting) set selecting the cluster is recorded as applied in its binding.
 * No set at all counts as applied: the hosts are assumed to bring their own CNI (a hand-written cluster, a
 * template with `cni: none` on hosts that have one) — the simulator cannot tell, and keeps such clusters working.
 */
export function cniState(cluster: Cluster, sets: ClusterResourceSet[], binding: ClusterResourceSetBinding | undefined): CniState {
  const pending: string[] = [];
  for (const crs of sets) {
    if (isDeleting(crs) || !selectsCluster(crs, cluster)) continue;
    for (const ref of crs.spec?.resources ?? [])
      if (!bindingEntry(binding, crs.metadata.name, ref)?.applied) pending.push(`${crs.metadata.name}: ${ref.kind}/${ref.name}`);
  }
  return { applied: pending.length === 0, pending };
}

/** CAPI connects to a workload cluster (its cluster cache) once the control plane is initialized. */
export const workloadReachable = (cluster: Cluster | undefined) =>
  isTrue(cluster?.status?.conditions as CapiCondition[] | undefined, CONDITION.controlPlaneInitialized);

/** The "not found" error text of a GET, as CAPI's condition message carries it. */
export const notFoundMessage = (ref: ResourceRef) =>
  `${ref.kind === "Secret" ? "secrets" : "configmaps"} "${ref.name}" not found`;
