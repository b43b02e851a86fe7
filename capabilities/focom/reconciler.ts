/**
 * Reconciles one FocomProvisioningRequest: check its references -> connect to its O-Cloud -> server-side apply the
 * ProvisioningRequest there (never over someone else's) -> mirror the remote status. Level-based: it re-reads the
 * request and the remote every time, so missed events, restarts and retries converge on the same result.
 */
import { FOCOM_REQUEST_ANNOTATION } from "../../api/vocabulary";
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
import { classifyFailure, RemoteFailure } from "./errors";
import type { OCloudConnections } from "./oclouds";
import type { RemoteCache } from "./remote-cache";
import { desiredRemote, isOwnedBy, needsApply, RemoteRequest, remoteRefOf } from "./remote";
import { reconcileOverRest, RestContext } from "./rest-reconcile";
import { restRefOf, transportOf } from "./transport";
import type { Observation } from "./status";
import { StatusWriter } from "./status-writer";

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
  /** The REST transport, for OClouds with spec.o2ims (capabilities/focom/rest-reconcile.ts). */
  rest?: Omit<RestContext, "observe">;
}

/** Re-check of a name conflict or a refused write: both are resolved on the O-Cloud, where no event of ours fires. */
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
    private readonly connections: OCloudConnections,
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
    const ref = remoteRefOf(fpr);
    const ocloudName = spec.oCloudId ?? "";
    const ocloud = spec.oCloudId ? await this.refs.ocloud(namespace, spec.oCloudId) : undefined;
    const rest = ocloud && transportOf(ocloud) === "rest" ? this.opts.rest : undefined;
    const shownRef = rest ? restRefOf(fpr) : ref;
    const observe = (observation: Observation) => this.status.observe(fpr, { observation, ocloud: ocloudName, remote: shownRef });

    if (fpr.metadata.deletionTimestamp) {
      return deleteRequest(fpr, {
        local: this.local,
        connections: this.connections,
        ocloud,
        observe,
        releaseAfterSeconds: this.opts.unreachableReleaseSeconds,
        rest: rest && { ...rest, observe },
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
    const violations = checkParameters(spec.templateParameters ?? {}, resolved.templateInfo, { namespace: ref.namespace });
    if (violations.length > 0) {
      await observe({ kind: "invalid", reason: "InvalidParameters", message: violations.map(v => v.message).join("; ") });
      return {};
    }

    if (rest) return reconcileOverRest(fpr, ocloud, { ...rest, observe });

    const disconnected = async (failure: RemoteFailure): Promise<never> => {
      await observe({ kind: "disconnected", failure });
      throw new Error(failure.message); // the work queue retries with backoff
    };
    let client: KubeClient;
    let remotes: RemoteCache | undefined;
    let remote: RemoteRequest | undefined;
    try {
      ({ client, remotes } = await this.connections.connect(ocloud));
      // From the connection's watch while it is synced; else read live (which also finds the O-Cloud unreachable).
      const cached = remotes?.lookup(ref.namespace, ref.name);
      remote = cached ? cached.remote : await client.find<RemoteRequest>(R.ProvisioningRequest, ref.name, ref.namespace);
    } catch (e) {
      return disconnected(classifyFailure(e, ocloudName, "read"));
    }

    if (remote && !isOwnedBy(remote, fpr)) {
      await observe({ kind: "conflict", owner: remote.metadata.annotations?.[FOCOM_REQUEST_ANNOTATION] });
      return { requeueAfterMs: RECHECK_MS };
    }

    const desired = desiredRemote(fpr, ocloud);
    const mustApply = !remote || this.forceApply.delete(key) || needsApply(remote, desired);
    // A remote being deleted (by hand on the O-Cloud) cannot be revived; it is created again once gone.
    if (mustApply && !remote?.metadata.deletionTimestamp) {
      try {
        remote = await client.apply<RemoteRequest>(R.ProvisioningRequest, desired);
        remotes?.record(remote);
      } catch (e) {
        const failure = classifyFailure(e, ocloudName, "write");
        if (failure.kind !== "rejected") return disconnected(failure);
        await observe({ kind: "rejected", message: failure.message, remote });
        return { requeueAfterMs: RECHECK_MS };
      }
    }
    await observe({ kind: "mirrored", remote });
    return {};
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
