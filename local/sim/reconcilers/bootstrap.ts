/**
 * The kubeadm bootstrap provider (CABPK) for one Machine: a KubeadmConfig named like the Machine (controller
 * ownerRef Machine), and — once the cluster allows it — a bootstrap data Secret, KubeadmConfig status
 * ready/dataSecretName and Machine.spec.bootstrap.dataSecretName. Workers and joining control-plane nodes
 * wait for ControlPlaneInitialized, which is why BYOH attaches worker hosts only after the first
 * control-plane node is up (byoh-capi-notes §1.7 step 3).
 */
import type { KubeObject } from "../../../kube/types";
import { R } from "../../../kube/resources";
import { isTrue, setConditions, trueCondition } from "../conditions";
import type { SimContext } from "../context";
import { Cluster, CONDITION, LABEL, Machine } from "../model";
import { clone, ownerRef } from "./meta";

/** Why the Machine's bootstrap data cannot be generated yet, or undefined when it can (pure). */
export function bootstrapWaitReason(isControlPlane: boolean, cluster: Cluster | undefined): string | undefined {
  if (!cluster?.status?.infrastructureReady) return "WaitingForClusterInfrastructure";
  const initialized = isTrue(cluster.status.conditions, CONDITION.controlPlaneInitialized);
  // Only the first control-plane machine (kubeadm init) may go before the control plane is initialised.
  if (!initialized && !isControlPlane) return "WaitingForControlPlaneAvailable";
  return undefined;
}

/** The KubeadmConfig spec: KCP's kubeadmConfigSpec cut to init or join, or the worker template's spec. */
export function kubeadmConfigSpec(
  source: Record<string, unknown> | undefined,
  role: "init" | "join" | "worker",
): Record<string, unknown> {
  const spec = clone(source ?? {});
  if (role === "init") delete spec.joinConfiguration;
  if (role === "join") {
    delete spec.initConfiguration;
    delete spec.clusterConfiguration;
  }
  return spec;
}

export async function ensureKubeadmConfig(ctx: SimContext, m: Machine, spec: Record<string, unknown>): Promise<void> {
  if (ctx.createdConfigs.has(m.metadata.uid!)) return;
  const ns = m.metadata.namespace!;
  const name = m.spec?.bootstrap?.configRef?.name ?? m.metadata.name;
  const created = await ctx.api.createIfAbsent(R.KubeadmConfig, {
    metadata: {
      name,
      namespace: ns,
      labels: { ...(m.metadata.labels ?? {}) },
      ownerReferences: [ownerRef(R.Machine, m, true)],
    },
    spec,
  });
  ctx.createdConfigs.set(m.metadata.uid!, created);
}

/** Writes the bootstrap Secret and points the KubeadmConfig and the Machine at it. */
export async function generateBootstrapData(ctx: SimContext, m: Machine, role: "init" | "join" | "worker"): Promise<Machine> {
  const ns = m.metadata.namespace!;
  const name = m.spec?.bootstrap?.configRef?.name ?? m.metadata.name;
  // The object this simulator created (for its uid), or — made by an earlier run — a fresh read.
  const config = ctx.createdConfigs.get(m.metadata.uid!) ?? (await ctx.api.get<KubeObject>(R.KubeadmConfig, ns, name));
  if (!config) throw new Error(`KubeadmConfig ${ns}/${name} not found`);
  const cmd =
    role === "init"
      ? "kubeadm init --config /run/kubeadm/kubeadm.yaml"
      : "kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml";
  const cloudConfig = `## template: jinja\n#cloud-config\nwrite_files: []\nruncmd:\n  - '${cmd}'\n`;
  await ctx.api.createIfAbsent(R.Secret, {
    metadata: {
      name,
      namespace: ns,
      labels: { [LABEL.clusterName]: m.spec?.clusterName ?? "" },
      ownerReferences: [ownerRef(R.KubeadmConfig, config, true)],
    },
    type: "cluster.x-k8s.io/secret",
    data: { value: Buffer.from(cloudConfig).toString("base64"), format: Buffer.from("cloud-config").toString("base64") },
  } as KubeObject);
  const now = ctx.now();
  const conditions = setConditions(
    (config.status as { conditions?: [] } | undefined)?.conditions,
    [trueCondition(CONDITION.ready), trueCondition(CONDITION.dataSecretAvailable), trueCondition("CertificatesAvailable")],
    now,
  );
  await ctx.api.patch(
    R.KubeadmConfig,
    config,
    { status: { ready: true, dataSecretName: name, conditions, observedGeneration: config.metadata.generation } },
    "status",
  );
  return ctx.api.patch<Machine>(R.Machine, m, { spec: { bootstrap: { dataSecretName: name } } });
}
