/**
 * The finalizer Pepr's Finalize binding adds at admission. Both capabilities' Finalize callbacks return false, so
 * Pepr never removes it; the reconcilers release it themselves once the cleanup is really done.
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
