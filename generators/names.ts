/**
 * Every name and label the generator derives, one function each, and the length limits they must respect.
 * Names are deterministic: the same request always yields the same object names, so re-applying is idempotent
 * and pruning can compare sets of names.
 */
import { createHash } from "node:crypto";
import type { ClusterTemplateSpec } from "../api/generated/types";
import { isLabelValue, MAX_LABEL_VALUE_LENGTH } from "./formats";

// ---- label keys -------------------------------------------------------------------------------------------

/** Links every generated object back to its ProvisioningRequest (values are label-safe, see requestLabels). */
export const REQUEST_NAME_LABEL = "o2ims.provisioning.oran.org/request-name";
export const REQUEST_NAMESPACE_LABEL = "o2ims.provisioning.oran.org/request-namespace";
export const REQUEST_UID_LABEL = "o2ims.provisioning.oran.org/request-uid";
/** Exact "<namespace>/<name>" of the request; the name label is hashed when the name is not a valid label value. */
export const REQUEST_ANNOTATION = "o2ims.provisioning.oran.org/request";

/** Cluster API's own labels (CAPI sets them too; the generator sets them where no webhook would). */
export const CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
export const DEPLOYMENT_NAME_LABEL = "cluster.x-k8s.io/deployment-name";
/** Written by BYOH on the ByoHost it attaches: "<ByoMachine namespace>.<ByoMachine name>". */
export const BYOMACHINE_LABEL = "byoh.infrastructure.cluster.x-k8s.io/byomachine-name";

/** ByoHost label whose value is the hostId (given to the BYOH agent with --label). */
export const DEFAULT_HOST_PINNING_LABEL = "host-id";
export const hostPinningLabel = (template: Pick<ClusterTemplateSpec, "hostPinningLabel">) =>
  template.hostPinningLabel || DEFAULT_HOST_PINNING_LABEL;

// ---- object names -----------------------------------------------------------------------------------------

export const capiClusterName = (clusterName: string) => clusterName;
/** BYOH's ByoCluster deletion looks for ByoMachines labelled with the ByoCluster's name, so it must equal the Cluster's. */
export const byoClusterName = (clusterName: string) => clusterName;
export const controlPlaneName = (clusterName: string) => `${clusterName}-control-plane`;
export const controlPlaneMachineTemplateName = (clusterName: string) => `${clusterName}-control-plane`;
export const controlPlaneInstallerTemplateName = (clusterName: string) => `${clusterName}-control-plane`;
/** One KubeadmConfigTemplate shared by every worker MachineDeployment. */
export const workerBootstrapTemplateName = (clusterName: string) => `${clusterName}-workers`;
export const workerInstallerTemplateName = (clusterName: string) => `${clusterName}-workers`;
/** One MachineDeployment per pinned worker host. */
export const workerMachineDeploymentName = (clusterName: string, hostId: string | number) =>
  `${clusterName}-worker-${hostIdSegment(hostId)}`;
/** One ByoMachineTemplate per pinned worker host; named like its MachineDeployment. */
export const workerMachineTemplateName = workerMachineDeploymentName;
/** The FOCOM capability mirrors a FocomProvisioningRequest as this ProvisioningRequest on the O-Cloud. */
export const remoteRequestName = (focomRequestName: string) => `${focomRequestName}-o2ims`;

// ---- name segments and label values -----------------------------------------------------------------------

const HASH_LENGTH = 5;
/** Longest hostId used verbatim in a worker name; longer ones are shortened, keeping names (and the limit) small. */
export const HOST_ID_SEGMENT_MAX = 12;

const shortHash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, HASH_LENGTH);

/**
 * The hostId as a DNS-1123 label segment. A hostId is a label value ([A-Za-z0-9._-]) but names are lowercase
 * DNS labels: an id that is not already a short DNS label becomes "<cleaned prefix>-<hash of the id>", so two ids
 * that differ only in case or punctuation still get different names.
 */
export function hostIdSegment(hostId: string | number): string {
  const raw = String(hostId);
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (clean === raw && clean.length > 0 && clean.length <= HOST_ID_SEGMENT_MAX) return clean;
  const prefix = clean.slice(0, HOST_ID_SEGMENT_MAX - HASH_LENGTH - 1).replace(/-+$/, "");
  return prefix ? `${prefix}-${shortHash(raw)}` : shortHash(raw);
}

/** The value unchanged when it is a valid label value, else a valid one: invalid characters replaced, cut, hashed. */
export function sanitizeLabelValue(value: string): string {
  if (isLabelValue(value)) return value;
  const clean = value
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, MAX_LABEL_VALUE_LENGTH - HASH_LENGTH - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return clean ? `${clean}-${shortHash(value)}` : shortHash(value);
}

export interface RequestRef {
  name: string;
  namespace: string;
  uid?: string;
}

/** Labels on every generated object linking it back to its request. */
export function requestLabels(request: RequestRef): Record<string, string> {
  return {
    [REQUEST_NAME_LABEL]: sanitizeLabelValue(request.name),
    [REQUEST_NAMESPACE_LABEL]: request.namespace,
    ...(request.uid ? { [REQUEST_UID_LABEL]: sanitizeLabelValue(request.uid) } : {}),
  };
}

/** Label selector for every object generated for a request (by name and namespace, so it survives a re-create). */
export const requestLabelSelector = (request: RequestRef) =>
  `${REQUEST_NAME_LABEL}=${sanitizeLabelValue(request.name)},${REQUEST_NAMESPACE_LABEL}=${request.namespace}`;

export const requestAnnotation = (request: RequestRef) => `${request.namespace}/${request.name}`;

// ---- length limits ----------------------------------------------------------------------------------------

/**
 * What Cluster API appends when it creates machines: "-" + 5 random characters. CAPI v1.4 names a cloned
 * infrastructure machine "<template>-xxxxx" and a KCP machine "<kcp>-xxxxx"; CAPI >= 1.7 names MachineSets
 * "<md>-xxxxx" and their Machines (and the ByoMachine) "<machineset>-xxxxx". A placeholder keeps the lengths exact.
 */
const RANDOM = "-xxxxx";

export interface DerivedLabelValue {
  /** What the value names, for messages. */
  what: string;
  key: string;
  /** The longest value the label can take (random suffixes as placeholders). */
  value: string;
}

/**
 * Every label value that embeds the cluster name, at its longest. The tightest is usually BYOH's
 * byomachine-name label "<namespace>.<ByoMachine name>" on the attached ByoHost: if it is over 63 characters the
 * ByoHost patch is rejected and the host is never attached. (CAPI trims machine names to 63, but then the label is
 * namespace + 64 characters and still too long, so the untrimmed length decides correctly.)
 */
export function derivedLabelValues(
  clusterName: string,
  namespace: string,
  workerHostIds: (string | number)[],
): DerivedLabelValue[] {
  const out: DerivedLabelValue[] = [{ what: "the Cluster", key: CLUSTER_NAME_LABEL, value: capiClusterName(clusterName) }];
  const cp = controlPlaneName(clusterName);
  const cpTemplate = controlPlaneMachineTemplateName(clusterName);
  out.push(
    {
      what: `control-plane ByoMachines of KubeadmControlPlane "${cp}"`,
      key: BYOMACHINE_LABEL,
      value: `${namespace}.${cp}${RANDOM}`,
    },
    {
      what: `control-plane ByoMachines cloned from ByoMachineTemplate "${cpTemplate}"`,
      key: BYOMACHINE_LABEL,
      value: `${namespace}.${cpTemplate}${RANDOM}`,
    },
  );
  for (const hostId of workerHostIds) {
    const md = workerMachineDeploymentName(clusterName, hostId);
    const template = workerMachineTemplateName(clusterName, hostId);
    out.push(
      { what: `MachineDeployment "${md}"`, key: DEPLOYMENT_NAME_LABEL, value: md },
      { what: `ByoMachines of MachineDeployment "${md}"`, key: BYOMACHINE_LABEL, value: `${namespace}.${md}${RANDOM}${RANDOM}` },
      {
        what: `ByoMachines cloned from ByoMachineTemplate "${template}"`,
        key: BYOMACHINE_LABEL,
        value: `${namespace}.${template}${RANDOM}`,
      },
    );
  }
  return out;
}

/** The longest derived label value (the one that limits the cluster name). */
export function longestDerivedLabelValue(
  clusterName: string,
  namespace: string,
  workerHostIds: (string | number)[],
): DerivedLabelValue {
  return derivedLabelValues(clusterName, namespace, workerHostIds).reduce((a, b) => (b.value.length > a.value.length ? b : a));
}

/** The longest cluster name whose derived label values all fit in 63 characters (each embeds the name once). */
export function maxClusterNameLength(namespace: string, workerHostIds: (string | number)[]): number {
  const probe = "c";
  return probe.length + MAX_LABEL_VALUE_LENGTH - longestDerivedLabelValue(probe, namespace, workerHostIds).value.length;
}
