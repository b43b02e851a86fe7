/**
 * A workload cluster's API server, started the way `kubeadm init` starts it on the first control-plane host:
 * etcd + kube-apiserver from this project's build (OCP_BIN_DIR), serving on the cluster's controlPlaneEndpoint
 * (a loopback address here, e.g. 127.0.10.1:6443), its serving certificate signed by the cluster CA Cluster API's
 * KubeadmControlPlane generated (Secret `<cluster>-ca`), client certificates checked against that CA (so the
 * `<cluster>-kubeconfig` KCP writes works as is), service-account keys from `<cluster>-sa`; then what kubeadm
 * uploads (`kube-system/kubeadm-config`, `kubelet-config`) and the Node of each host that joins.
 *
 * Part of issue 13 item 3 (only the hosts are simulated); the host agent that calls this is not written yet.
 */
import fs from "node:fs";
import path from "node:path";
import { KubeClient, KubeObject } from "../../kube/client";
import { R, Resource } from "../../kube/resources";
import { issueCert } from "../plane/pki";
import { freePorts } from "../plane/ports";
import { isAlive, killGroup } from "../plane/processes";
import { writeKubeconfig } from "../plane/kubeconfig";
import { waitFor } from "../plane/wait";
import { spawnOwned } from "./runner";

const NODE: Resource = { group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false };

/** At most this many workload planes at once (each is etcd + kube-apiserver, ~300 MB). */
export const MAX_WORKLOAD_PLANES = Number(process.env.OCP_MAX_WORKLOAD_PLANES ?? 3);
let running = 0;

export interface WorkloadPlaneSpec {
  namespace: string;
  cluster: string;
  /** controlPlaneEndpoint host (a 127.x.y.z address) and port. */
  host: string;
  port: number;
  kubernetesVersion: string;
  serviceCidr?: string;
  podCidr?: string;
  /** Where the plane keeps its files. */
  dir: string;
  /** Directory holding etcd and kube-apiserver (OCP_BIN_DIR). */
  bins: string;
}

export interface WorkloadPlane {
  server: string;
  kubeconfig: string;
  client(): Promise<KubeClient>;
  stop(): Promise<void>;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");

/** Reads a kubeadm-format Secret (tls.crt/tls.key) KCP generated for the cluster. */
async function keyPair(mgmt: KubeClient, ns: string, name: string): Promise<{ crt: string; key: string }> {
  const s = await mgmt.get<KubeObject & { data?: Record<string, string> }>(R.Secret, name, ns);
  return { crt: b64(s.data?.["tls.crt"]), key: b64(s.data?.["tls.key"]) };
}

export async function startWorkloadPlane(mgmt: KubeClient, spec: WorkloadPlaneSpec): Promise<WorkloadPlane> {
  if (running >= MAX_WORKLOAD_PLANES)
    throw new Error(`already ${running} workload planes running (OCP_MAX_WORKLOAD_PLANES=${MAX_WORKLOAD_PLANES})`);
  running++;
  const pids: number[] = [];
  const stop = async () => {
    for (const pid of pids) killGroup(pid);
    await waitFor(() => pids.every(p => !isAlive(p)), { timeoutMs: 10_000, message: "workload plane to end" }).catch(
      () => undefined,
    );
    running--;
  };
  try {
    fs.mkdirSync(spec.dir, { recursive: true });
    const file = (n: string) => path.join(spec.dir, n);
    const ca = await keyPair(mgmt, spec.namespace, `${spec.cluster}-ca`);
    const sa = await keyPair(mgmt, spec.namespace, `${spec.cluster}-sa`);
    fs.writeFileSync(file("ca.crt"), ca.crt);
    fs.writeFileSync(file("ca.key"), ca.key, { mode: 0o600 });
    fs.writeFileSync(file("sa.pub"), sa.crt);
    fs.writeFileSync(file("sa.key"), sa.key, { mode: 0o600 });
    const caFiles = { cert: file("ca.crt"), key: file("ca.key") };
    const serving = await issueCert(caFiles, spec.dir, "apiserver", {
      cn: "kube-apiserver",
      usage: "server",
      hosts: [spec.host, "127.0.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
    });
    const admin = await issueCert(caFiles, spec.dir, "admin", { cn: "kubernetes-admin", org: "system:masters", usage: "client" });
    const [etcdPort, peerPort] = await freePorts(2);
    const etcd = `http://127.0.0.1:${etcdPort}`;
    pids.push(
      spawnOwned(
        path.join(spec.bins, "etcd"),
        [
          ...["--data-dir", file("etcd-data"), "--listen-client-urls", etcd, "--advertise-client-urls", etcd],
          ...[
            "--listen-peer-urls",
            `http://127.0.0.1:${peerPort}`,
            "--initial-advertise-peer-urls",
            `http://127.0.0.1:${peerPort}`,
          ],
          ...["--initial-cluster", `default=http://127.0.0.1:${peerPort}`, "--unsafe-no-fsync", "--log-level=warn"],
        ],
        file("etcd.log"),
        process.env,
      ),
    );
    pids.push(
      spawnOwned(
        path.join(spec.bins, "kube-apiserver"),
        [
          `--etcd-servers=${etcd}`,
          `--bind-address=${spec.host}`,
          `--advertise-address=${spec.host}`,
          `--secure-port=${spec.port}`,
          `--tls-cert-file=${serving.cert}`,
          `--tls-private-key-file=${serving.key}`,
          `--client-ca-file=${caFiles.cert}`,
          `--cert-dir=${file("apiserver-certs")}`,
          "--authorization-mode=Node,RBAC",
          `--service-cluster-ip-range=${spec.serviceCidr ?? "10.128.0.0/12"}`,
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          `--service-account-key-file=${file("sa.pub")}`,
          `--service-account-signing-key-file=${file("sa.key")}`,
          "--allow-privileged=true",
          "--enable-bootstrap-token-auth=true",
          "--endpoint-reconciler-type=none",
          "--profiling=false",
        ],
        file("kube-apiserver.log"),
        process.env,
      ),
    );
    const server = `https://${spec.host}:${spec.port}`;
    const kubeconfig = file("admin.conf");
    writeKubeconfig(kubeconfig, {
      name: spec.cluster,
      user: "kubernetes-admin",
      server,
      caCert: caFiles.cert,
      clientCert: admin.cert,
      clientKey: admin.key,
    });
    const client = () => KubeClient.create({ file: kubeconfig, fieldManager: "kubeadm" });
    const c = await client();
    await waitFor(
      async () => {
        if (!pids.every(isAlive)) throw new Error(`workload plane ${spec.cluster} exited: ${tailOf(file("kube-apiserver.log"))}`);
        await c.request("GET", "/readyz");
        return (await c.find(R.Namespace, "kube-system")) !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: `workload API server ${server}` },
    );
    await uploadKubeadmConfig(c, spec);
    return { server, kubeconfig, client, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What `kubeadm init` uploads: the ClusterConfiguration KCP reads back, and the kubelet configuration. */
async function uploadKubeadmConfig(c: KubeClient, spec: WorkloadPlaneSpec): Promise<void> {
  const clusterConfiguration = [
    "apiVersion: kubeadm.k8s.io/v1beta4",
    "kind: ClusterConfiguration",
    `kubernetesVersion: ${spec.kubernetesVersion}`,
    `controlPlaneEndpoint: ${spec.host}:${spec.port}`,
    "certificatesDir: /etc/kubernetes/pki",
    "etcd: {local: {dataDir: /var/lib/etcd}}",
    `networking: {dnsDomain: cluster.local, serviceSubnet: ${spec.serviceCidr ?? "10.128.0.0/12"}, podSubnet: ${spec.podCidr ?? "192.168.0.0/16"}}`,
    "",
  ].join("\n");
  await c.apply(R.ConfigMap, {
    metadata: { name: "kubeadm-config", namespace: "kube-system" },
    data: { ClusterConfiguration: clusterConfiguration },
  });
  await c.apply(R.ConfigMap, {
    metadata: { name: "kubelet-config", namespace: "kube-system" },
    data: { kubelet: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n" },
  });
}

/** The Node a joined host's kubelet registers: named after the host, NotReady until a CNI is in the cluster. */
export async function registerNode(
  c: KubeClient,
  hostName: string,
  opts: { controlPlane: boolean; version: string; ready: boolean },
) {
  const labels: Record<string, string> = { "kubernetes.io/hostname": hostName, "kubernetes.io/os": "linux" };
  if (opts.controlPlane) labels["node-role.kubernetes.io/control-plane"] = "";
  const node = await c.apply(NODE, { metadata: { name: hostName, labels } });
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const ready = opts.ready
    ? { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
    : {
        type: "Ready",
        status: "False",
        reason: "KubeletNotReady",
        message:
          "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
      };
  const pressure = ["MemoryPressure", "DiskPressure", "PIDPressure"].map(type => ({
    type,
    status: "False",
    reason: `KubeletHasNo${type}`,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  }));
  await c.request(
    "PATCH",
    c.path(NODE, undefined, node.metadata.name, "status"),
    {
      status: {
        conditions: [...pressure, { ...ready, lastHeartbeatTime: now, lastTransitionTime: now }],
        nodeInfo: {
          kubeletVersion: opts.version,
          kubeProxyVersion: opts.version,
          operatingSystem: "linux",
          architecture: "amd64",
        },
      },
    },
    "application/merge-patch+json",
  );
}

function tailOf(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-10).join("\n");
  } catch {
    return "(no log)";
  }
}
