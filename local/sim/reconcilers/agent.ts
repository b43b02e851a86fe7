/**
 * The BYOH agent on each host (BYOH agent/reconciler/host_reconciler.go), driven by its ByoHost:
 *  - attached (status.machineRef) with a bootstrap secret: "runs kubeadm" after stepDelayMs (+ slowMs for a
 *    slow host) and reports K8sNodeBootstrapSucceeded True — or, with the bootstrap-failure fault, False /
 *    CloudInitExecutionFailed / severity Error, and stays so until the fault is cleared;
 *  - marked `unregistering` by BYOH, or attached to a ByoMachine that no longer exists: "kubeadm reset", then
 *    clear machineRef and bootstrapSecret, drop the cluster-name and byomachine-name labels and BYOH's
 *    annotations (user labels such as host-id stay) and go back to WaitingForMachineRefToBeAssigned.
 *
 * Deviation: the real agent first reports K8sNodeAbsent after a reset and WaitingForMachineRefToBeAssigned on
 * its next reconcile; the simulator writes the final state at once.
 */
import { R } from "../../../kube/resources";
import { falseCondition, findCondition, isTrue, setConditions, trueCondition, WantedCondition } from "../conditions";
import { Result, SimContext } from "../context";
import { ANNOTATION, BYOH_HOST_ANNOTATIONS, ByoHost, CONDITION, isDeleting, LABEL, REASON } from "../model";

/** The ByoMachine key (`ns/name`) a host is attached to, from its machineRef or its byomachine-name label. */
export function attachedMachineKey(host: ByoHost): string | undefined {
  const ref = host.status?.machineRef;
  if (ref?.name) return `${ref.namespace ?? host.metadata.namespace}/${ref.name}`;
  const label = host.metadata.labels?.[LABEL.byoMachineName];
  const dot = label?.indexOf(".") ?? -1;
  // Namespaces are DNS labels (no dots), so the first dot separates namespace and ByoMachine name.
  return label && dot > 0 ? `${label.slice(0, dot)}/${label.slice(dot + 1)}` : undefined;
}

export async function reconcileHost(ctx: SimContext, key: string): Promise<Result> {
  const host = ctx.caches.byoHosts.getByKey(key);
  if (!host || isDeleting(host)) return;
  const ref = host.status?.machineRef ?? undefined;
  const bmKey = attachedMachineKey(host);
  const bm = bmKey ? ctx.caches.byoMachines.getByKey(bmKey) : undefined;
  const orphaned = !!bmKey && (!bm || (!!ref?.uid && bm.metadata.uid !== ref.uid));

  if (host.metadata.annotations?.[ANNOTATION.unregistering] !== undefined || orphaned) return cleanUp(ctx, host, key);
  ctx.agentClock.delete(`${key}|cleanup`);
  if (!ref) {
    // Free (or mid-attach: labelled, machineRef not yet written — BYOH finishes that).
    if (!host.metadata.labels?.[LABEL.clusterName])
      await setBootstrapCondition(ctx, host, falseCondition(CONDITION.k8sNodeBootstrapSucceeded, REASON.waitingForMachineRef));
    return;
  }
  if (!host.spec?.bootstrapSecret) {
    await setBootstrapCondition(
      ctx,
      host,
      falseCondition(CONDITION.k8sNodeBootstrapSucceeded, REASON.bootstrapDataSecretUnavailable),
    );
    return;
  }
  if (isTrue(host.status?.conditions, CONDITION.k8sNodeBootstrapSucceeded)) return;

  const fault = ctx.fault(host.metadata.name);
  const delay = ctx.stepDelayMs + (typeof fault === "object" ? fault.slowMs : 0);
  const wait = waitFor(ctx, `${key}|bootstrap|${ref.uid ?? ref.name}`, delay);
  if (wait) return wait;
  if (fault === "bootstrap-failure") {
    const before = findCondition(host.status?.conditions, CONDITION.k8sNodeBootstrapSucceeded);
    if (before?.reason !== REASON.cloudInitExecutionFailed) {
      ctx.event(host, "Warning", "BootstrapK8sNodeFailed", "k8s Node Bootstrap failed", "byoh-agent");
    }
    await setBootstrapCondition(
      ctx,
      host,
      falseCondition(
        CONDITION.k8sNodeBootstrapSucceeded,
        REASON.cloudInitExecutionFailed,
        "Error",
        "kubeadm failed: simulated bootstrap failure (cloud-init runcmd exited 1)",
      ),
    );
    return;
  }
  await setBootstrapCondition(ctx, host, trueCondition(CONDITION.k8sNodeBootstrapSucceeded));
  ctx.agentClock.delete(`${key}|bootstrap|${ref.uid ?? ref.name}`);
  ctx.event(host, "Normal", "BootstrapK8sNodeSucceeded", "k8s Node Bootstraped", "byoh-agent");
}

/** A simulated step that takes `delayMs` from its first sight: the remaining wait, or undefined when done. */
function waitFor(ctx: SimContext, clockKey: string, delayMs: number): Result {
  if (delayMs <= 0) return undefined;
  const now = Date.now();
  let start = ctx.agentClock.get(clockKey);
  if (start === undefined) ctx.agentClock.set(clockKey, (start = now));
  const remaining = start + delayMs - now;
  return remaining > 0 ? { requeueAfterMs: remaining } : undefined;
}

async function cleanUp(ctx: SimContext, host: ByoHost, key: string): Promise<Result> {
  const wait = waitFor(ctx, `${key}|cleanup`, ctx.stepDelayMs);
  if (wait) return wait;
  // Status first: while the labels stay, no ByoMachine can select the half-cleaned host.
  if (host.status?.machineRef || !isWaitingForMachineRef(host)) {
    const conditions = setConditions(
      host.status?.conditions,
      [falseCondition(CONDITION.k8sNodeBootstrapSucceeded, REASON.waitingForMachineRef)],
      ctx.now(),
    );
    await ctx.api.patch(R.ByoHost, host, { status: { machineRef: null, conditions } }, "status");
  }
  const annotations = Object.fromEntries(
    BYOH_HOST_ANNOTATIONS.filter(a => host.metadata.annotations?.[a] !== undefined).map(a => [a, null]),
  );
  await ctx.api.patch(R.ByoHost, host, {
    metadata: { labels: { [LABEL.clusterName]: null, [LABEL.byoMachineName]: null }, annotations },
    spec: { bootstrapSecret: null },
  });
  ctx.agentClock.delete(`${key}|cleanup`);
  for (const k of ctx.agentClock.keys()) if (k.startsWith(`${key}|bootstrap|`)) ctx.agentClock.delete(k);
}

function isWaitingForMachineRef(host: ByoHost): boolean {
  const c = findCondition(host.status?.conditions, CONDITION.k8sNodeBootstrapSucceeded);
  return c?.status === "False" && c.reason === REASON.waitingForMachineRef;
}

async function setBootstrapCondition(ctx: SimContext, host: ByoHost, wanted: WantedCondition): Promise<void> {
  const before = findCondition(host.status?.conditions, wanted.type);
  if (
    before &&
    before.status === wanted.status &&
    before.reason === wanted.reason &&
    before.severity === wanted.severity &&
    before.message === wanted.message
  )
    return;
  const conditions = setConditions(host.status?.conditions, [wanted], ctx.now());
  await ctx.api.patch(R.ByoHost, host, { status: { conditions } }, "status");
}
