/**
 * Event-driven status over O2 IMS REST: one subscription per O-Cloud to its ProvisioningRequest state
 * notifications (POST /o2ims-infrastructureProvisioning/v1/subscriptions), whose callback is the module's own
 * endpoint with a fresh unguessable token (capabilities/focom/callbacks.ts). Without a callback URL, or when the
 * O-Cloud refuses the subscription (its callback allow-list, its RBAC), FOCOM polls; the result is what the OCloud's
 * StatusDelivery condition says. A subscription FOCOM made earlier (same consumerSubscriptionId: an earlier run, whose
 * token died with it) is deleted before the new one is made, so restarts leave none behind.
 */
import type { OCloudObject } from "./cache";
import type { CallbackServer } from "./callbacks";
import type { O2imsClient } from "./o2ims-client";

export interface Delivery {
  mode: "notifications" | "polling";
  message: string;
}

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

  constructor(private readonly callbacks: CallbackServer | undefined) {}

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

  /** The OCloud changed or is gone: its token stops being accepted; the next ensure subscribes afresh. */
  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.entries.delete(key);
    this.callbacks?.unregister(key);
  }

  private async subscribe(key: string, ocloud: OCloudObject, client: O2imsClient, callbacks: CallbackServer): Promise<Delivery> {
    const consumer = `focom/${key}/${ocloud.metadata.uid ?? ""}`;
    try {
      for (const s of await client.listSubscriptions())
        if (s.consumerSubscriptionId === consumer) await client.deleteSubscription(s.subscriptionId);
      const sub = await client.createSubscription({ callback: callbacks.register(key), consumerSubscriptionId: consumer });
      return {
        mode: "notifications",
        message: `subscribed to the O-Cloud's ProvisioningRequest state notifications (subscription ${sub.subscriptionId})`,
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
