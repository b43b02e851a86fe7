/**
 * The request tree a person wants to watch (the `clusterctl describe cluster` of this product):
 * FPR -> PR -> Cluster -> control plane / worker pools -> hosts, with phases and elapsed time.
 * collectTree reads it from the clusters; renderTree is pure.
 */
import { BYOH_BOOTSTRAP_CONDITION, O2IMS_REQUEST_UID_LABEL } from "../api/vocabulary";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { remoteRequestName, workerMachineDeploymentName } from "../generators/names";

type Obj = Record<string, unknown>;
const st = (o?: KubeObject) => (o?.status ?? {}) as Obj;
const sp = (o?: KubeObject) => (o?.spec ?? {}) as Obj;

export interface TreeModel {
  fpr?: KubeObject;
  pr?: KubeObject;
  cluster?: KubeObject;
  controlPlane?: KubeObject;
  machineDeployments: KubeObject[];
  /** ByoHosts pinned by the request, keyed by host name. */
  hosts: Map<string, KubeObject | undefined>;
  masters: string[];
  workers: { hostName: string; machineDeployment?: string }[];
}

export function age(from: string | undefined, now: Date): string {
  if (!from) return "";
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}

const pad = (s: string, n: number) => (s.length >= n ? s + " " : s + " ".repeat(n - s.length));

function hostLine(name: string, host: KubeObject | undefined): string {
  if (!host) return `ByoHost ${name}  not registered`;
  const attached = !!st(host).machineRef;
  const boot = ((st(host).conditions as Obj[] | undefined) ?? []).find(c => c.type === BYOH_BOOTSTRAP_CONDITION);
  const state = !attached
    ? "free"
    : boot?.status === "True"
      ? "node ready"
      : boot?.status === "False" && boot.reason
        ? `attached (${boot.reason})`
        : "attached";
  return `ByoHost ${name}  ${state}`;
}

export function renderTree(m: TreeModel, now = new Date()): string[] {
  const lines: string[] = [];
  let indent = "";
  const row = (label: string, detail: string, created?: string) =>
    lines.push(`${pad(indent + label, 62)}${pad(detail, 40)}${age(created, now)}`.trimEnd());
  if (m.fpr) {
    const s = st(m.fpr);
    const remote = (s.remoteState as Obj | undefined)?.provisioningState;
    row(
      `FocomProvisioningRequest ${m.fpr.metadata.namespace}/${m.fpr.metadata.name}`,
      `${s.phase ?? "-"}${remote ? ` (remote ${remote})` : ""}`,
      m.fpr.metadata.creationTimestamp,
    );
    indent = "└─ ";
  }
  if (!m.pr) {
    if (m.fpr) lines.push(`${indent}ProvisioningRequest (not created yet)${st(m.fpr).message ? `: ${st(m.fpr).message}` : ""}`);
    return lines;
  }
  const ps = (st(m.pr).provisioningStatus ?? {}) as Obj;
  row(
    `ProvisioningRequest ${m.pr.metadata.namespace}/${m.pr.metadata.name}`,
    String(ps.provisioningState ?? "-"),
    m.pr.metadata.creationTimestamp,
  );
  const base = m.fpr ? "   " : "";
  if (ps.provisioningMessage) lines.push(`${base}│  ${ps.provisioningMessage}`);
  if (!m.cluster) {
    lines.push(`${base}└─ Cluster (not created yet)`);
    return lines;
  }
  indent = `${base}└─ `;
  const cs = st(m.cluster);
  row(
    `Cluster ${m.cluster.metadata.name}`,
    `${cs.phase ?? "-"}${cs.controlPlaneReady ? ", control plane ready" : ""}`,
    m.cluster.metadata.creationTimestamp,
  );
  const inner = `${base}   `;
  const pools: { label: string; detail: string; created?: string; hosts: string[] }[] = [];
  const kcp = m.controlPlane;
  pools.push({
    label: `KubeadmControlPlane ${kcp?.metadata.name ?? "(not created yet)"}`,
    detail: kcp
      ? `${st(kcp).readyReplicas ?? 0}/${sp(kcp).replicas ?? m.masters.length} ready ${st(kcp).version ?? sp(kcp).version ?? ""}`.trim()
      : "",
    created: kcp?.metadata.creationTimestamp,
    hosts: m.masters,
  });
  for (const w of m.workers) {
    const md = m.machineDeployments.find(d => d.metadata.name === w.machineDeployment);
    pools.push({
      label: `MachineDeployment ${w.machineDeployment ?? "(not created yet)"}`,
      detail: md ? `${st(md).readyReplicas ?? 0}/${sp(md).replicas ?? 1} ready${st(md).phase ? ` ${st(md).phase}` : ""}` : "",
      created: md?.metadata.creationTimestamp,
      hosts: [w.hostName],
    });
  }
  pools.forEach((p, i) => {
    const last = i === pools.length - 1;
    indent = `${inner}${last ? "└─ " : "├─ "}`;
    row(p.label, p.detail, p.created);
    p.hosts.forEach((h, j) => {
      indent = `${inner}${last ? "   " : "│  "}${j === p.hosts.length - 1 ? "└─ " : "├─ "}`;
      const host = m.hosts.get(h);
      row(hostLine(h, host), "", undefined);
    });
  });
  return lines;
}

interface Params {
  clusterName?: string;
  hosts?: { masters?: { hostName: string }[]; workers?: { hostName: string; hostId: string | number }[] };
}

/** Reads the tree of a FocomProvisioningRequest (smo client + the O-Cloud client) or of a ProvisioningRequest. */
export async function collectTree(opts: {
  smo?: KubeClient;
  ocloud: KubeClient;
  fpr?: { name: string; namespace: string };
  pr?: { name: string; namespace: string };
}): Promise<TreeModel> {
  const m: TreeModel = { machineDeployments: [], hosts: new Map(), masters: [], workers: [] };
  let prRef = opts.pr;
  if (opts.fpr && opts.smo) {
    m.fpr = await opts.smo.find(R.FocomProvisioningRequest, opts.fpr.name, opts.fpr.namespace);
    const spec = sp(m.fpr);
    // status.remoteName: over O2 IMS REST the O-Cloud's request is named by the FPR's uid, not <name>-o2ims.
    const remoteName = st(m.fpr).remoteName as string | undefined;
    prRef = {
      name: remoteName ?? remoteRequestName(opts.fpr.name),
      namespace: String(spec.oCloudNamespace ?? opts.fpr.namespace),
    };
  }
  if (!prRef) return m;
  m.pr = await opts.ocloud.find(R.ProvisioningRequest, prRef.name, prRef.namespace);
  if (!m.pr) return m;
  const params = (sp(m.pr).templateParameters ?? {}) as Params;
  m.masters = (params.hosts?.masters ?? []).map(h => h.hostName);
  const ns = m.pr.metadata.namespace!;
  const owned = { namespace: ns, labelSelector: `${O2IMS_REQUEST_UID_LABEL}=${m.pr.metadata.uid}` };
  const [clusters, kcps, mds, hosts] = await Promise.all([
    opts.ocloud.list(R.Cluster, owned),
    opts.ocloud.list(R.KubeadmControlPlane, owned),
    opts.ocloud.list(R.MachineDeployment, owned),
    opts.ocloud.list(R.ByoHost),
  ]);
  m.cluster = clusters[0];
  m.controlPlane = kcps[0];
  m.machineDeployments = mds;
  m.workers = (params.hosts?.workers ?? []).map(w => ({
    hostName: w.hostName,
    machineDeployment: params.clusterName ? workerMachineDeploymentName(params.clusterName, w.hostId) : undefined,
  }));
  for (const name of [...m.masters, ...m.workers.map(w => w.hostName)])
    m.hosts.set(
      name,
      hosts.find(h => h.metadata.name === name),
    );
  return m;
}
