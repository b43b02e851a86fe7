/** Every API resource the module, the CLI and the tests talk to, in one table (group/version/plural/scope). */
export interface Resource {
  group: string; // "" for the core group
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

const r = (group: string, version: string, kind: string, plural: string, namespaced = true): Resource => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const FOCOM_GROUP = "focom.nephio.org";
export const O2IMS_GROUP = "o2ims.provisioning.oran.org";
const CAPI = "cluster.x-k8s.io";
const INFRA = "infrastructure.cluster.x-k8s.io";
const ADMISSION = "admissionregistration.k8s.io";

export const R = {
  FocomProvisioningRequest: r(FOCOM_GROUP, "v1alpha1", "FocomProvisioningRequest", "focomprovisioningrequests"),
  OCloud: r(FOCOM_GROUP, "v1alpha1", "OCloud", "oclouds"),
  TemplateInfo: r(FOCOM_GROUP, "v1alpha1", "TemplateInfo", "templateinfos"),
  ProvisioningRequest: r(O2IMS_GROUP, "v1alpha1", "ProvisioningRequest", "provisioningrequests"),
  ClusterTemplate: r(O2IMS_GROUP, "v1alpha1", "ClusterTemplate", "clustertemplates", false),
  O2imsSubscription: r(O2IMS_GROUP, "v1alpha1", "O2imsSubscription", "o2imssubscriptions"),

  Cluster: r(CAPI, "v1beta1", "Cluster", "clusters"),
  MachineDeployment: r(CAPI, "v1beta1", "MachineDeployment", "machinedeployments"),
  MachineSet: r(CAPI, "v1beta1", "MachineSet", "machinesets"),
  Machine: r(CAPI, "v1beta1", "Machine", "machines"),
  KubeadmControlPlane: r(`controlplane.${CAPI}`, "v1beta1", "KubeadmControlPlane", "kubeadmcontrolplanes"),
  KubeadmConfigTemplate: r(`bootstrap.${CAPI}`, "v1beta1", "KubeadmConfigTemplate", "kubeadmconfigtemplates"),
  KubeadmConfig: r(`bootstrap.${CAPI}`, "v1beta1", "KubeadmConfig", "kubeadmconfigs"),
  ClusterResourceSet: r(`addons.${CAPI}`, "v1beta1", "ClusterResourceSet", "clusterresourcesets"),
  ClusterResourceSetBinding: r(`addons.${CAPI}`, "v1beta1", "ClusterResourceSetBinding", "clusterresourcesetbindings"),
  ByoCluster: r(INFRA, "v1beta1", "ByoCluster", "byoclusters"),
  ByoMachineTemplate: r(INFRA, "v1beta1", "ByoMachineTemplate", "byomachinetemplates"),
  ByoMachine: r(INFRA, "v1beta1", "ByoMachine", "byomachines"),
  ByoHost: r(INFRA, "v1beta1", "ByoHost", "byohosts"),
  K8sInstallerConfigTemplate: r(INFRA, "v1beta1", "K8sInstallerConfigTemplate", "k8sinstallerconfigtemplates"),

  Namespace: r("", "v1", "Namespace", "namespaces", false),
  Secret: r("", "v1", "Secret", "secrets"),
  ConfigMap: r("", "v1", "ConfigMap", "configmaps"),
  Event: r("", "v1", "Event", "events"),
  Lease: r("coordination.k8s.io", "v1", "Lease", "leases"),
  CustomResourceDefinition: r("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
  MutatingWebhookConfiguration: r(ADMISSION, "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
  ValidatingWebhookConfiguration: r(ADMISSION, "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", false),
} as const;

export const apiVersionOf = (res: Resource) => (res.group ? `${res.group}/${res.version}` : res.version);

/** Finds the Resource for an object's apiVersion + kind. */
export function resourceFor(apiVersion: string, kind: string): Resource {
  const found = Object.values(R).find(x => x.kind === kind && apiVersionOf(x) === apiVersion);
  if (!found) throw new Error(`unknown resource ${apiVersion} ${kind}`);
  return found;
}
