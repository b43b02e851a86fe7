/** The conformance environment: a version-stamped plane with the real managers, and a raw apply that keeps warnings. */
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import yaml from "js-yaml";
import type { KubeObject } from "../../kube/client";
import { apiVersionOf, resourceFor } from "../../kube/resources";
import { managerBinaries, startCapi, CapiRunner } from "../../local/capi";
import { Plane, startPlane } from "../../local/plane";
import { userKubeconfig } from "../../local/plane";
import { registerHost } from "../../local/sim";
import { KubeClient } from "../../kube/client";

export const ROOT = path.resolve(__dirname, "../..");

export interface Env {
  plane: Plane;
  capi: CapiRunner;
  admin: KubeClient;
  startedMs: number;
}

export async function startEnv(): Promise<Env> {
  const t0 = Date.now();
  // Cluster API refuses an API server without a version: the plane runs the stamped kube-apiserver.
  process.env.OCP_BIN_DIR = (await managerBinaries()).plane;
  const plane = await startPlane({ crds: "all" });
  try {
    const capi = await startCapi(plane);
    return { plane, capi, admin: await plane.client("ocp-conformance"), startedMs: Date.now() - t0 };
  } catch (e) {
    await plane.stop();
    throw e;
  }
}

export interface ApplyResult {
  status: number;
  body: KubeObject & { message?: string };
  warnings: string[];
}

/** Server-side apply through the plane's admin, returning the API server's Warning headers too. */
export function applyRaw(plane: Plane, obj: KubeObject): Promise<ApplyResult> {
  const kc = yaml.load(fs.readFileSync(plane.kubeconfig, "utf8")) as {
    clusters: { cluster: { "certificate-authority-data": string } }[];
    users: { user: { "client-certificate-data": string; "client-key-data": string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, "base64");
  const res = resourceFor(obj.apiVersion!, obj.kind!);
  const base = res.group ? `/apis/${apiVersionOf(res)}` : `/api/${res.version}`;
  const p = `${base}/namespaces/${obj.metadata.namespace}/${res.plural}/${obj.metadata.name}?fieldManager=ocp-conformance&fieldValidation=Strict&force=true`;
  const url = new URL(plane.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: p,
        method: "PATCH",
        ca: b64(kc.clusters[0].cluster["certificate-authority-data"]),
        cert: b64(kc.users[0].user["client-certificate-data"]),
        key: b64(kc.users[0].user["client-key-data"]),
        headers: { "Content-Type": "application/apply-patch+yaml" },
      },
      r => {
        const chunks: Buffer[] = [];
        r.on("data", c => chunks.push(c));
        r.on("end", () => {
          const warn = r.headers.warning;
          resolve({
            status: r.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
            warnings: (Array.isArray(warn) ? warn : warn ? [warn] : []).map(String),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(obj));
  });
}

/** Registers a host the way its BYOH agent does, as the agent's user `byoh:host:<name>` (BYOH's webhook checks it). */
export async function registerAsAgent(plane: Plane, name: string, labels: Record<string, string>, namespace: string) {
  const kubeconfig = await userKubeconfig(plane, `byoh:host:${name}`, ["system:masters"]);
  const client = await KubeClient.create({ file: kubeconfig, fieldManager: "byoh-agent" });
  return registerHost(client, { name, labels, namespace });
}

/**
 * Paths under `spec` whose values the server added or changed (CRD defaults and mutating webhooks), as
 * "path: sent -> stored".
 */
export function serverChanges(sent: unknown, stored: unknown, at = "spec"): string[] {
  if (canonical(sent) === canonical(stored)) return [];
  if (
    sent &&
    stored &&
    typeof sent === "object" &&
    typeof stored === "object" &&
    !Array.isArray(sent) &&
    !Array.isArray(stored)
  ) {
    const s = sent as Record<string, unknown>;
    const t = stored as Record<string, unknown>;
    return [...new Set([...Object.keys(s), ...Object.keys(t)])].flatMap(k => serverChanges(s[k], t[k], `${at}.${k}`));
  }
  const short = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v).slice(0, 60));
  return [`${at}: ${short(sent)} -> ${short(stored)}`];
}

/** JSON with object keys sorted: the server returns fields in its own order, which is no change. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );

type Obj = KubeObject & { status?: Record<string, unknown> };
type Cond = { type: string; status: string; reason?: string };

/**
 * What the module's status computation (capabilities/o2ims/status.ts) and its host view read, per object, as flat
 * "key: value" entries: Cluster controlPlaneReady; KCP ready/readyReplicas/updatedReplicas/version/observedGeneration;
 * each MachineDeployment's replicas, readyReplicas, updatedReplicas, observedGeneration; each pinned ByoHost's labels,
 * machineRef and K8sNodeBootstrapSucceeded — plus the conditions and phases around them. Machines are keyed by the
 * host they run on (their names are random).
 */
export async function statusView(client: KubeClient, namespace: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const put = (k: string, v: unknown) => out.set(k, v === undefined ? "(unset)" : JSON.stringify(v));
  const conds = (key: string, o: Obj) => {
    for (const c of (o.status?.conditions as Cond[] | undefined) ?? [])
      put(`${key} condition ${c.type}`, `${c.status}${c.reason ? ` ${c.reason}` : ""}`);
  };
  const gen = (o: Obj) => (o.status?.observedGeneration as number | undefined) === o.metadata.generation;
  for (const c of await client.list<Obj>(resourceFor("cluster.x-k8s.io/v1beta1", "Cluster"), { namespace })) {
    const k = `Cluster ${c.metadata.name}`;
    for (const f of ["phase", "controlPlaneReady", "infrastructureReady"]) put(`${k} .${f}`, c.status?.[f]);
    conds(k, c);
  }
  for (const kcp of await client.list<Obj>(resourceFor("controlplane.cluster.x-k8s.io/v1beta1", "KubeadmControlPlane"), {
    namespace,
  })) {
    const k = `KCP ${kcp.metadata.name}`;
    for (const f of ["replicas", "readyReplicas", "updatedReplicas", "unavailableReplicas", "ready", "initialized", "version"])
      put(`${k} .${f}`, kcp.status?.[f]);
    put(`${k} observedGeneration current`, gen(kcp));
    conds(k, kcp);
  }
  for (const md of await client.list<Obj>(resourceFor("cluster.x-k8s.io/v1beta1", "MachineDeployment"), { namespace })) {
    const k = `MD ${md.metadata.name}`;
    for (const f of ["replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "unavailableReplicas", "phase"])
      put(`${k} .${f}`, md.status?.[f]);
    put(`${k} observedGeneration current`, gen(md));
    conds(k, md);
  }
  for (const m of await client.list<Obj>(resourceFor("cluster.x-k8s.io/v1beta1", "Machine"), { namespace })) {
    const node = (m.status?.nodeRef as { name?: string } | undefined)?.name ?? m.metadata.name;
    const k = `Machine on ${node}`;
    put(`${k} .phase`, m.status?.phase);
    conds(k, m);
  }
  for (const h of await client.list<Obj>(resourceFor("infrastructure.cluster.x-k8s.io/v1beta1", "ByoHost"), { namespace })) {
    const k = `ByoHost ${h.metadata.name}`;
    for (const l of ["cluster.x-k8s.io/cluster-name", "byoh.infrastructure.cluster.x-k8s.io/byomachine-name"])
      put(`${k} label ${l}`, h.metadata.labels?.[l] !== undefined);
    put(`${k} machineRef set`, !!h.status?.machineRef);
    conds(k, h);
  }
  return out;
}

/** The entries that differ between two views, as "key: sim -> real". */
export function viewDifferences(sim: Map<string, string>, real: Map<string, string>): string[] {
  const keys = [...new Set([...sim.keys(), ...real.keys()])].sort();
  return keys
    .filter(k => sim.get(k) !== real.get(k))
    .map(k => `${k}: ${sim.get(k) ?? "(absent)"} (simulator) -> ${real.get(k) ?? "(absent)"} (real)`);
}
