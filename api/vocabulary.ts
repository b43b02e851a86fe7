/**
 * Every label and annotation key, default and condition type the module reads or writes, per kind: one source of
 * truth (a rule written twice drifts; the pinning-label default once did). Keys owned by Cluster API and BYOH are
 * listed too, because the module reads them; the simulator in local/sim keeps its own copy on purpose (it plays
 * those projects, and must not share our reading of them).
 */

// ---- ProvisioningRequest (o2ims) ----------------------------------------------------------------------------

/** Links every generated Cluster API object back to its ProvisioningRequest (values label-safe, see generators/names). */
export const O2IMS_REQUEST_NAME_LABEL = "o2ims.provisioning.oran.org/request-name";
export const O2IMS_REQUEST_NAMESPACE_LABEL = "o2ims.provisioning.oran.org/request-namespace";
export const O2IMS_REQUEST_UID_LABEL = "o2ims.provisioning.oran.org/request-uid";
/** Exact "<namespace>/<name>" of the request; the name label is hashed when the name is not a valid label value. */
export const O2IMS_REQUEST_ANNOTATION = "o2ims.provisioning.oran.org/request";

/** ByoHost label whose value is the hostId, given to the BYOH agent at registration (--label host-id=3). */
export const DEFAULT_HOST_PINNING_LABEL = "host-id";

/** The condition types of a ProvisioningRequest: every status write carries all of them (kube/status-writer). */
export const PR_CONDITION_TYPES = [
  "Validated",
  "Applied",
  "HostsAttached",
  "HostsClaimed",
  "ControlPlaneReady",
  "WorkersReady",
  "Progressing",
  "Ready",
  "Deleting",
] as const;
export type PRConditionType = (typeof PR_CONDITION_TYPES)[number];
/**
 * Reasons of ProvisioningRequest conditions other than the stage names (capabilities/o2ims/status.ts Stage), which
 * Progressing and Ready use as reasons.
 */
export const PR_REASONS = {
  /** Validated: the template exists and the parameters satisfy it. */
  Valid: "Valid",
  TemplateNotFound: "TemplateNotFound",
  InvalidParameters: "InvalidParameters",
  /** HostsClaimed: this request holds the claim of every host it pins (capabilities/o2ims/claims.ts). */
  HostsClaimed: "HostsClaimed",
  /** HostsClaimed/Ready: another live request won a host's claim; failed for this generation, nothing created. */
  HostClaimLost: "HostClaimLost",
  /** HostsClaimed: a host's claim is held by a request being deleted; claimed once that request releases it. */
  WaitingForHostRelease: "WaitingForHostRelease",
  /** Applied: every generated object was applied, and obsolete ones deleted. */
  Applied: "Applied",
  /** Applied/Ready: the API server refused a write (admission webhook denial, invalid object): failed until the spec or
   * the environment changes; retried with backoff meanwhile. */
  ApplyRejected: "ApplyRejected",
  /** Applied: a write failed for a passing reason (conflict, throttling, server error, network): retried with backoff. */
  ApplyFailed: "ApplyFailed",
  /** Ready: failures observed on the cluster. */
  HostBootstrapFailed: "HostBootstrapFailed",
  HostUnavailable: "HostUnavailable",
  StageTimedOut: "StageTimedOut",
  /** Ready (and a Warning Event): the cluster waits for its first node, and a ConfigMap its CNI ClusterResourceSet
   * applies is missing in the request's namespace (capabilities/o2ims/cni.ts); the message names it and the fix. */
  CNIResourceMissing: "CNIResourceMissing",
  /** Deleting: not being deleted / the steps of deletion; Ready: False while being deleted. */
  NotDeleting: "NotDeleting",
  Deleting: "Deleting",
  WaitingForClusterDeletion: "WaitingForClusterDeletion",
  DeletionStalled: "DeletionStalled",
  RemovingLeftovers: "RemovingLeftovers",
} as const;
export type PRReason = (typeof PR_REASONS)[keyof typeof PR_REASONS];

// ---- Host claims (coordination.k8s.io/v1 Leases on the O-Cloud; capabilities/o2ims/claims.ts) ----------------

/**
 * One Lease per pinned host, created by the request that pins it: the API server's create is the arbiter, so of any
 * number of concurrent requests exactly one holds a host. Named by generators/names.ts hostClaimName.
 */
export const HOST_CLAIM_LABEL = "o2ims.provisioning.oran.org/host-claim";
/** "<pinning label>=<value>" of the claimed host (the selector BYOH matches), and its hostName. */
export const HOST_CLAIM_HOST_ANNOTATION = "o2ims.provisioning.oran.org/host";
export const HOST_CLAIM_HOST_NAME_ANNOTATION = "o2ims.provisioning.oran.org/host-name";
/** The namespace the claims live in on the O-Cloud (OCP_CLAIMS_NAMESPACE overrides; created when missing). */
export const DEFAULT_CLAIMS_NAMESPACE = "pepr-system";

// ---- FocomProvisioningRequest (focom) -----------------------------------------------------------------------

export const FOCOM_REQUEST_NAME_LABEL = "focom.nephio.org/request-name";
export const FOCOM_REQUEST_NAMESPACE_LABEL = "focom.nephio.org/request-namespace";
export const FOCOM_REQUEST_UID_LABEL = "focom.nephio.org/request-uid";
/** Exact "<namespace>/<name>" of the FOCOM request (the name label is shortened when not a valid label value). */
export const FOCOM_REQUEST_ANNOTATION = "focom.nephio.org/request";
/** "<namespace>/<name>" of the OCloud the request was sent through. */
export const FOCOM_OCLOUD_ANNOTATION = "focom.nephio.org/ocloud";
/** The request's metadata.generation last applied: a differing value means the remote's spec is behind. */
export const FOCOM_GENERATION_ANNOTATION = "focom.nephio.org/request-generation";
/** A FocomProvisioningRequest is mirrored on its O-Cloud as the ProvisioningRequest "<name><MIRROR_SUFFIX>". */
export const MIRROR_SUFFIX = "-o2ims";
/** seed 000's default provisioner, set where the template declares clusterProvisioner and the request omits it. */
export const DEFAULT_PROVISIONER = "byoh";

export const FPR_CONDITION_TYPES = ["Validated", "OCloudReachable", "RemoteCreated", "Synced", "Ready"] as const;
export type FPRConditionType = (typeof FPR_CONDITION_TYPES)[number];

/**
 * OCloud conditions, written by the FOCOM controller: Reachable (the O-Cloud answered; reason Reachable, Unreachable,
 * Unauthorized, Forbidden or the configuration problem), Transport (reason Local, Kubeconfig or Rest) and
 * StatusDelivery (reason Notifications, Polling or Watch: how FOCOM learns of state changes).
 */
export const OCLOUD_CONDITION_TYPES = ["Reachable", "Transport", "StatusDelivery"] as const;

// ---- Cluster API and BYOH (read, never invented) ------------------------------------------------------------

/** Cluster API's own labels (CAPI sets them too; the generator sets them where no webhook would). */
export const CAPI_CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";
export const CAPI_DEPLOYMENT_NAME_LABEL = "cluster.x-k8s.io/deployment-name";
/** Written by BYOH on the ByoHost it attaches: "<ByoMachine namespace>.<ByoMachine name>". */
export const BYOH_MACHINE_NAME_LABEL = "byoh.infrastructure.cluster.x-k8s.io/byomachine-name";
/** The ByoHost condition the BYOH agent sets while it bootstraps Kubernetes on the host. */
export const BYOH_BOOTSTRAP_CONDITION = "K8sNodeBootstrapSucceeded";
/** ByoHost bootstrap reasons with severity Error (byoh-capi-notes §1.3): the host cannot join. */
export const BYOH_HOST_FAILURE_REASONS: ReadonlySet<string> = new Set([
  "CloudInitExecutionFailed",
  "CleanK8sDirectoriesFailed",
  "K8sComponentsInstallationFailed",
]);

// ---- O2 IMS REST API subscriptions (o2ims-api/subscriptions) ----------------------------------------------------

/** Label of every O2imsSubscription CR with its spec.api, so each service watches only its own subscriptions. */
export const O2IMS_SUBSCRIPTION_API_LABEL = "o2ims.provisioning.oran.org/subscription-api";
/** The condition an O2imsSubscription's status carries: True after a delivered notification, False while failing. */
export const O2IMS_SUBSCRIPTION_CONDITION = "Delivering";
export const O2IMS_SUBSCRIPTION_REASONS = {
  Delivered: "Delivered",
  DeliveryFailing: "DeliveryFailing",
} as const;
