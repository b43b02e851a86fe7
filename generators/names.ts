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

// ---- host claims and request-name limits -------------------------------------------------------------------

/** Hex digits of the hash in a claim's name: enough that two pinning values never share a claim by accident. */
const CLAIM_HASH_LENGTH = 10;
/** Longest readable part of a claim's name (the name stays a DNS-1123 label, readable in `kubectl get leases`). */
const CLAIM_READABLE_MAX = 40;

/**
 * The name of the claim (a Lease on the O-Cloud) on the host a pinning label selects: "host-<key>-<value>" cleaned to
 * a DNS-1123 label and cut, then a hash of the exact "key=value". Deterministic, so every request claiming a host
 * creates the same name and the API server's create decides; the hash keeps values that differ only in case or
 * punctuation apart.
 */
export function hostClaimName(pinningLabel: string, value: string | number): string {
  const exact = `${pinningLabel}=${value}`;
  const readable = `host-${pinningLabel.replace(/^.*\//, "")}-${value}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, CLAIM_READABLE_MAX)
    .replace(/^-+|-+$/g, "");
  return `${readable}-${createHash("sha256").update(exact).digest("hex").slice(0, CLAIM_HASH_LENGTH)}`;
}

/**
 * The hosts in the one global order every request claims them in (by claim name). Two requests that want
 * overlapping hosts then meet first on the same host, so one of them takes them all rather than each taking some and
 * both failing. Duplicates (a host listed twice is denied at admission anyway) are claimed once.
 */
export function claimOrder<H extends { hostId: string | number }>(pinningLabel: string, hosts: H[]): (H & { claim: string })[] {
  const byClaim = new Map<string, H & { claim: string }>();
  for (const h of hosts) {
    const claim = hostClaimName(pinningLabel, h.hostId);
    if (!byClaim.has(claim)) byClaim.set(claim, { ...h, claim });
  }
  return [...byClaim.values()].sort((a, b) => (a.claim < b.claim ? -1 : a.claim > b.claim ? 1 : 0));
}

/**
 * What kube/events.ts appends to an object's name to name its Event: "." + 8 base-36 digits of the time + 4 random
 * ones (test/unit/generators/derived-names.test.ts holds the two together). Event names are DNS subdomains too, so a
 * request whose name leaves no room for this gets no Events.
 */
export const EVENT_NAME_SUFFIX_LENGTH = 13;

/** The longest ProvisioningRequest name that still gets Events (every other derived name is shorter or hashed). */
export const MAX_PROVISIONING_REQUEST_NAME = 253 - EVENT_NAME_SUFFIX_LENGTH;
/**
 * The longest FocomProvisioningRequest name: its mirror "<name>-o2ims" is a ProvisioningRequest on the O-Cloud, which
 * must be a valid name there and have room for its own Events (the FPR's Events need less).
 */
export const MAX_FOCOM_REQUEST_NAME = MAX_PROVISIONING_REQUEST_NAME - MIRROR_SUFFIX.length;
