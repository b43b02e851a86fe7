/**
 * The BYOH host agent (agent/reconciler/host_reconciler.go), for the real BYOH + Cluster API managers: the one part
 * of a real O-Cloud this machine cannot run. Each host registers its ByoHost as `byoh:host:<name>` (BYOH's webhook
 * lets an agent update only its own), then, polling its ByoHost:
 *  - attached (status.machineRef) with a bootstrap Secret: "runs" the cloud-config — `kubeadm init` starts the
 *    cluster's workload API server (workload.ts) on the ByoCluster's controlPlaneEndpoint, `kubeadm join` needs it
 *    running — registers its Node (named after the host, NotReady until the CNI's `calico-node` DaemonSet is in the
 *    workload cluster, as a kubelet without CNI reports) and reports K8sNodeBootstrapSucceeded True;
 *  - marked `unregistering` by BYOH (or its ByoMachine gone): "kubeadm reset" — its Node leaves the workload cluster
 *    (the init host's plane stops once no Node is left) — then machineRef, bootstrapSecret, BYOH's labels and
 *    annotations are cleared; user labels such as host-id stay.
 */
import path from "node:path";
import { KubeClient, KubeObject } from "../../kube/client";
import { R, Resource } from "../../kube/resources";
import { userKubeconfig } from "../plane/users";
import { registerHost } from "../sim/hosts";
import type { CapiPlane } from "./runner";
import { registerNode, startWorkloadPlane, WorkloadPlane } from "./workload";

const NODE: Resource = { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false };
const DAEMONSET: Resource = { group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true };
const CLUSTER_LABEL = "cluster.x-k8s.io/cluster-name";
const BYOMACHINE_LABEL = "byoh.infrastructure.cluster.x-k8s.io/byomachine-name";
const UNREGISTERING = "byoh.infrastructure.cluster.x-k8s.io/unregistering";
const BYOH_ANNOTATIONS = [
  "byoh.infrastructure.cluster.x-k8s.io/endpointip",
  "byoh.infrastructure.cluster.x-k8s.io/k8sversion",
  "byoh.infrastructure.cluster.x-k8s.io/bundle-registry",
  UNREGISTERING,
  "cluster.x-k8s.io/paused",
];
/** The object the CNI manifest creates whose presence makes a kubelet report Ready (Calico's node DaemonSet). */
export const CNI_READY_DAEMONSET = { namespace: "kube-system", name: "calico-node" };
/**
 * A stand-in CNI manifest for the template's ClusterResourceSet ConfigMap: just the DaemonSet above, so the simulated
 * kubelets report Ready once Cluster API has applied it in the workload cluster (no image is ever pulled).
 */
export const CNI_STANDIN_MANIFEST = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${CNI_READY_DAEMONSET.name}, namespace: ${CNI_READY_DAEMONSET.namespace}}
spec:
  selector: {matchLabels: {k8s-app: calico-node}}
  template:
    metadata: {labels: {k8s-app: calico-node}}
    spec: {containers: [{name: calico-node, image: docker.io/calico/node:v3.27.3}]}
`;

type Cond = { type: string; status: string; reason?: string; severity?: string; message?: string; lastTransitionTime: string };
type Host = KubeObject & {
  spec?: { bootstrapSecret?: { name: string; namespace?: string } | null };
  status?: { machineRef?: { name: string; namespace?: string } | null; conditions?: Cond[] };
};

export interface AgentHost {
  name: string;
  labels: Record<string, string>;
}

export interface HostAgents {
  /** Workload planes by `<ns>/<cluster>`. */
  planes: Map<string, WorkloadPlane>;
  log: string[];
  stop(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

export async function startHostAgents(
  plane: CapiPlane,
  opts: { namespace: string; hosts: AgentHost[]; bins: string; intervalMs?: number },
): Promise<HostAgents> {
  const admin = await plane.client("byoh-agent-harness");
  const planes = new Map<string, WorkloadPlane>();
  const starting = new Map<string, Promise<WorkloadPlane>>();
  const log: string[] = [];
  const agents = await Promise.all(
    opts.hosts.map(async h => {
      const kubeconfig = await userKubeconfig(plane, `byoh:host:${h.name}`, ["system:masters"]);
      const client = await KubeClient.create({ file: kubeconfig, fieldManager: "byoh-agent" });
      await registerHost(client, { name: h.name, labels: h.labels, namespace: opts.namespace });
      return { name: h.name, client, joined: undefined as string | undefined, nodeReady: false };
    }),
  );
  let stopped = false;
  let busy = false;

  const setCondition = async (a: (typeof agents)[number], host: Host, c: Omit<Cond, "lastTransitionTime">) => {
    const before = host.status?.conditions?.find(x => x.type === c.type);
    if (before && before.status === c.status && before.reason === c.reason) return;
    const conditions = [
      ...(host.status?.conditions ?? []).filter(x => x.type !== c.type),
      { ...c, lastTransitionTime: before?.status === c.status ? before.lastTransitionTime : now() },
    ];
    await a.client.mergePatch(R.ByoHost, host.metadata.name, opts.namespace, { status: { conditions } }, "status");
  };

  const planeFor = async (ns: string, cluster: string, init: boolean): Promise<WorkloadPlane | undefined> => {
    const key = `${ns}/${cluster}`;
    const ready = planes.get(key);
    if (ready || !init) return ready;
    let p = starting.get(key);
    if (!p) {
      const bc = await admin.get<KubeObject & { spec?: { controlPlaneEndpoint?: { host?: string; port?: number } } }>(
        R.ByoCluster,
        cluster,
        ns,
      );
      const cl = await admin.get<
        KubeObject & { spec?: { clusterNetwork?: { services?: { cidrBlocks?: string[] }; pods?: { cidrBlocks?: string[] } } } }
      >(R.Cluster, cluster, ns);
      const kcp = (await admin.list<KubeObject & { spec?: { version?: string } }>(R.KubeadmControlPlane, { namespace: ns })).find(
        k => k.metadata.ownerReferences?.some(o => o.kind === "Cluster" && o.name === cluster),
      );
      const ep = bc.spec?.controlPlaneEndpoint ?? {};
      if (!ep.host || !/^127\./.test(ep.host))
        throw new Error(`controlPlaneEndpoint ${ep.host} of ${key} is not a loopback address`);
      p = startWorkloadPlane(admin, {
        namespace: ns,
        cluster,
        host: ep.host,
        port: ep.port ?? 6443,
        kubernetesVersion: kcp?.spec?.version ?? "v1.32.0",
        serviceCidr: cl.spec?.clusterNetwork?.services?.cidrBlocks?.[0],
        podCidr: cl.spec?.clusterNetwork?.pods?.cidrBlocks?.[0],
        dir: path.join(plane.dir, "workload", `${ns}-${cluster}`),
        bins: opts.bins,
      });
      starting.set(key, p);
      p.then(
        wp => {
          planes.set(key, wp);
          log.push(`${key}: workload API server up at ${wp.server}`);
        },
        e => log.push(`${key}: workload API server failed: ${String(e)}`),
      ).finally(() => starting.delete(key));
    }
    return p;
  };

  const cniPresent = async (wp: WorkloadPlane) =>
    !!(await (await wp.client()).find(DAEMONSET, CNI_READY_DAEMONSET.name, CNI_READY_DAEMONSET.namespace));

  const reconcile = async (a: (typeof agents)[number]) => {
    const host = await a.client.get<Host>(R.ByoHost, a.name, opts.namespace);
    const ref = host.status?.machineRef;
    const cluster = host.metadata.labels?.[CLUSTER_LABEL];
    const ns = ref?.namespace ?? opts.namespace;
    const unregistering = host.metadata.annotations?.[UNREGISTERING] !== undefined;
    if (unregistering || (a.joined && !ref)) return reset(a, host);
    if (!ref) {
      if (!cluster)
        await setCondition(a, host, {
          type: "K8sNodeBootstrapSucceeded",
          status: "False",
          reason: "WaitingForMachineRefToBeAssigned",
          severity: "Info",
        });
      return;
    }
    if (!host.spec?.bootstrapSecret) {
      await setCondition(a, host, {
        type: "K8sNodeBootstrapSucceeded",
        status: "False",
        reason: "BootstrapDataSecretUnavailable",
        severity: "Info",
      });
      return;
    }
    if (!cluster) return;
    if (!a.joined) {
      const secret = await a.client.get<KubeObject & { data?: Record<string, string> }>(
        R.Secret,
        host.spec.bootstrapSecret.name,
        host.spec.bootstrapSecret.namespace ?? ns,
      );
      const cloudConfig = Buffer.from(secret.data?.value ?? "", "base64").toString("utf8");
      const init = /kubeadm init/.test(cloudConfig);
      const wp = await planeFor(ns, cluster, init);
      if (!wp) return; // a join waits for the cluster's API server
      const controlPlane = init || /--control-plane|controlPlane:/.test(cloudConfig);
      const version = host.metadata.annotations?.["byoh.infrastructure.cluster.x-k8s.io/k8sversion"] ?? "v1.32.0";
      a.nodeReady = await cniPresent(wp);
      await registerNode(await wp.client(), a.name, { controlPlane, version, ready: a.nodeReady });
      a.joined = `${ns}/${cluster}`;
      log.push(`${a.name}: kubeadm ${init ? "init" : "join"} in ${a.joined} (node ${a.nodeReady ? "Ready" : "NotReady"})`);
      await setCondition(a, host, { type: "K8sNodeBootstrapSucceeded", status: "True" });
      return;
    }
    const wp = planes.get(a.joined);
    if (wp && !a.nodeReady && (await cniPresent(wp))) {
      const c = await wp.client();
      const node = await c.get(NODE, a.name);
      const labels = node.metadata.labels ?? {};
      await registerNode(c, a.name, {
        controlPlane: "node-role.kubernetes.io/control-plane" in labels,
        version: "",
        ready: true,
      });
      a.nodeReady = true;
      log.push(`${a.name}: CNI present, node Ready`);
    }
  };

  const reset = async (a: (typeof agents)[number], host: Host) => {
    if (a.joined) {
      const wp = planes.get(a.joined);
      if (wp) {
        const c = await wp.client();
        await c.delete(NODE, a.name).catch(() => undefined);
        if ((await c.list(NODE)).length === 0) {
          await wp.stop();
          planes.delete(a.joined);
          log.push(`${a.joined}: last node gone, workload API server stopped`);
        }
      }
      log.push(`${a.name}: kubeadm reset (${a.joined})`);
      a.joined = undefined;
      a.nodeReady = false;
    }
    if (host.status?.machineRef)
      await a.client.mergePatch(
        R.ByoHost,
        a.name,
        opts.namespace,
        {
          status: {
            machineRef: null,
            conditions: [
              {
                type: "K8sNodeBootstrapSucceeded",
                status: "False",
                reason: "WaitingForMachineRefToBeAssigned",
                severity: "Info",
                lastTransitionTime: now(),
              },
            ],
          },
        },
        "status",
      );
    const annotations = Object.fromEntries(
      BYOH_ANNOTATIONS.filter(k => host.metadata.annotations?.[k] !== undefined).map(k => [k, null]),
    );
    await a.client.mergePatch(R.ByoHost, a.name, opts.namespace, {
      metadata: { labels: { [CLUSTER_LABEL]: null, [BYOMACHINE_LABEL]: null }, annotations },
      spec: { bootstrapSecret: null },
    });
  };

  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void Promise.all(
      agents.map(a => reconcile(a).catch((e: unknown) => log.push(`${a.name}: ${String(e).slice(0, 300)}`))),
    ).finally(() => {
      busy = false;
    });
  }, opts.intervalMs ?? 500);

  return {
    planes,
    log,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      for (const wp of planes.values()) await wp.stop();
      planes.clear();
    },
  };
}
