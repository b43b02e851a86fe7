/**
 * The REST transport, for OClouds with spec.o2ims: the mirror is a request of the O-Cloud's O2 IMS provisioning API
 * (/o2ims-infrastructureProvisioning/v1/provisioningRequests/{id}, id = the FPR's uid; rest-mapping.ts). Level-based:
 * every pass GETs the request, PUTs it when it differs from what FOCOM would send, POSTs it when missing. Status is
 * event-driven when the O-Cloud notifies the module (rest-subscriptions.ts: a notification re-queues the request,
 * and a slow poll remains as a safety net); otherwise a pass asks to be re-run after the poll interval (longer once
 * fulfilled or failed). What it sees about the O-Cloud itself goes to the OCloud's status (ocloud-status.ts).
 */
import { randomUUID } from "node:crypto";
import { remoteDenialMessage, remoteReasons } from "./admission";
import type { FPRObject, OCloudObject } from "./cache";
import { classifyFailure, RemoteFailure } from "./errors";
import { O2imsError, type O2imsClient, type ProvisioningRequestInfo } from "./o2ims-client";
import type { OCloudReport } from "./ocloud-status";
import type { RestConnections } from "./rest-connections";
import { dataOf, isSettled, needsUpdate, remoteOf, restRefOf } from "./rest-mapping";
import { Delivery, POLLING_UNCONFIGURED } from "./rest-subscriptions";
import type { Ensured, OCloudTransport, Removal } from "./transport";

export interface RestTransportOptions {
  connections: RestConnections;
  /** The poll interval while a request is in progress (ms); settled requests are polled 10 times less often. */
  pollMs: number;
  /** The OCloud's connection status (capabilities/focom/ocloud-status.ts); absent: not reported (admission). */
  report?(ocloud: OCloudObject, report: OCloudReport): Promise<void>;
  /** Notification subscriptions (rest-subscriptions.ts); absent: polling. */
  subscriptions?: {
    ensure(ocloud: OCloudObject, client: O2imsClient): Promise<Delivery>;
    release(namespace: string, name: string): Promise<void>;
  };
}

const SETTLED_FACTOR = 10;
/** With notifications, the safety-net poll: a notification lost beyond the server's retries is noticed within it. */
export const NOTIFIED_POLL_MS = 15_000;

/** A request id no FocomProvisioningRequest has (uids are random UUIDs): what prepare reads to check the connection. */
const PROBE_ID = "00000000-0000-0000-0000-000000000000";

export class RestTransport implements OCloudTransport {
  /** The generation of each request (by uid) last written to its O-Cloud by this process: a new one is PUT. */
  private readonly sent = new Map<string, number>();

  constructor(private readonly opts: RestTransportOptions) {}

  refOf(fpr: FPRObject) {
    return restRefOf(fpr);
  }

  async ensure(fpr: FPRObject, ocloud: OCloudObject): Promise<Ensured> {
    const name = ocloud.metadata.name;
    const failed = async (failure: RemoteFailure): Promise<Ensured> => {
      await this.report(ocloud, { failure });
      return { observation: { kind: "disconnected", failure } };
    };
    let client: O2imsClient;
    let info: ProvisioningRequestInfo | undefined;
    const data = dataOf(fpr);
    try {
      client = await this.opts.connections.connect(ocloud);
      info = await client.get(data.provisioningRequestId);
    } catch (e) {
      return failed(classifyFailure(e, name, "read"));
    }
    const delivery = await this.delivery(ocloud, client);
    await this.report(ocloud, { delivery });

    const generation = fpr.metadata.generation ?? 0;
    const id = data.provisioningRequestId;
    const changed = !info || needsUpdate(info, data) || (this.sent.has(id) && this.sent.get(id) !== generation);
    // A request being deleted on the O-Cloud (by someone there) cannot be revived; it is created again once gone.
    if (changed && info?.status?.provisioningPhase !== "DELETING") {
      try {
        info = info ? await client.update(data) : await client.create(data);
        this.sent.set(id, generation);
      } catch (e) {
        const failure = classifyFailure(e, name, "write");
        if (failure.kind !== "rejected") return failed(failure);
        const message = failure.message.replace(/\): (.*)$/s, (_, said: string) => `): ${remoteReasons(said)}`);
        return { observation: { kind: "rejected", message, remote: info && remoteOf(info) } };
      }
    }
    const requeueAfterMs =
      delivery.mode === "notifications"
        ? NOTIFIED_POLL_MS
        : isSettled(info)
          ? this.opts.pollMs * SETTLED_FACTOR
          : this.opts.pollMs;
    return { observation: { kind: "mirrored", remote: info && remoteOf(info) }, requeueAfterMs };
  }

  /** DELETE the request, then wait (polled, or notified) until the O-Cloud answers 404. */
  async remove(fpr: FPRObject, ocloud: OCloudObject): Promise<Removal> {
    const ref = restRefOf(fpr);
    const label = `${ref.namespace}/${ref.name}`;
    const name = ocloud.metadata.name;
    let info: ProvisioningRequestInfo | undefined;
    let delivery: Delivery;
    try {
      const client = await this.opts.connections.connect(ocloud);
      delivery = await this.delivery(ocloud, client);
      info = await client.get(ref.name);
      if (info && info.status?.provisioningPhase !== "DELETING") {
        await client.delete(ref.name);
        info = await client.get(ref.name);
      }
    } catch (e) {
      const failure = classifyFailure(e, name, "delete");
      await this.report(ocloud, { failure });
      return { state: "failed", failure };
    }
    await this.report(ocloud, { delivery });
    if (info) {
      const detail = info.status?.message;
      return {
        state: "waiting",
        remote: remoteOf(info),
        message: `waiting for O-Cloud ${name} to delete ProvisioningRequest ${label}${detail ? `: ${detail}` : ""}`,
        requeueAfterMs: delivery.mode === "notifications" ? NOTIFIED_POLL_MS : this.opts.pollMs,
      };
    }
    this.sent.delete(ref.name);
    return { state: "gone", message: `ProvisioningRequest ${label} is gone from O-Cloud ${name}; releasing` };
  }

  /** The dryRun=All extension of the O2 IMS provisioning API (o2ims-api/openapi/provisioning.yaml). */
  async dryRun(fpr: FPRObject, ocloud: OCloudObject, operation: "CREATE" | "UPDATE"): Promise<void> {
    const client = await this.opts.connections.connect(ocloud);
    // The API server gives the object its uid before calling admission; a stand-in keeps the id valid if not.
    if (operation === "CREATE")
      await client.create({ ...dataOf(fpr), provisioningRequestId: fpr.metadata.uid || randomUUID() }, true);
    else await client.update(dataOf(fpr), true);
  }

  /** Refused for the request's own sake (400/422, or a webhook's 403), not the O-Cloud failing or our token. */
  denialOf(e: unknown, fpr: FPRObject, ocloud: OCloudObject): string | undefined {
    const denial =
      e instanceof O2imsError && ([400, 422].includes(e.status) || (e.status === 403 && /admission webhook/.test(e.message)));
    return denial ? remoteDenialMessage(ocloud.metadata.name, restRefOf(fpr), e) : undefined;
  }

  /**
   * What the OCloud's status says before (or without) any request: whether the O-Cloud answers and takes the token
   * (a GET of an id no request has: 404 = reachable and allowed), and the notification subscription (which also
   * collects stale subscriptions of ours there). Called when the OCloud or its token Secret appears or changes.
   */
  async prepare(ocloud: OCloudObject): Promise<void> {
    try {
      const client = await this.opts.connections.connect(ocloud);
      await client.get(PROBE_ID);
      await this.report(ocloud, { delivery: await this.delivery(ocloud, client) });
    } catch (e) {
      await this.report(ocloud, { failure: classifyFailure(e, ocloud.metadata.name, "read") });
    }
  }

  /**
   * Drops the OCloud's client at once (the next pass connects as the OCloud now says), deletes its subscription on
   * the O-Cloud with the client it was made with, then closes that client.
   */
  async forget(namespace: string, name: string): Promise<void> {
    const client = this.opts.connections.detach(namespace, name);
    try {
      await this.opts.subscriptions?.release(namespace, name);
    } finally {
      client?.close();
    }
  }

  private delivery(ocloud: OCloudObject, client: O2imsClient): Promise<Delivery> {
    return this.opts.subscriptions ? this.opts.subscriptions.ensure(ocloud, client) : Promise.resolve(POLLING_UNCONFIGURED);
  }

  private async report(ocloud: OCloudObject, report: OCloudReport): Promise<void> {
    await this.opts.report?.(ocloud, report);
  }
}
