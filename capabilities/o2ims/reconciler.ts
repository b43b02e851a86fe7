/**
 * Reconciles one ProvisioningRequest: generate -> server-side apply -> prune obsolete objects -> status from the
 * live Cluster API objects. Level-based: it reads the current request and cluster state every time, so a missed
 * event, a restart or a retry all converge on the same result.
 */
import { O2IMS_REQUEST_UID_LABEL } from "../../api/vocabulary";
import { hostPinningLabel } from "../../generators/names";
import { applyDefaults, formatViolations, validateParameters } from "../../generators/parameters";
import { generateCluster, GENERATED_KINDS } from "../../generators/byoh-cluster";
import type { ProvisioningRequestStatus } from "../../api/generated/types";
import { Condition, ConditionInput, findCondition, mergeConditions, sameConditions } from "../../kube/conditions";
import { recordEvent } from "../../kube/events";
import { isNotFound, KubeClient, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import { HOST_LABELS, O2imsCache, PRObject } from "./cache";
import { computeStatus, PinnedHost, ProvisioningState } from "./status";
import { deleteRequest } from "./deletion";

export const COMPONENT = "o-cloud-provisioner-o2ims";
export const DEFAULT_TIMEOUTS = { hostsSeconds: 1800, controlPlaneSeconds: 1800, workersSeconds: 1800 };

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export class RequestReconciler {
  /** Requests whose next reconcile must re-apply every object (periodic resync heals drift). */
  private readonly forceApply = new Set<string>();

  constructor(
    private readonly client: KubeClient,
    private readonly cache: O2imsCache,
  ) {}

  resync(key: string): void {
    this.forceApply.add(key);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split("/");
    // A fresh read: the informer may lag behind our own last status write.
    const pr = await this.client.find<PRObject>(R.ProvisioningRequest, name, namespace);
    if (!pr) return {};
    if (pr.metadata.deletionTimestamp) return deleteRequest(this.client, this.cache, pr, st => this.writeStatus(pr, st));

    const template = this.cache.findTemplate(pr.spec.templateName, pr.spec.templateVersion);
    if (!template) {
      await this.writeStatus(pr, {
        state: "failed",
        message: `ClusterTemplate ${pr.spec.templateName}/${pr.spec.templateVersion ?? "?"} not found`,
        conditions: [
          {
            type: "Validated",
            status: "False",
            reason: "TemplateNotFound",
            message: "the referenced ClusterTemplate does not exist",
          },
        ],
      });
      return { requeueAfterMs: 30_000 };
    }
    const params = applyDefaults(pr.spec.templateParameters ?? {}, template.spec);
    const violations = validateParameters(params, template.spec, { namespace });
    if (violations.length > 0) {
      const message = formatViolations(violations);
      await this.writeStatus(pr, {
        state: "failed",
        message,
        conditions: [{ type: "Validated", status: "False", reason: "InvalidParameters", message }],
      });
      return {};
    }

    const desired = generateCluster({ name, namespace, uid: pr.metadata.uid, params, template: template.spec });
    const ownerRef = {
      apiVersion: pr.apiVersion ?? "o2ims.provisioning.oran.org/v1alpha1",
      kind: "ProvisioningRequest",
      name,
      uid: pr.metadata.uid!,
      blockOwnerDeletion: false,
    };
    // The request owns only what Cluster API does not clean up: the Cluster (whose deletion CAPI orders) and
    // the installer templates; owning every object would bypass CAPI's teardown order.
    for (const obj of desired) {
      if (obj.kind === "Cluster" || obj.kind === "K8sInstallerConfigTemplate") obj.metadata.ownerReferences = [ownerRef];
    }

    const generationChanged = pr.status?.observedGeneration !== pr.metadata.generation;
    const missing = desired.some(o => this.missingFromCache(o));
    const resync = this.forceApply.delete(key);
    if (generationChanged || missing || resync) {
      // Referenced objects first, then their referrers (Cluster, MachineDeployments), so no controller starts on a
      // missing reference and backs off; within each group in parallel.
      const referrer = (o: KubeObject) => o.kind === "Cluster" || o.kind === "MachineDeployment";
      for (const group of [desired.filter(o => !referrer(o)), desired.filter(referrer)]) {
        await Promise.all(group.map(obj => this.client.apply(resourceFor(obj.apiVersion!, obj.kind!), obj)));
      }
      // A spec change can only make worker MachineDeployments obsolete, and those are in the informer: no LIST on
      // the hot path. The periodic resync LISTs every generated kind to heal anything else.
      if (resync) await this.pruneAll(pr, desired);
      else await this.pruneWorkers(pr, desired);
    }

    const pinningLabel = hostPinningLabel(template.spec);
    const hosts: PinnedHost[] = [
      ...(params.hosts.masters ?? []).map(h => ({ hostId: String(h.hostId), hostName: h.hostName, role: "master" as const })),
      ...(params.hosts.workers ?? []).map(h => ({ hostId: String(h.hostId), hostName: h.hostName, role: "worker" as const })),
    ];
    const hostIds = new Set(hosts.map(h => h.hostId));
    const progressing = findCondition(pr.status?.conditions as Condition[] | undefined, "Progressing");
    const computed = computeStatus({
      namespace,
      clusterName: params.clusterName,
      k8sVersion: params.k8sVersion!,
      hosts,
      pinningLabel,
      cluster: this.cache.clusters.get(params.clusterName, namespace),
      controlPlane: this.cache.controlPlanes.get(controlPlaneName(desired), namespace),
      machineDeployments: new Map(
        desired
          .filter(o => o.kind === "MachineDeployment")
          .map(o => [o.metadata.name, this.cache.machineDeployments.get(o.metadata.name, namespace)]),
      ),
      byoHosts: [...hostIds].flatMap(id => this.cache.byoHosts.byIndex(HOST_LABELS, `${pinningLabel}=${id}`)),
      timeouts: { ...DEFAULT_TIMEOUTS, ...(template.spec.timeouts ?? {}) },
      previousStage: progressing ? { stage: progressing.reason, since: progressing.lastTransitionTime } : undefined,
      now: new Date(),
    });
    await this.writeStatus(pr, {
      state: computed.state,
      message: computed.message,
      conditions: [
        { type: "Validated", status: "True", reason: "Valid", message: "parameters and hosts are valid" },
        ...computed.conditions,
      ],
      resourceSet: computed.clusterId
        ? { oCloudNodeClusterId: computed.clusterId, oCloudInfrastructureResourceIds: computed.hostIds }
        : undefined,
    });
    return { requeueAfterMs: computed.timeoutInMs !== undefined ? computed.timeoutInMs + 100 : undefined };
  }

  private missingFromCache(obj: KubeObject): boolean {
    const ns = obj.metadata.namespace;
    if (obj.kind === "Cluster") return !this.cache.clusters.get(obj.metadata.name, ns);
    if (obj.kind === "KubeadmControlPlane") return !this.cache.controlPlanes.get(obj.metadata.name, ns);
    if (obj.kind === "MachineDeployment") return !this.cache.machineDeployments.get(obj.metadata.name, ns);
    return false;
  }

  /** Deletes the MachineDeployment and ByoMachineTemplate of every worker the spec no longer has (from the cache). */
  private async pruneWorkers(pr: PRObject, desired: KubeObject[]): Promise<void> {
    const wanted = new Set(desired.filter(o => o.kind === "MachineDeployment").map(o => o.metadata.name));
    const uid = pr.metadata.uid;
    const obsolete = this.cache.machineDeployments.list(
      md =>
        md.metadata.namespace === pr.metadata.namespace &&
        md.metadata.labels?.[O2IMS_REQUEST_UID_LABEL] === uid &&
        !wanted.has(md.metadata.name),
    );
    for (const md of obsolete) {
      await this.client.delete(R.MachineDeployment, md.metadata.name, md.metadata.namespace);
      // Each worker's ByoMachineTemplate carries its MachineDeployment's name (generators/names.ts).
      await this.client.delete(R.ByoMachineTemplate, md.metadata.name, md.metadata.namespace);
    }
  }

  /** Deletes every generated object of this request that the current spec no longer wants (LISTs each kind). */
  private async pruneAll(pr: PRObject, desired: KubeObject[]): Promise<void> {
    const wanted = new Set(desired.map(o => `${o.kind}/${o.metadata.name}`));
    for (const res of GENERATED_KINDS) {
      const live = await this.client.list(res, {
        namespace: pr.metadata.namespace,
        labelSelector: `${O2IMS_REQUEST_UID_LABEL}=${pr.metadata.uid}`,
      });
      for (const obj of live) {
        if (!wanted.has(`${res.kind}/${obj.metadata.name}`))
          await this.client.delete(res, obj.metadata.name, obj.metadata.namespace);
      }
    }
  }

  /** Writes status only when it says something new, and records an Event when the state changes. */
  async writeStatus(
    pr: PRObject,
    next: {
      state: ProvisioningState;
      message: string;
      conditions: ConditionInput[];
      resourceSet?: ProvisioningRequestStatus["provisionedResourceSet"];
    },
  ): Promise<void> {
    const now = new Date().toISOString();
    const prev = pr.status ?? {};
    const gen = pr.metadata.generation;
    const conditions = mergeConditions(
      prev.conditions as Condition[] | undefined,
      next.conditions.map(c => ({ ...c, observedGeneration: gen })),
      now,
    );
    const prevState = prev.provisioningStatus?.provisioningState;
    const changed = prevState !== next.state || prev.provisioningStatus?.provisioningMessage !== next.message;
    const status: ProvisioningRequestStatus = {
      observedGeneration: gen,
      provisioningStatus: {
        provisioningState: next.state,
        provisioningMessage: next.message,
        provisioningUpdateTime: changed ? now : (prev.provisioningStatus?.provisioningUpdateTime ?? now),
      },
      provisionedResourceSet: next.resourceSet ?? prev.provisionedResourceSet,
      conditions,
    };
    const same =
      !changed &&
      prev.observedGeneration === gen &&
      sameResourceSet(prev.provisionedResourceSet, status.provisionedResourceSet) &&
      sameConditions(prev.conditions as Condition[] | undefined, conditions);
    if (same) return;
    try {
      const updated = await this.client.mergePatch<PRObject>(
        R.ProvisioningRequest,
        pr.metadata.name,
        pr.metadata.namespace,
        { status },
        "status",
      );
      pr.status = updated.status;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    if (prevState !== next.state) {
      const warning = next.state === "failed";
      await recordEvent(this.client, pr, warning ? "Warning" : "Normal", stateReason(next.state), next.message, COMPONENT).catch(
        () => undefined,
      );
    }
  }
}

type ResourceSet = ProvisioningRequestStatus["provisionedResourceSet"];

/** Field by field: the API server returns the keys in its own order, so comparing JSON text never matched. */
function sameResourceSet(a: ResourceSet, b: ResourceSet): boolean {
  return (
    a?.oCloudNodeClusterId === b?.oCloudNodeClusterId &&
    (a?.oCloudInfrastructureResourceIds ?? []).join(",") === (b?.oCloudInfrastructureResourceIds ?? []).join(",")
  );
}

const controlPlaneName = (desired: KubeObject[]) => desired.find(o => o.kind === "KubeadmControlPlane")!.metadata.name;

function stateReason(state: ProvisioningState): string {
  return { pending: "Pending", progressing: "Progressing", fulfilled: "Fulfilled", failed: "Failed", deleting: "Deleting" }[
    state
  ];
}
