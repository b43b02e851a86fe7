/**
 * Template ownership (byoh-capi-notes §4.5, §6.3): the MachineDeployment and KCP controllers give the templates
 * they use a non-controller ownerRef to the Cluster, so kube-controller-manager's garbage collector removes
 * ByoMachineTemplates and KubeadmConfigTemplates once the Cluster is gone.
 */
import { R } from "../../../kube/resources";
import type { SimContext } from "../context";
import type { Cluster, ObjectRef } from "../model";
import { isDeleting } from "../model";
import { ensureMeta, ownerRef } from "./meta";

export async function adoptTemplates(
  ctx: SimContext,
  cluster: Cluster,
  namespace: string,
  refs: (ObjectRef | undefined)[],
): Promise<void> {
  const owner = ownerRef(R.Cluster, cluster, false);
  for (const ref of refs) {
    if (!ref) continue;
    const ns = ref.namespace ?? namespace;
    if (ref.kind === "ByoMachineTemplate") {
      const t = ctx.caches.byoMachineTemplates.get(ns, ref.name);
      if (t && !isDeleting(t)) await ensureMeta(ctx, R.ByoMachineTemplate, t, { ownerRef: owner });
    } else if (ref.kind === "KubeadmConfigTemplate") {
      const t = ctx.caches.kubeadmConfigTemplates.get(ns, ref.name);
      if (t && !isDeleting(t)) await ensureMeta(ctx, R.KubeadmConfigTemplate, t, { ownerRef: owner });
    }
  }
}
