/**
 * Metadata and status writes shared by the simulated controllers. List-valued metadata (finalizers,
 * ownerReferences) is replaced whole by a merge patch, so those patches carry the cached resourceVersion:
 * a stale cache then fails with 409 and the reconcile is retried instead of dropping someone else's entry.
 */
import type { KubeObject, OwnerReference } from "../../../kube/types";
import { apiVersionOf, Resource } from "../../../kube/resources";
import type { SimContext } from "../context";
import { statusDiffers } from "../status";

export interface MetaWants {
  finalizer?: string;
  /** Added when no reference with this uid exists; a controller ref is not added over another controller. */
  ownerRef?: OwnerReference;
  labels?: Record<string, string>;
}

/** The reference CAPI puts on what an object controls (SetControllerReference) or merely owns (EnsureOwnerRef). */
export function ownerRef(res: Resource, owner: KubeObject, controller: boolean): OwnerReference {
  const ref: OwnerReference = {
    apiVersion: apiVersionOf(res),
    kind: res.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
  };
  if (controller) Object.assign(ref, { controller: true, blockOwnerDeletion: true });
  return ref;
}

/** Brings finalizer / ownerRef / labels to what is wanted with at most one patch; returns the newest object. */
export async function ensureMeta<T extends KubeObject>(ctx: SimContext, res: Resource, obj: T, want: MetaWants): Promise<T> {
  const meta: Record<string, unknown> = {};
  const finalizers = obj.metadata.finalizers ?? [];
  if (want.finalizer && !finalizers.includes(want.finalizer)) meta.finalizers = [...finalizers, want.finalizer];
  if (want.ownerRef) {
    const refs = obj.metadata.ownerReferences ?? [];
    const mine = want.ownerRef;
    if (!refs.some(r => r.uid === mine.uid)) {
      const other = mine.controller ? refs.find(r => r.controller) : undefined;
      if (other)
        ctx.log(
          `${res.kind} ${obj.metadata.namespace}/${obj.metadata.name} is already controlled by ${other.kind} ${other.name}`,
        );
      else meta.ownerReferences = [...refs, mine];
    }
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(want.labels ?? {})) if (obj.metadata.labels?.[k] !== v) labels[k] = v;
  if (Object.keys(labels).length) meta.labels = labels;
  if (Object.keys(meta).length === 0) return obj;
  meta.resourceVersion = obj.metadata.resourceVersion;
  return ctx.api.patch<T>(res, obj, { metadata: meta });
}

export async function removeFinalizer<T extends KubeObject>(
  ctx: SimContext,
  res: Resource,
  obj: T,
  finalizer: string,
): Promise<void> {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer) || isFinalized(ctx, obj, finalizer)) return;
  await ctx.api.patch(res, obj, {
    metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: finalizers.filter(f => f !== finalizer) },
  });
  ctx.finalized.add(`${obj.metadata.uid}|${finalizer}`);
}

/** True when this simulator already removed the finalizer (the cache may not show it yet). */
export const isFinalized = (ctx: SimContext, obj: KubeObject, finalizer: string) =>
  ctx.finalized.has(`${obj.metadata.uid}|${finalizer}`);

/** Writes status through the status subresource, only when it changes something. */
export async function writeStatus(ctx: SimContext, res: Resource, obj: KubeObject, desired: object): Promise<void> {
  if (!statusDiffers(obj.status as Record<string, unknown> | undefined, desired as Record<string, unknown>)) return;
  await ctx.api.patch(res, obj, { status: desired }, "status");
}

/** Issues a delete once: skipped when the object is already deleting or a delete is in flight. */
export async function deleteOnce(ctx: SimContext, res: Resource, obj: KubeObject): Promise<void> {
  if (obj.metadata.deletionTimestamp) return;
  const key = `${res.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
  if (ctx.expectations.isDeleting(key)) return;
  ctx.expectations.expectDelete(key);
  await ctx.api.delete(res, obj.metadata.namespace, obj.metadata.name);
}

/** Expectation keys are `<Kind>/<ns>/<name>`, as deleteOnce uses. */
export const childKey = (res: Resource, namespace: string, name: string) => `${res.kind}/${namespace}/${name}`;

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
