/**
 * Reconciles one FocomProvisioningRequest: check its references -> have its OCloud's transport make the mirror on the
 * O-Cloud what the request says (capabilities/focom/transport.ts: a CR over kubeconfig/local, an O2 IMS REST request
 * over REST) -> mirror what it observed into the status, with one retry policy for every transport. Level-based: it re-reads the
 * request and the remote every time, so missed events, restarts and retries converge on the same result.
 */
import {
  checkTemplateInfoParameters as checkParameters,
  resolveTemplateInfo,
  TemplateInfoObject,
} from "../../generators/templates";
import { KubeClient } from "../../kube/client";
import { OwnWrites } from "../../kube/own-writes";
import { R } from "../../kube/resources";
import { isIgnoredNamespace } from "../environment";
import type { FPRObject, OCloudObject } from "./cache";
import { deleteRequest } from "./deletion";
import { Observation, rejectedAt } from "./status";
import { StatusWriter } from "./status-writer";
import type { Transports } from "./transport";

export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** The SMO-side objects a request refers to (the informers in the module, read live on a miss). */
export interface References {
  /**
   * The request as the informer has it (the reconciler adds its own writes the informer has not delivered yet);
   * without it every pass reads the request live.
   */
  request?(namespace: string, name: string): FPRObject | undefined;
  ocloud(namespace: string, name: string): Promise<OCloudObject | undefined>;
  /** The namespace's TemplateInfos, at least those of templateName if any exist. */
  templateInfos(namespace: string, templateName: string | undefined): Promise<TemplateInfoObject[]>;
}

export interface ReconcilerOptions {
  /** How long deletion waits for an unreachable O-Cloud before releasing the request anyway. */
  unreachableReleaseSeconds: number;
}

/**
 * Re-check of a name conflict or refused credentials: all are resolved on the O-Cloud or in a Secret
 * (whose watch re-queues at once), where retrying sooner only adds load (no retry storm).
 */
export const RECHECK_MS = 60_000;

export class FocomReconciler {
  /** Requests whose next reconcile re-applies the remote even if it looks current (periodic resync heals drift). */
  private readonly forceApply = new Set<string>();
  private readonly status: StatusWriter;
  /** Our own status writes, until the requests informer has them (kube/own-writes.ts). */
  readonly ownWrites = new OwnWrites<FPRObject>();

  constructor(
    private readonly local: KubeClient,
    private readonly refs: References,
    private readonly transports: Transports,
    private readonly opts: ReconcilerOptions,
  ) {
    this.status = new StatusWriter(local, this.ownWrites);
  }

  resync(key: string): void {
    this.forceApply.add(key);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = key.split("/");
    // Admission never sees these namespaces (capabilities/runtime.ts): what it did not check is not acted on.
    if (isIgnoredNamespace(namespace)) return {};
    const fpr = await this.read(key, namespace, name);
    if (!fpr) {
      this.forceApply.delete(key);
      return {};
    }
    const spec = fpr.spec ?? {};
    const ocloudName = spec.oCloudId ?? "";
    const ocloud = spec.oCloudId ? await this.refs.ocloud(namespace, spec.oCloudId) : undefined;
    const transport = this.transports.for(ocloud);
    const observe = (observation: Observation) =>
      this.status.observe(fpr, { observation, ocloud: ocloudName, remote: transport.refOf(fpr) });

    if (fpr.metadata.deletionTimestamp) {
      return deleteRequest(fpr, {
        local: this.local,
        transport,
        ocloud,
        observe,
        releaseAfterSeconds: this.opts.unreachableReleaseSeconds,
      });
    }

    // References can vanish after admission (OCloud or TemplateInfo deleted): report, and wait for their events.
    if (!ocloud) {
      await observe({
        kind: "invalid",
        reason: "OCloudNotFound",
        message: `spec.oCloudId: no OCloud named "${ocloudName}" in namespace ${namespace}`,
      });
      return {};
    }
    const resolved = resolveTemplateInfo(
      await this.refs.templateInfos(namespace, spec.templateName),
      spec.templateName,
      spec.templateVersion,
      namespace,
    );
    if (!resolved.templateInfo) {
      await observe({ kind: "invalid", reason: "TemplateNotFound", message: resolved.violation!.message });
      return {};
    }
    const violations = checkParameters(spec.templateParameters ?? {}, resolved.templateInfo, {
      namespace: spec.oCloudNamespace || namespace,
    });
    if (violations.length > 0) {
      await observe({ kind: "invalid", reason: "InvalidParameters", message: violations.map(v => v.message).join("; ") });
      return {};
    }

    // A generation the O-Cloud rejected waits for a new spec (status.ts REJECTED): no timer or resync retries it, so
    // the loser of a host race never takes the host over once the winner is deleted (issue 12).
    if (rejectedAt(fpr.status, fpr.metadata.generation)) {
      this.forceApply.delete(key);
      return {};
    }
    const { observation, requeueAfterMs } = await transport.ensure(fpr, ocloud, { force: this.forceApply.delete(key) });
    await observe(observation);
    switch (observation.kind) {
      case "disconnected":
        // Refused credentials or an unusable OCloud do not heal by retrying: the Secret's watch or the re-check.
        if (observation.failure.kind === "unauthorized" || observation.failure.kind === "misconfigured")
          return { requeueAfterMs: RECHECK_MS };
        throw new Error(observation.failure.message); // unreachable: the work queue retries with backoff
      case "conflict":
        return { requeueAfterMs: RECHECK_MS };
      default:
        return requeueAfterMs === undefined ? {} : { requeueAfterMs };
    }
  }

  /**
   * From the informer, or our own last write where the informer has not delivered it yet (no GET per pass); a
   * shallow copy, as the status writer updates status and resourceVersion of what it is given.
   */
  private async read(key: string, namespace: string, name: string): Promise<FPRObject | undefined> {
    if (!this.refs.request) return this.local.find<FPRObject>(R.FocomProvisioningRequest, name, namespace);
    const read = this.ownWrites.latest(key, this.refs.request(namespace, name));
    return read && { ...read, metadata: { ...read.metadata } };
  }
}
