/**
 * The finalizer both capabilities' Mutate adds at admission (the name Pepr's Finalize binding used, so requests
 * stored before keep working). The reconcilers release it themselves once the cleanup is really done.
 */
import { KubeClient, KubeObject } from "./client";
import { Resource } from "./resources";

export const PEPR_FINALIZER = "pepr.dev/finalizer";

/** Removes the finalizer with optimistic concurrency on resourceVersion, so a concurrent change is never lost. */
export async function releaseFinalizer(client: KubeClient, res: Resource, obj: KubeObject): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  if (!current.includes(PEPR_FINALIZER)) return;
  await client.mergePatch(res, obj.metadata.name, obj.metadata.namespace, {
    metadata: { finalizers: current.filter(f => f !== PEPR_FINALIZER), resourceVersion: obj.metadata.resourceVersion },
  });
}

/** Adds Pepr's finalizer to an object being admitted (a mutation), unless it has it. */
export function addFinalizer(obj: { metadata?: { finalizers?: string[] } }): void {
  if (!obj.metadata) return;
  const current = obj.metadata.finalizers ?? [];
  if (!current.includes(PEPR_FINALIZER)) obj.metadata.finalizers = [...current, PEPR_FINALIZER];
}
