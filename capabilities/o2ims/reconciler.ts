/**
 * Reconciles one ProvisioningRequest: generate -> server-side apply -> prune obsolete objects -> status from the
 * live Cluster API objects. Level-based: it reads the current request and cluster state every time, so a missed
 * event, a restart or a retry all converge on the same result. A refused or failed write of a generated object is
 * reported in status (capabilities/o2ims/errors.ts says how) and thrown, so the work queue retries it with backoff.
 */
import { O2IMS_REQUEST_UID_LABEL, PR_CONDITION_TYPES, PR_REASONS } from "../../api/vocabulary";
import { hostPinningLabel, isAttachedTo } from "../../generators/names";
import { applyDefaults, formatViolations, validateParameters } from "../../generators/parameters";
import { generateCluster, GENERATED_KINDS } from "../../generators/byoh-cluster";
import { KubeClient, KubeObject } from "../../kube/client";
import { R, resourceFor } from "../../kube/resources";
import { StatusPolicy, StatusUpdate, StatusWriter } from "../../kube/status-writer";
import { OwnWrites } from "../../kube/own-writes";
import { claimsNamespace, isIgnoredNamespace, testFaultExitAfterClaim } from "../environment";
import { HOST_LABELS, O2imsCache, PRObject } from "./cache";
import { claimedHostOf, Holder, HostClaims } from "./claims";
import { classifyWriteFailure, writing } from "./errors";
import {
  claimLostAt,
  claimLostStatus,
  claimWaitingStatus,
  clusterStatus,
  computeStatus,
  hostsClaimedCondition,
  invalidStatus,
  lastApplySucceeded,
  PinnedHost,
  PRStatus,
  statusEvents,
  TIMESTAMPS,
} from "./status";
import { deleteRequest } from "./deletion";
import type { CniResources } from "./cni";

export const COMPONENT = "o-cloud-provisioner-o2ims";
export const DEFAULT_TIMEOUTS = { hostsSeconds: 1800, controlPlaneSeconds: 1800, workersSeconds: 1800 };

export const PR_STATUS_POLICY: StatusPolicy<PRStatus> = {
  resource: R.ProvisioningRequest,
  conditionTypes: PR_CONDITION_TYPES,
  timestamps: TIMESTAMPS,
  events: statusEvents,
  component: COMPONENT,
};

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export class RequestReconciler {
  /** Requests whose next reconcile must re-apply every object (periodic resync heals drift). */
  private readonly forceApply = new Set<string>();
  private readonly status: StatusWriter<PRStatus>;
  readonly claims: HostClaims;
  /** Our own status writes, until the requests informer has them (kube/own-writes.ts). */
  readonly ownWrites = new OwnWrites<PRObject>();

  constructor(
    private readonly client: KubeClient,
    private readonly cache: O2imsCache,
    /** Which CNI ConfigMaps exist (capabilities/o2ims/cni.ts); without it none is reported missing. */
    private readonly cni?: CniResources,
  ) {
    this.status = new StatusWriter(client, PR_STATUS_POLICY, this.ownWrites);
    this.claims = new HostClaims(client, cache.claims, claimsNamespace());
  }

  resync(key: string): void {
    this.forceApply.add(key);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split("/");
    // Admission never sees these namespaces (capabilities/runtime.ts): what it did not check is not acted on.
    if (isIgnoredNamespace(namespace)) return {};
    // From the informer, or our own last write where the informer has not delivered it yet (no GET per pass). A
    // shallow copy: the status writer updates status and resourceVersion of what it is given, never the cache's.
    const read = this.ownWrites.latest(key, this.cache.requests.get(name, namespace));
    if (!read) return {};
    const pr: PRObject = { ...read, metadata: { ...read.metadata } };
    const writeStatus = (update: StatusUpdate<PRStatus>) => this.status.write(pr, update);
    if (pr.metadata.deletionTimestamp) {
      return deleteRequest(this.client, pr, writeStatus, () => this.claims.releaseAll(pr.metadata.uid!));
    }
    const now = () => new Date().toISOString();

    const template = this.cache.findTemplate(pr.spec.templateName, pr.spec.templateVersion);
    if (!template) {
      const message = `ClusterTemplate ${pr.spec.templateName}/${pr.spec.templateVersion ?? "?"} not found`;
      await writeStatus(invalidStatus(PR_REASONS.TemplateNotFound, message, pr.status, now()));
      return { requeueAfterMs: 30_000 };
    }
    const params = applyDefaults(pr.spec.templateParameters ?? {}, template.spec);
    const violations = validateParameters(params, template.spec, { namespace });
    if (violations.length > 0) {
      await writeStatus(invalidStatus(PR_REASONS.InvalidParameters, formatViolations(violations), pr.status, now()));
      return {};
    }

    const pinningLabel = hostPinningLabel(template.spec);
    const hosts: PinnedHost[] = [
      ...(params.hosts.masters ?? []).map(h => ({ hostId: String(h.hostId), hostName: h.hostName, role: "master" as const })),
      ...(params.hosts.workers ?? []).map(h => ({ hostId: String(h.hostId), hostName: h.hostName, role: "worker" as const })),
    ];

    // Claim every host before anything is generated: a request that lost a claim creates nothing, and is not claimed
    // again for this generation (deleting the winner must not hand the host to a loser; a spec change starts over).
    if (claimLostAt(pr.status, pr.metadata.generation)) return {};
    const holder: Holder = { namespace, name, uid: pr.metadata.uid! };
    const claimed = await this.claims.claim(holder, pinningLabel, hosts);
    if (claimed.kind === "lost") {
      await writeStatus(claimLostStatus(claimed.host, claimed.winner, pr.status, now()));
      return {};
    }
    if (claimed.kind === "waiting") {
      await writeStatus(claimWaitingStatus(claimed.host, claimed.holder, pr.status, now()));
      return { requeueAfterMs: 10_000 }; // the holder's deletion releases the claim; no event of ours reports it
    }
    if (claimed.taken.length > 0) testFaultExitAfterClaim();

    const desired = generateCluster({ name, namespace, uid: pr.metadata.uid, params, template: template.spec });
    const ownerRef = {
      apiVersion: pr.apiVersion ?? "o2ims.provisioning.oran.org/v1alpha1",
      kind: "ProvisioningRequest",
      name,
      uid: pr.metadata.uid!,
      blockOwnerDeletion: false,
    };
    // Owner references are the backstop for a request removed without its finalizer: the garbage collector then
    // deletes what it owns. It owns the Cluster, so Cluster API still tears the cluster down in its own order (the
    // Cluster's deletion reaches the KubeadmControlPlane, MachineDeployments and ByoCluster), and the installer
    // templates, which nothing in Cluster API removes. The bootstrap and machine templates stay unowned: deleted
    // alongside the Cluster they stall CAPI's teardown (byoh-capi-notes §4.5); deletion.ts removes them afterwards.
    for (const obj of desired) {
      if (obj.kind === "Cluster" || obj.kind === "K8sInstallerConfigTemplate") obj.metadata.ownerReferences = [ownerRef];
    }

    const generationChanged = pr.status?.observedGeneration !== pr.metadata.generation;
    const missing = desired.some(o => this.missingFromCache(o));
    const resync = this.forceApply.delete(key);
    // A write refused or failed last time is retried until it succeeds (a fixed webhook or a freed host sends no event).
    let apply: Parameters<typeof clusterStatus>[3];
    let failure: unknown;
    if (generationChanged || missing || resync || !lastApplySucceeded(pr.status)) {
      try {
        await this.applyAll(desired);
        // A spec change can only make worker MachineDeployments obsolete, and those are in the informer: no LIST on
        // the hot path. The periodic resync LISTs every generated kind to heal anything else.
        if (resync) await this.pruneAll(pr, desired);
        else await this.pruneWorkers(pr, desired);
        apply = "applied";
        await this.releaseUnpinned(holder, params.clusterName, pinningLabel, hosts);
      } catch (e) {
        failure = e;
        apply = classifyWriteFailure(e);
      }
    }

    const hostIds = new Set(hosts.map(h => h.hostId));
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
      cniMissing: this.cni?.missing(template.spec, namespace),
      timeouts: { ...DEFAULT_TIMEOUTS, ...(template.spec.timeouts ?? {}) },
      previousStage: pr.status?.stage,
      now: new Date(),
    });
    const update = clusterStatus(computed, pr.status, now(), apply);
    update.conditions.push(hostsClaimedCondition(hosts.length));
    await writeStatus(update);
    if (failure !== undefined) throw failure; // the work queue retries with backoff, permanent or not
    return { requeueAfterMs: computed.timeoutInMs !== undefined ? computed.timeoutInMs + 100 : undefined };
  }

  /**
   * Server-side applies every generated object: referenced objects first, then their referrers (Cluster,
   * MachineDeployments), so no controller starts on a missing reference and backs off; within each group in
   * parallel. Every write of a group is awaited before the first failure (which names its object) is thrown.
   */
  private async applyAll(desired: KubeObject[]): Promise<void> {
    const referrer = (o: KubeObject) => o.kind === "Cluster" || o.kind === "MachineDeployment";
    for (const group of [desired.filter(o => !referrer(o)), desired.filter(referrer)]) {
      const results = await Promise.allSettled(
        group.map(obj => writing("apply", obj, () => this.client.apply(resourceFor(obj.apiVersion!, obj.kind!), obj))),
      );
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (rejected) throw rejected.reason;
    }
  }

  /**
   * Releases the claims of hosts the spec no longer pins (scale-in), once the host is not attached to this request's
   * cluster any more (BYOH releases it after CAPI removed the worker; its ByoHost change re-queues this request
   * through the claims index).
   */
  private async releaseUnpinned(holder: Holder, clusterName: string, pinningLabel: string, hosts: PinnedHost[]) {
    const wanted = new Set(hosts.map(h => `${pinningLabel}=${h.hostId}`));
    for (const claim of this.claims.heldBy(holder.uid)) {
      const host = claimedHostOf(claim);
      if (!host || wanted.has(host)) continue;
      const stillOurs = this.cache.byoHosts
        .byIndex(HOST_LABELS, host)
        .some(b => isAttachedTo(b.metadata.labels, holder.namespace, clusterName));
      if (!stillOurs) await this.claims.deleteClaim(claim.metadata.name, claim.metadata.uid!);
    }
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
      await writing("delete", md, () => this.client.delete(R.MachineDeployment, md.metadata.name, md.metadata.namespace));
      // Each worker's ByoMachineTemplate carries its MachineDeployment's name (generators/names.ts).
      const template = { kind: R.ByoMachineTemplate.kind, metadata: md.metadata };
      await writing("delete", template, () => this.client.delete(R.ByoMachineTemplate, md.metadata.name, md.metadata.namespace));
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
          await writing("delete", { ...obj, kind: res.kind }, () =>
            this.client.delete(res, obj.metadata.name, obj.metadata.namespace),
          );
      }
    }
  }
}

const controlPlaneName = (desired: KubeObject[]) => desired.find(o => o.kind === "KubeadmControlPlane")!.metadata.name;
