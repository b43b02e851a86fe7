/**
 * Every name and label the generator derives, one function each, and the length limits they must respect.
 * Names are deterministic: the same request always yields the same object names, so re-applying is idempotent
 * and pruning can compare sets of names.
 */
import { createHash } from "node:crypto";
import type { ClusterTemplateSpec } from "../api/generated/types";
import {
  BYOH_MACHINE_NAME_LABEL,
  CAPI_CLUSTER_NAME_LABEL,
  CAPI_DEPLOYMENT_NAME_LABEL,
  DEFAULT_HOST_PINNING_LABEL,
  MIRROR_SUFFIX,
  O2IMS_REQUEST_NAMESPACE_LABEL,
  O2IMS_REQUEST_NAME_LABEL,
  O2IMS_REQUEST_UID_LABEL,
} from "../api/vocabulary";
import { isLabelValue, MAX_LABEL_VALUE_LENGTH } from "./formats";

// ---- label values -------------------------------------------------------------------------------------------

/**
 * The ByoHost label that pins hosts. The one place the default applies: an unset or empty hostPinningLabel (the CRD
 * allows "") means the default, since a label key cannot be empty.
 */
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
/** One ClusterResourceSet per cluster delivers its CNI; per cluster so deleting a request removes only its own. */
export const cniResourceSetName = (clusterName: string) => `${clusterName}-cni`;
/** The FOCOM capability mirrors a FocomProvisioningRequest as this ProvisioningRequest on the O-Cloud. */
export const remoteRequestName = (focomRequestName: string) => `${focomRequestName}${MIRROR_SUFFIX}`;

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
    [O2IMS_REQUEST_NAME_LABEL]: sanitizeLabelValue(request.name),
    [O2IMS_REQUEST_NAMESPACE_LABEL]: request.namespace,
    ...(request.uid ? { [O2IMS_REQUEST_UID_LABEL]: sanitizeLabelValue(request.uid) } : {}),
  };
}

/** Label selector for every object generated for a request (by name and namespace, so it survives a re-create). */
export const requestLabelSelector = (request: RequestRef) =>
  `${O2IMS_REQUEST_NAME_LABEL}=${sanitizeLabelValue(request.name)},${O2IMS_REQUEST_NAMESPACE_LABEL}=${request.namespace}`;

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
  const out: DerivedLabelValue[] = [{ what: "the Cluster", key: CAPI_CLUSTER_NAME_LABEL, value: capiClusterName(clusterName) }];
  const cp = controlPlaneName(clusterName);
  const cpTemplate = controlPlaneMachineTemplateName(clusterName);
  out.push(
    {
      what: `control-plane ByoMachines of KubeadmControlPlane "${cp}"`,
      key: BYOH_MACHINE_NAME_LABEL,
      value: `${namespace}.${cp}${RANDOM}`,
    },
    {
      what: `control-plane ByoMachines cloned from ByoMachineTemplate "${cpTemplate}"`,
      key: BYOH_MACHINE_NAME_LABEL,
      value: `${namespace}.${cpTemplate}${RANDOM}`,
    },
  );
  for (const hostId of workerHostIds) {
    const md = workerMachineDeploymentName(clusterName, hostId);
    const template = workerMachineTemplateName(clusterName, hostId);
    out.push(
      { what: `MachineDeployment "${md}"`, key: CAPI_DEPLOYMENT_NAME_LABEL, value: md },
      {
        what: `ByoMachines of MachineDeployment "${md}"`,
        key: BYOH_MACHINE_NAME_LABEL,
        value: `${namespace}.${md}${RANDOM}${RANDOM}`,
      },
      {
        what: `ByoMachines cloned from ByoMachineTemplate "${template}"`,
        key: BYOH_MACHINE_NAME_LABEL,
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

/**
 * Which cluster a ByoHost is attached to, read from the labels BYOH writes when it attaches the host: the Cluster
 * name and "<ByoMachine namespace>.<ByoMachine name>". Cluster names are unique per namespace only, so both count.
 */
export function hostAttachment(labels: Record<string, string> | undefined): { clusterName?: string; namespace?: string } {
  const clusterName = labels?.[CAPI_CLUSTER_NAME_LABEL];
  const machine = labels?.[BYOH_MACHINE_NAME_LABEL];
  const dot = machine?.indexOf(".") ?? -1;
  return { clusterName, namespace: machine && dot > 0 ? machine.slice(0, dot) : undefined };
}

/** The one "this host is ours" test: attached to cluster clusterName of namespace namespace. */
export function isAttachedTo(labels: Record<string, string> | undefined, namespace: string, clusterName: string): boolean {
  const a = hostAttachment(labels);
  return a.clusterName === clusterName && a.namespace === namespace;
}
