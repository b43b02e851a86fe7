/**
 * BYOH's ByoMachine controller (byoh-capi-notes §1.7, BYOH byomachine_controller.go):
 *   wait for the owner Machine, the cluster label, the Cluster and its ByoCluster; finalizer; wait for
 *   Cluster.status.infrastructureReady and Machine.spec.bootstrap.dataSecretName; attach a free ByoHost that
 *   matches spec.selector (cluster-wide, first by namespace/name) — or report BYOHostsUnavailable and retry;
 *   once the host's agent reports K8sNodeBootstrapSucceeded, set providerID and ready.
 * Deletion marks the attached host for clean-up (annotation `unregistering`) and drops the finalizer at once;
 * the agent (agent.ts) releases the host.
 */
import { R } from "../../../kube/resources";
import { falseCondition, findCondition, isTrue, trueCondition, WantedCondition } from "../conditions";
import { IDX, Result, SimContext } from "../context";
import {
  ANNOTATION,
  ByoCluster,
  ByoHost,
  ByoMachine,
  Cluster,
  CONDITION,
  controllerOf,
  HostInfo,
  FINALIZER,
  isDeleting,
  keyOfObj,
  LABEL,
  Machine,
  REASON,
} from "../model";
import { providerIdFor } from "../names";
import { byoMachineStatus } from "../status";
import { ensureMeta, removeFinalizer, writeStatus } from "./meta";

/** BYOH's RequeueForbyohost: how often a ByoMachine without a host looks again (besides host events). */
export const HOST_RETRY_MS = 10_000;

export const attachedHostOf = (ctx: SimContext, bm: ByoMachine): ByoHost | undefined =>
  ctx.caches.byoHosts.byIndex(IDX.attached, `${bm.metadata.namespace}.${bm.metadata.name}`)[0];

export async function reconcileByoMachine(ctx: SimContext, key: string): Promise<Result> {
  let bm = ctx.caches.byoMachines.getByKey(key);
  if (!bm) {
    ctx.waitingForHost.delete(key);
    return;
  }
  const ns = bm.metadata.namespace!;
  const owner = controllerOf(bm, "Machine");
  const machine = owner ? ctx.caches.machines.get(ns, owner.name) : undefined;
  if (!machine) return; // waiting for the Machine controller's ownerRef
  const cluster = ctx.caches.clusters.get(ns, bm.metadata.labels?.[LABEL.clusterName] ?? "");
  if (!cluster) return;
  const infra = cluster.spec?.infrastructureRef;
  const byoCluster = infra ? ctx.caches.byoClusters.get(infra.namespace ?? ns, infra.name) : undefined;
  // BYOH returns early (keeping its finalizer) without the ByoCluster; the ordered teardown keeps it around.
  if (!byoCluster) return;
  const host = attachedHostOf(ctx, bm);

  if (isDeleting(bm)) {
    ctx.waitingForHost.delete(key);
    if (host && host.metadata.annotations?.[ANNOTATION.unregistering] === undefined) {
      await ctx.api.patch(R.ByoHost, host, { metadata: { annotations: { [ANNOTATION.unregistering]: "" } } });
    }
    await removeFinalizer(ctx, R.ByoMachine, bm, FINALIZER.byoMachine);
    return;
  }

  bm = await ensureMeta(ctx, R.ByoMachine, bm, { finalizer: FINALIZER.byoMachine });
  const now = ctx.now();
  const current = bm;
  const setHostReady = (cond: WantedCondition, ready = false, hostinfo?: HostInfo) =>
    writeStatus(ctx, R.ByoMachine, current, byoMachineStatus(current, cond, ready, hostinfo, now));

  if (!cluster.status?.infrastructureReady) {
    await setHostReady(falseCondition(CONDITION.byoHostReady, REASON.waitingForClusterInfrastructure));
    return;
  }
  if (!machine.spec?.bootstrap?.dataSecretName) {
    await setHostReady(falseCondition(CONDITION.byoHostReady, REASON.waitingForBootstrapDataSecret));
    return;
  }

  if (!host) return attach(ctx, bm, machine, cluster, byoCluster);
  ctx.waitingForHost.delete(key);
  if (!host.status?.machineRef) {
    // An attach that stopped between its two writes (labels first, then status): finish it.
    await ctx.api.patch(R.ByoHost, host, { status: { machineRef: machineRefOf(bm) } }, "status");
    return;
  }
  if (!isTrue(host.status?.conditions, CONDITION.k8sNodeBootstrapSucceeded)) {
    // BYOH errors out while the Node is absent; its conditions stay what they were.
    return;
  }
  if (!bm.spec?.providerID) {
    bm = await ctx.api.patch<ByoMachine>(R.ByoMachine, bm, { spec: { providerID: providerIdFor(host.metadata.name) } });
    ctx.event(bm, "Normal", "NodeProvisionedSucceeded", `Provisioned Node ${host.metadata.name}`, "byomachine-controller");
  }
  await writeStatus(
    ctx,
    R.ByoMachine,
    bm,
    byoMachineStatus(bm, trueCondition(CONDITION.byoHostReady), true, host.status?.hostinfo, now),
  );
}

const machineRefOf = (bm: ByoMachine) => ({
  apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1",
  kind: "ByoMachine",
  name: bm.metadata.name,
  namespace: bm.metadata.namespace,
  uid: bm.metadata.uid,
});

async function attach(
  ctx: SimContext,
  bm: ByoMachine,
  machine: Machine,
  cluster: Cluster,
  byoCluster: ByoCluster,
): Promise<Result> {
  const key = keyOfObj(bm);
  const selector = bm.spec?.selector;
  const host = ctx.hosts.reserve(selector, key);
  if (!host) {
    ctx.waitingForHost.set(key, selector);
    const before = findCondition(bm.status?.conditions, CONDITION.byoHostReady);
    if (before?.reason !== REASON.byoHostsUnavailable) {
      ctx.event(bm, "Warning", "ByoHostSelectionFailed", "No available ByoHost", "byomachine-controller");
    }
    await writeStatus(
      ctx,
      R.ByoMachine,
      bm,
      byoMachineStatus(bm, falseCondition(CONDITION.byoHostReady, REASON.byoHostsUnavailable), false, undefined, ctx.now()),
    );
    return { requeueAfterMs: HOST_RETRY_MS };
  }
  ctx.waitingForHost.delete(key);
  const ns = bm.metadata.namespace!;
  const annotations: Record<string, string> = { [ANNOTATION.endpointIp]: cluster.spec?.controlPlaneEndpoint?.host ?? "" };
  if (machine.spec?.version) annotations[ANNOTATION.k8sVersion] = machine.spec.version;
  if (byoCluster.spec?.bundleLookupBaseRegistry)
    annotations[ANNOTATION.bundleRegistry] = byoCluster.spec.bundleLookupBaseRegistry;
  let patched: ByoHost;
  try {
    // resourceVersion: fail (409) rather than take a host someone attached since the cache saw it.
    patched = await ctx.api.patch<ByoHost>(R.ByoHost, host, {
      metadata: {
        resourceVersion: host.metadata.resourceVersion,
        labels: { [LABEL.clusterName]: cluster.metadata.name, [LABEL.byoMachineName]: `${ns}.${bm.metadata.name}` },
        annotations,
      },
      spec: { bootstrapSecret: { kind: "Secret", namespace: ns, name: machine.spec!.bootstrap!.dataSecretName! } },
    });
  } catch (e) {
    ctx.hosts.release(keyOfObj(host), key);
    throw e;
  }
  // The reservation ends when the watch shows the host labelled (no longer free).
  await ctx.api.patch(R.ByoHost, patched, { status: { machineRef: machineRefOf(bm) } }, "status");
  ctx.event(bm, "Normal", "ByoHostAttachSucceeded", `Attached ByoHost ${host.metadata.name}`, "byomachine-controller");
}
