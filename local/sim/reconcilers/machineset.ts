/**
 * The MachineSet controller: keeps spec.replicas Machines (`<machineset>-<5 random>`, controller ownerRef to the
 * MachineSet) and reports status. Surplus machines go not-running first, then newest. Deleting a MachineSet
 * deletes its Machines and waits for them.
 */
import { R } from "../../../kube/resources";
import { IDX, Result, SimContext } from "../context";
import { FINALIZER, isDeleting, LABEL, Machine, MachineSet } from "../model";
import { generateName } from "../names";
import { selectorString } from "../selector";
import { isRunning, machineSetStatus } from "../status";
import { childKey, clone, deleteOnce, ensureMeta, ownerRef, removeFinalizer, writeStatus } from "./meta";

/** Which machines to remove first when scaling down (CAPI's default delete policy prefers unhealthy ones). */
const deletionOrder = (a: Machine, b: Machine) =>
  Number(isRunning(a)) - Number(isRunning(b)) ||
  (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "");

export async function reconcileMachineSet(ctx: SimContext, key: string): Promise<Result> {
  let ms = ctx.caches.machineSets.getByKey(key);
  if (!ms) return;
  const ns = ms.metadata.namespace!;
  const machines = ctx.caches.machines.byIndex(IDX.owner, ms.metadata.uid!);
  const creating = `Machine:${ms.metadata.uid}`;
  const pending = ctx.expectations.pendingCreates(creating);

  if (isDeleting(ms)) {
    await Promise.all(machines.map(m => deleteOnce(ctx, R.Machine, m)));
    if (machines.length > 0 || pending.length > 0) return;
    await removeFinalizer(ctx, R.MachineSet, ms, FINALIZER.machineSet);
    return;
  }
  ms = await ensureMeta(ctx, R.MachineSet, ms, { finalizer: FINALIZER.machineSet });

  const live = machines.filter(m => !isDeleting(m) && !ctx.expectations.isDeleting(childKey(R.Machine, ns, m.metadata.name)));
  const diff = (ms.spec?.replicas ?? 1) - (live.length + pending.length);
  if (diff > 0) {
    await Promise.all(Array.from({ length: diff }, () => createMachine(ctx, ms!, creating)));
  } else if (diff < 0) {
    const surplus = [...live].sort(deletionOrder).slice(0, -diff);
    await Promise.all(surplus.map(m => deleteOnce(ctx, R.Machine, m)));
  }
  await writeStatus(ctx, R.MachineSet, ms, machineSetStatus(ms, machines, selectorString(ms.spec?.selector), ctx.now()));
}

async function createMachine(ctx: SimContext, ms: MachineSet, owner: string): Promise<void> {
  const ns = ms.metadata.namespace!;
  const name = generateName(ms.metadata.name);
  const tmpl = ms.spec?.template;
  const clusterName = ms.spec?.clusterName ?? "";
  const spec = clone(tmpl?.spec ?? {});
  // The template's configRef names a KubeadmConfigTemplate; the Machine points at its own KubeadmConfig.
  const bootstrap = spec.bootstrap?.configRef
    ? { configRef: { apiVersion: "bootstrap.cluster.x-k8s.io/v1beta1", kind: "KubeadmConfig", name, namespace: ns } }
    : { dataSecretName: spec.bootstrap?.dataSecretName };
  const labels: Record<string, string> = { ...(tmpl?.metadata?.labels ?? {}), [LABEL.clusterName]: clusterName };
  if (ms.metadata.name.length <= 63) labels[LABEL.setName] = ms.metadata.name;
  const deployment = ms.metadata.labels?.[LABEL.deploymentName];
  if (deployment) labels[LABEL.deploymentName] = deployment;
  const machine: Machine = {
    metadata: {
      name,
      namespace: ns,
      labels,
      ...(tmpl?.metadata?.annotations ? { annotations: tmpl.metadata.annotations } : {}),
      finalizers: [FINALIZER.machine],
      ownerReferences: [ownerRef(R.MachineSet, ms, true)],
    },
    spec: {
      ...spec,
      clusterName,
      bootstrap,
      infrastructureRef: { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "ByoMachine", name, namespace: ns },
    },
  };
  const ck = childKey(R.Machine, ns, name);
  ctx.expectations.expectCreate(owner, ck);
  try {
    await ctx.api.create(R.Machine, machine);
  } catch (e) {
    ctx.expectations.forgetCreate(ck);
    throw e;
  }
}
