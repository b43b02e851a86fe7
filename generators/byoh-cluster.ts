/**
 * Request + template -> the Cluster API v1beta1 + BYOH objects of one workload cluster pinned to its hosts.
 * Pure and deterministic. Everything CAPI's admission webhooks would default is set explicitly, because a test
 * API server has no webhooks and server-side apply should own the same fields either way. No ownerReferences:
 * CAPI sets its own, and the reconciler adds a non-controller ref to the Cluster only.
 */
import { CAPI_CLUSTER_NAME_LABEL, CAPI_DEPLOYMENT_NAME_LABEL, O2IMS_REQUEST_ANNOTATION } from "../api/vocabulary";
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../api/generated/types";
import type { KubeObject } from "../kube/types";
import { apiVersionOf, R, Resource } from "../kube/resources";
import { DEFAULT_KUBE_VIP_IMAGE, KUBE_VIP_MANIFEST_PATH, kubeVipManifest, superAdminCommands } from "./kube-vip";
import {
  byoClusterName,
  capiClusterName,
  cniResourceSetName,
  controlPlaneInstallerTemplateName,
  controlPlaneMachineTemplateName,
  controlPlaneName,
  hostPinningLabel,
  requestAnnotation,
  requestLabels,
  workerBootstrapTemplateName,
  workerInstallerTemplateName,
  workerMachineDeploymentName,
  workerMachineTemplateName,
} from "./names";
import { applyDefaults } from "./parameters";

export interface GenerateInput {
  /** Name of the ProvisioningRequest. */
  name: string;
  /** Namespace of the request and of every generated object. */
  namespace: string;
  uid?: string;
  /** Defaulted and valid parameters (validateParameters returned no violation). */
  params: ByohTemplateParameters;
  template: ClusterTemplateSpec;
}

export const DEFAULT_CONTROL_PLANE_PORT = 6443;
export const DEFAULT_BUNDLE_REGISTRY = "projects.registry.vmware.com/cluster_api_provider_bringyourownhost";
export const CRI_SOCKET = "/var/run/containerd/containerd.sock";
/** kube-vip's manifest exists before `kubeadm init`; Swap and a stale kubelet.conf are common on reused hosts. */
export const IGNORE_PREFLIGHT_ERRORS = [
  "Swap",
  "DirAvailable--etc-kubernetes-manifests",
  "FileAvailable--etc-kubernetes-kubelet.conf",
];

/**
 * Every kind the generator can produce, in apply order: an object comes after the objects it references, so no
 * controller starts on a dangling reference and backs off. Prune in reverse order.
 */
export const GENERATED_KINDS: readonly Resource[] = [
  // Before the Cluster: CAPI applies a ClusterResourceSet to matching clusters when either appears, but a set
  // that exists first is applied as soon as the control plane is initialized, without waiting for a resync.
  R.ClusterResourceSet,
  R.K8sInstallerConfigTemplate,
  R.ByoMachineTemplate,
  R.KubeadmConfigTemplate,
  R.ByoCluster,
  R.KubeadmControlPlane,
  R.Cluster,
  R.MachineDeployment,
];

const groupOf = (apiVersion: string | undefined) => (apiVersion?.includes("/") ? apiVersion.split("/")[0] : "");

/** Identity of an object independent of its API version: "<Kind>.<group>/<namespace>/<name>". */
export const objectKey = (obj: Pick<KubeObject, "apiVersion" | "kind" | "metadata">) =>
  `${obj.kind}.${groupOf(obj.apiVersion)}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;

/** Code-unit order: unlike localeCompare it does not depend on the process's locale. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const applyRank = (obj: KubeObject) => GENERATED_KINDS.findIndex(r => r.kind === obj.kind && apiVersionOf(r) === obj.apiVersion);

type HostParam = ByohTemplateParameters["hosts"]["masters"][number];

export function generateCluster(input: GenerateInput): KubeObject[] {
  const { namespace, template } = input;
  const p = applyDefaults(input.params, template);
  const cluster = p.clusterName;
  const version = p.k8sVersion;
  const endpoint = p.controlPlaneEndpoint;
  const masters = p.hosts?.masters ?? [];
  if (!cluster || !version || !endpoint || masters.length === 0) {
    throw new Error("generateCluster needs validated parameters: clusterName, k8sVersion, controlPlaneEndpoint and a master");
  }
  const workers = [...(p.hosts.workers ?? [])].sort((a, b) =>
    byText(workerMachineDeploymentName(cluster, a.hostId), workerMachineDeploymentName(cluster, b.hostId)),
  );

  const meta = (name: string, extra: Record<string, string> = {}) => ({
    name,
    namespace,
    labels: { ...requestLabels(input), [CAPI_CLUSTER_NAME_LABEL]: cluster, ...extra },
    annotations: { [O2IMS_REQUEST_ANNOTATION]: requestAnnotation(input) },
  });
  const ref = (res: Resource, name: string) => ({ apiVersion: apiVersionOf(res), kind: res.kind, name, namespace });
  const obj = (res: Resource, name: string, spec: unknown, extraLabels?: Record<string, string>): KubeObject => ({
    apiVersion: apiVersionOf(res),
    kind: res.kind,
    metadata: meta(name, extraLabels),
    spec,
  });

  const pinKey = hostPinningLabel(template);
  const hostId = (h: HostParam) => String(h.hostId);
  const installer = template.installer;
  const installerRef = (name: string) => (installer ? { installerRef: ref(R.K8sInstallerConfigTemplate, name) } : {});
  const nodeRegistration = () => ({ criSocket: CRI_SOCKET, ignorePreflightErrors: [...IGNORE_PREFLIGHT_ERRORS] });

  const objects: KubeObject[] = [];

  const cni = template.cni;
  if (cni?.mode === "ClusterResourceSet") {
    // The manifests stay on the O-Cloud (air-gapped sites): CAPI's ClusterResourceSet controller copies them into
    // the workload cluster once its control plane is initialized; the Cluster carries the cluster-name label.
    objects.push(
      obj(R.ClusterResourceSet, cniResourceSetName(cluster), {
        clusterSelector: { matchLabels: { [CAPI_CLUSTER_NAME_LABEL]: cluster } },
        resources: (cni.resources ?? []).map(r => ({ kind: r.kind, name: r.name })),
        strategy: cni.strategy ?? "ApplyOnce",
      }),
    );
  }

  if (installer) {
    const spec = { template: { spec: { bundleRepo: installer.bundleRepo, bundleType: installer.bundleType } } };
    objects.push(obj(R.K8sInstallerConfigTemplate, controlPlaneInstallerTemplateName(cluster), spec));
    if (workers.length > 0)
      objects.push(obj(R.K8sInstallerConfigTemplate, workerInstallerTemplateName(cluster), structuredClone(spec)));
  }

  // All control-plane replicas share one template; which master host each replica lands on is up to BYOH.
  objects.push(
    obj(R.ByoMachineTemplate, controlPlaneMachineTemplateName(cluster), {
      template: {
        spec: {
          selector: { matchExpressions: [{ key: pinKey, operator: "In", values: masters.map(hostId).sort(byText) }] },
          ...installerRef(controlPlaneInstallerTemplateName(cluster)),
        },
      },
    }),
  );
  for (const w of workers) {
    objects.push(
      obj(R.ByoMachineTemplate, workerMachineTemplateName(cluster, w.hostId), {
        template: {
          spec: { selector: { matchLabels: { [pinKey]: hostId(w) } }, ...installerRef(workerInstallerTemplateName(cluster)) },
        },
      }),
    );
  }
  if (workers.length > 0) {
    objects.push(
      obj(R.KubeadmConfigTemplate, workerBootstrapTemplateName(cluster), {
        template: { spec: { format: "cloud-config", joinConfiguration: { nodeRegistration: nodeRegistration() } } },
      }),
    );
  }

  const port = template.controlPlaneEndpointPort ?? DEFAULT_CONTROL_PLANE_PORT;
  objects.push(
    obj(R.ByoCluster, byoClusterName(cluster), {
      controlPlaneEndpoint: { host: endpoint, port },
      bundleLookupBaseRegistry: template.bundleLookupBaseRegistry ?? DEFAULT_BUNDLE_REGISTRY,
    }),
  );

  const commands = superAdminCommands(version);
  objects.push(
    obj(R.KubeadmControlPlane, controlPlaneName(cluster), {
      replicas: masters.length,
      version,
      // Every master host is pinned, so a surge machine finds no free host: surge only where the webhook insists (< 3).
      rolloutStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: masters.length >= 3 ? 0 : 1 } },
      machineTemplate: { infrastructureRef: ref(R.ByoMachineTemplate, controlPlaneMachineTemplateName(cluster)) },
      kubeadmConfigSpec: {
        format: "cloud-config",
        clusterConfiguration: { apiServer: { certSANs: ["localhost", "127.0.0.1", "0.0.0.0", endpoint] } },
        initConfiguration: { nodeRegistration: nodeRegistration() },
        joinConfiguration: { nodeRegistration: nodeRegistration() },
        files: [
          {
            path: KUBE_VIP_MANIFEST_PATH,
            owner: "root:root",
            content: kubeVipManifest({ address: endpoint, port, image: template.kubeVipImage ?? DEFAULT_KUBE_VIP_IMAGE }),
          },
        ],
        ...(commands.pre.length ? { preKubeadmCommands: commands.pre, postKubeadmCommands: commands.post } : {}),
      },
    }),
  );

  const clusterNetwork = {
    ...(p.podCIDR ? { pods: { cidrBlocks: [p.podCIDR] } } : {}),
    ...(p.serviceCIDR ? { services: { cidrBlocks: [p.serviceCIDR] } } : {}),
    serviceDomain: "cluster.local",
  };
  objects.push(
    obj(R.Cluster, capiClusterName(cluster), {
      clusterNetwork,
      controlPlaneRef: ref(R.KubeadmControlPlane, controlPlaneName(cluster)),
      infrastructureRef: ref(R.ByoCluster, byoClusterName(cluster)),
    }),
  );

  for (const w of workers) {
    const md = workerMachineDeploymentName(cluster, w.hostId);
    const machineLabels = { [CAPI_CLUSTER_NAME_LABEL]: cluster, [CAPI_DEPLOYMENT_NAME_LABEL]: md };
    objects.push(
      obj(R.MachineDeployment, md, {
        clusterName: cluster,
        replicas: 1,
        selector: { matchLabels: { ...machineLabels } },
        // One pinned host per deployment: replace in place (delete first), a surge machine would find no host.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
        template: {
          metadata: { labels: { ...machineLabels } },
          spec: {
            clusterName: cluster,
            version,
            bootstrap: { configRef: ref(R.KubeadmConfigTemplate, workerBootstrapTemplateName(cluster)) },
            infrastructureRef: ref(R.ByoMachineTemplate, workerMachineTemplateName(cluster, w.hostId)),
          },
        },
      }),
    );
  }

  return objects.sort((a, b) => applyRank(a) - applyRank(b) || byText(a.metadata.name, b.metadata.name));
}
