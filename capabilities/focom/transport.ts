/**
 * How FOCOM reaches an O-Cloud: one interface, two implementations, chosen by what the OCloud declares.
 *
 * - local: no secretRef, no o2ims: this cluster, through the module's own client       (kube-transport.ts)
 * - kubeconfig: spec.secretRef (seed 002): the O-Cloud's API server with that kubeconfig (kube-transport.ts)
 * - rest: spec.o2ims: the O-Cloud's O2 IMS REST API with a bearer token; no kubeconfig   (rest-transport.ts)
 *
 * The reconciler, deletion and admission's dry run use only this interface. A transport reports what it saw as the
 * observations of capabilities/focom/status.ts and never writes the request's status itself, so phases, conditions,
 * Events and the retry policy (reconciler.ts, deletion.ts) are the same whatever the transport.
 */
import type { OCloudObject, FPRObject } from "./cache";
import type { RemoteFailure } from "./errors";
import type { RemoteRef, RemoteRequest } from "./remote";
import type { Observation } from "./status";

export type TransportKind = "local" | "kubeconfig" | "rest";

export const transportOf = (ocloud: OCloudObject): TransportKind =>
  ocloud.spec?.o2ims ? "rest" : ocloud.spec?.secretRef ? "kubeconfig" : "local";

/** What one pass of ensure saw: the O-Cloud failed, a foreign request holds the name, a write was refused, or it is mirrored. */
export type EnsureObservation = Extract<Observation, { kind: "disconnected" | "conflict" | "rejected" | "mirrored" }>;

export interface Ensured {
  observation: EnsureObservation;
  /** When the transport needs the request looked at again (polling); undefined: its own events will say. */
  requeueAfterMs?: number;
}

/** What one pass of remove saw. */
export type Removal =
  /** Nothing of the request's is left on the O-Cloud (or what is there belongs to someone else): release. */
  | { state: "gone"; message: string }
  /** The O-Cloud is deleting it (its cluster first). */
  | { state: "waiting"; remote: RemoteRequest; message: string; requeueAfterMs: number }
  /** The O-Cloud could not be asked, or refused the delete. */
  | { state: "failed"; failure: RemoteFailure };

export interface OCloudTransport {
  /** Where the request's mirror lives on the O-Cloud: status.remoteName and every message name it. */
  refOf(fpr: FPRObject): RemoteRef;
  /**
   * Makes the O-Cloud's request what the FocomProvisioningRequest says: reads it, creates or updates it when it is
   * missing or differs (force: re-send even if it looks current, the periodic resync), and reports what it saw.
   */
  ensure(fpr: FPRObject, ocloud: OCloudObject, opts?: { force?: boolean }): Promise<Ensured>;
  /** Starts the deletion of the request's mirror if it has not started, and says whether it is gone. */
  remove(fpr: FPRObject, ocloud: OCloudObject): Promise<Removal>;
  /** The O-Cloud's judgement of the mirror (a server-side dry run): resolves when it would accept it. */
  dryRun(fpr: FPRObject, ocloud: OCloudObject, operation: "CREATE" | "UPDATE"): Promise<void>;
  /** The denial, in the O-Cloud's words, when a dry run failed because the O-Cloud refused the request itself. */
  denialOf(e: unknown, fpr: FPRObject, ocloud: OCloudObject): string | undefined;
  /** Starts what the OCloud needs before any request (REST: the notification subscription); best effort. */
  prepare(ocloud: OCloudObject): Promise<void>;
  /** The OCloud changed or is gone: undo and drop what was built for it (connections, watches, subscriptions). */
  forget(namespace: string, name: string): Promise<void>;
}

/** The transport of each OCloud (kubeconfig and local share one implementation). */
export class Transports {
  constructor(
    readonly kube: OCloudTransport,
    readonly rest: OCloudTransport,
  ) {}

  /** Without an OCloud (it was deleted), the kubeconfig transport's naming is used for messages. */
  for(ocloud: OCloudObject | undefined): OCloudTransport {
    return ocloud && transportOf(ocloud) === "rest" ? this.rest : this.kube;
  }

  async forget(namespace: string, name: string): Promise<void> {
    await Promise.all([this.kube.forget(namespace, name), this.rest.forget(namespace, name)]);
  }
}
