/**
 * Event-driven status over O2 IMS REST: one subscription per O-Cloud to its ProvisioningRequest state
 * notifications (POST /o2ims-infrastructureProvisioning/v1/subscriptions), whose callback is the module's own
 * endpoint with a fresh unguessable token (capabilities/focom/callbacks.ts). Without a callback URL, or when the
 * O-Cloud refuses the subscription (its callback allow-list, its RBAC), FOCOM polls; the result is what the OCloud's
 * StatusDelivery condition says.
 *
 * None is left behind on the O-Cloud: an OCloud deleted, or whose spec changed, has its subscription deleted with the
 * client it was made with (release; a new URL is another server); and whenever FOCOM subscribes on a server it first
 * deletes there every subscription of its own (its callback under this module's callback URL, a "focom/" consumer id)
 * that no current OCloud accounts for: an earlier run's (its token died with it) or an OCloud deleted while the module
 * was down. The controller subscribes for every REST OCloud at start, so this collection runs then. A subscription on
 * a server no current OCloud names any more cannot be reached (no URL, no token) and stays until its owner removes it.
 */
import type { OCloudObject } from "./cache";
import type { CallbackServer } from "./callbacks";
import type { O2imsClient, SubscriptionInfo } from "./o2ims-client";

export interface Delivery {
  mode: "notifications" | "polling";
  message: string;
  /** The subscription on the O-Cloud (notifications). */
  subscriptionId?: string;
}

/** The consumerSubscriptionId FOCOM gives an OCloud's subscription: whose it is, and which incarnation (uid). */
export const consumerOf = (ocloud: OCloudObject) =>
  `focom/${ocloud.metadata.namespace}/${ocloud.metadata.name}/${ocloud.metadata.uid ?? ""}`;

/** A refused subscription is tried again after this long (meanwhile: polling). */
export const RESUBSCRIBE_MS = 60_000;

interface Entry {
  client: O2imsClient;
  delivery: Promise<Delivery>;
  since: number;
}

export const POLLING_UNCONFIGURED: Delivery = {
  mode: "polling",
  message: "no callback URL is configured for the module (OCP_FOCOM_CALLBACK_URL); FOCOM polls the O-Cloud",
};

export class RestSubscriptions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly callbacks: CallbackServer | undefined,
    /** Whether a consumerSubscriptionId is that of an OCloud the module knows now (consumerOf); others are collected. */
    private readonly isCurrent: (consumer: string) => boolean = () => false,
  ) {}

  /** How status of this O-Cloud's requests arrives; subscribes when it can (once per client, retried when refused). */
  async ensure(ocloud: OCloudObject, client: O2imsClient): Promise<Delivery> {
    if (!this.callbacks) return POLLING_UNCONFIGURED;
    const key = `${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    const existing = this.entries.get(key);
    if (existing?.client === client) {
      const d = await existing.delivery;
      if (d.mode === "notifications" || Date.now() - existing.since < RESUBSCRIBE_MS) return d;
    }
    const entry: Entry = { client, delivery: this.subscribe(key, ocloud, client, this.callbacks), since: Date.now() };
    this.entries.set(key, entry);
    return entry.delivery;
  }

  /**
   * The OCloud changed or is gone: its token stops being accepted, and its subscription is deleted on the O-Cloud it
   * was made on (best effort: an unreachable O-Cloud keeps it, and its notifications meet a 404); the next ensure
   * subscribes afresh.
   */
  async release(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.callbacks?.unregister(key);
    const id = entry && (await entry.delivery).subscriptionId;
    if (entry && id) await entry.client.deleteSubscription(id).catch(() => undefined);
  }

  private async subscribe(key: string, ocloud: OCloudObject, client: O2imsClient, callbacks: CallbackServer): Promise<Delivery> {
    const consumer = consumerOf(ocloud);
    try {
      for (const s of await client.listSubscriptions())
        if (isStale(s, consumer, callbacks, this.isCurrent)) await client.deleteSubscription(s.subscriptionId);
      const sub = await client.createSubscription({ callback: callbacks.register(key), consumerSubscriptionId: consumer });
      return {
        mode: "notifications",
        message: `subscribed to the O-Cloud's ProvisioningRequest state notifications (subscription ${sub.subscriptionId})`,
        subscriptionId: sub.subscriptionId,
      };
    } catch (e) {
      callbacks.unregister(key);
      // The server's problem detail or the network error: neither holds the token nor the callback URL's token.
      const why = (e instanceof Error ? e.message : String(e)).replace(/[0-9a-f]{64}/g, "<token>").slice(0, 300);
      return {
        mode: "polling",
        message: `the O-Cloud refused or failed the notification subscription (${why}); FOCOM polls, and tries again in ${RESUBSCRIBE_MS / 1000}s`,
      };
    }
  }
}

/**
 * Whether a subscription on the server is one of ours to delete before subscribing: this OCloud's from an earlier run,
 * or one of this module's (callback under its URL, "focom/" consumer) that no current OCloud accounts for. Another
 * SMO's subscriptions have another callback URL and are never touched.
 */
export function isStale(
  s: SubscriptionInfo,
  consumer: string,
  callbacks: Pick<CallbackServer, "owns">,
  isCurrent: (consumer: string) => boolean,
): boolean {
  if (s.consumerSubscriptionId === consumer) return true;
  if (!callbacks.owns(s.callback) || !s.consumerSubscriptionId?.startsWith("focom/")) return false;
  return !isCurrent(s.consumerSubscriptionId);
}
