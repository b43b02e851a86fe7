/**
 * A minimal pinned BYOH cluster written by hand (the shape of byoh-capi-notes §8): what the product creates for
 * one ProvisioningRequest, for simulator tests, demos and benchmarks that run without the product.
 */
import type { KubeClient, KubeObject } from "../../kube/client";
import { resourceFor } from "../../kube/resources";
import { LABEL } from "./model";

export interface PinnedClusterSpec {
  name: string;
  namespace?: string;
  version?: string;
  /** host-id values of the control-plane hosts (KCP replicas = their count). */
  controlPlaneHostIds: string[];
  /** host-id of each worker: one MachineDeployment + ByoMachineTemplate per worker. */
  workerHostIds?: string[];
  endpoint?: string;
  /** Pinning label key (default host-id). */
  pinningLabel?: string;
}

const CAPI = "cluster.x-k8s.io/v1beta1";
const INFRA = "infrastructure.cluster.x-k8s.io/v1beta1";
const BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta1";
const CONTROLPLANE = "controlplane.cluster.x-k8s.io/v1beta1";

export const workerName = (cluster: string, hostId: string) => `${cluster}-worker-${hostId}`;
export const controlPlaneName = (cluster: string) => `${cluster}-control-plane`;

export function pinnedCluster(s: PinnedClusterSpec): KubeObject[] {
  const ns = s.namespace ?? "default";
  const version = s.version ?? "v1.32.0";
  const key = s.pinningLabel ?? "host-id";
  const cp = controlPlaneName(s.name);
  const workersTemplate = `${s.name}-workers`;
  const meta = (name: string, labels?: Record<string, string>) => ({ name, namespace: ns, ...(labels ? { labels } : {}) });
  const nodeRegistration = { criSocket: "/var/run/containerd/containerd.sock", ignorePreflightErrors: ["Swap"] };
  const objects: KubeObject[] = [
    {
      apiVersion: CAPI,
      kind: "Cluster",
      metadata: meta(s.name),
      spec: {
        clusterNetwork: {
          pods: { cidrBlocks: ["192.168.0.0/16"] },
          services: { cidrBlocks: ["10.128.0.0/12"] },
          serviceDomain: "cluster.local",
        },
        controlPlaneRef: { apiVersion: CONTROLPLANE, kind: "KubeadmControlPlane", name: cp, namespace: ns },
        infrastructureRef: { apiVersion: INFRA, kind: "ByoCluster", name: s.name, namespace: ns },
      },
    },
    {
      apiVersion: INFRA,
      kind: "ByoCluster",
      metadata: meta(s.name),
      spec: {
        controlPlaneEndpoint: { host: s.endpoint ?? "172.16.4.100", port: 6443 },
        bundleLookupBaseRegistry: "projects.registry.vmware.com/cluster_api_provider_bringyourownhost",
      },
    },
    {
      apiVersion: INFRA,
      kind: "ByoMachineTemplate",
      metadata: meta(cp),
      spec: { template: { spec: { selector: { matchExpressions: [{ key, operator: "In", values: s.controlPlaneHostIds }] } } } },
    },
    {
      apiVersion: CONTROLPLANE,
      kind: "KubeadmControlPlane",
      metadata: meta(cp),
      spec: {
        replicas: s.controlPlaneHostIds.length,
        version,
        rolloutStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
        machineTemplate: { infrastructureRef: { apiVersion: INFRA, kind: "ByoMachineTemplate", name: cp, namespace: ns } },
        kubeadmConfigSpec: {
          format: "cloud-config",
          clusterConfiguration: { apiServer: { certSANs: ["localhost", "127.0.0.1"] } },
          initConfiguration: { nodeRegistration },
          joinConfiguration: { nodeRegistration },
        },
      },
    },
    {
      apiVersion: BOOTSTRAP,
      kind: "KubeadmConfigTemplate",
      metadata: meta(workersTemplate),
      spec: { template: { spec: { format: "cloud-config", joinConfiguration: { nodeRegistration } } } },
    },
  ];
  for (const id of s.workerHostIds ?? []) {
    const md = workerName(s.name, id);
    const labels = { [LABEL.clusterName]: s.name, [LABEL.deploymentName]: md };
    objects.push(
      {
        apiVersion: INFRA,
        kind: "ByoMachineTemplate",
        metadata: meta(md),
        spec: { template: { spec: { selector: { matchLabels: { [key]: id } } } } },
      },
      {
        apiVersion: CAPI,
        kind: "MachineDeployment",
        metadata: meta(md, { [LABEL.clusterName]: s.name }),
        spec: {
          clusterName: s.name,
          replicas: 1,
          selector: { matchLabels: labels },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
          template: {
            metadata: { labels },
            spec: {
              clusterName: s.name,
              version,
              bootstrap: {
                configRef: { apiVersion: BOOTSTRAP, kind: "KubeadmConfigTemplate", name: workersTemplate, namespace: ns },
              },
              infrastructureRef: { apiVersion: INFRA, kind: "ByoMachineTemplate", name: md, namespace: ns },
            },
          },
        },
      },
    );
  }
  return objects;
}

/** Creates the objects (templates first, as an apply of the whole set would in any order). */
export async function createAll(client: KubeClient, objects: KubeObject[]): Promise<void> {
  for (const o of objects) await client.create(resourceFor(o.apiVersion!, o.kind!), o);
}
