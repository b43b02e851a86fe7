/**
 * Subscriptions kept durably as O2imsSubscription CRs in the server's own namespace (one CR per subscription, named by
 * its subscriptionId, labelled with its API), read through an informer: a restarted server lists them again and loses
 * none, and several replicas would see the same set.
 */
import { randomUUID } from "node:crypto";
import type { O2imsSubscriptionSpec, O2imsSubscriptionStatus } from "../../api/generated/types";
import { O2IMS_SUBSCRIPTION_API_LABEL, O2IMS_SUBSCRIPTION_CONDITION, O2IMS_SUBSCRIPTION_REASONS } from "../../api/vocabulary";
import type { KubeClient } from "../../kube/client";
import { Informer } from "../../kube/informer";
import { R } from "../../kube/resources";
import type { KubeObject } from "../../kube/types";
import { Problem } from "../contract";
import { parseFilter } from "../query";
import { CallbackPolicy, callbackRefusal } from "./callback-url";
import type { SubscriptionInfo } from "./events";

export type SubscriptionApi = O2imsSubscriptionSpec["api"];

export interface SubscriptionCR extends KubeObject {
  spec: O2imsSubscriptionSpec;
  status?: O2imsSubscriptionStatus;
}

/** The O2 IMS Subscription as the API answers it. */
export interface SubscriptionView {
  subscriptionId: string;
  callback: string;
  consumerSubscriptionId?: string;
  filter?: string;
}

export interface NewSubscription {
  callback: string;
  consumerSubscriptionId?: string;
  filter?: string;
}

export const toView = (cr: SubscriptionCR): SubscriptionView => ({
  subscriptionId: cr.metadata.name,
  callback: cr.spec.callback,
  ...(cr.spec.consumerSubscriptionId ? { consumerSubscriptionId: cr.spec.consumerSubscriptionId } : {}),
  ...(cr.spec.filter ? { filter: cr.spec.filter } : {}),
});

const badField = (param: string, reason: string) =>
  new Problem(400, "Bad Request", `${param}: ${reason}`, { invalidParams: [{ param, reason }] });

/** Validates a new subscription (callback against the policy, filter against the grammar); throws a 400 naming the field. */
export function checkNewSubscription(s: NewSubscription, policy: CallbackPolicy): void {
  const refusal = callbackRefusal(s.callback, policy);
  if (refusal) throw badField("callback", refusal);
  if (s.filter !== undefined && s.filter !== "") {
    try {
      parseFilter(s.filter);
    } catch (e) {
      throw badField("filter", e instanceof Problem ? e.detail.replace(/^query parameter filter: /, "") : String(e));
    }
  }
}

export class SubscriptionStore {
  private readonly informer: Informer<SubscriptionCR>;
  /** Made or deleted by this process but not yet seen by the informer: a change right after the answer is not missed. */
  private readonly created = new Map<string, SubscriptionCR>();
  private readonly deleted = new Set<string>();
  private readonly parsed = new Map<string, { rv: string; info: SubscriptionInfo }>();
  private readonly health = new Map<string, boolean>();
  private readonly removedListeners: ((id: string) => void)[] = [];

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    readonly api: SubscriptionApi,
    private readonly policy: CallbackPolicy,
  ) {
    this.informer = new Informer<SubscriptionCR>(client, R.O2imsSubscription, {
      namespace,
      labelSelector: `${O2IMS_SUBSCRIPTION_API_LABEL}=${api}`,
    });
    this.informer.onChange((phase, cr) => {
      const id = cr.metadata.name;
      this.created.delete(id);
      if (phase === "DELETED") {
        this.deleted.delete(id);
        this.parsed.delete(id);
        this.health.delete(id);
        for (const l of this.removedListeners) l(id);
      }
    });
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  /** Called with the id of every subscription that is gone (deleted here or elsewhere). */
  onRemoved(listener: (id: string) => void): void {
    this.removedListeners.push(listener);
  }

  private all(): SubscriptionCR[] {
    const out = this.informer.list(cr => !this.deleted.has(cr.metadata.name));
    for (const [id, cr] of this.created) if (!this.informer.get(id, this.namespace)) out.push(cr);
    return out;
  }

  list(): SubscriptionView[] {
    return this.all()
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map(toView);
  }

  get(id: string): SubscriptionView | undefined {
    if (this.deleted.has(id)) return undefined;
    const cr = this.informer.get(id, this.namespace) ?? this.created.get(id);
    return cr && toView(cr);
  }

  /** Every live subscription with its filter parsed (cached per resourceVersion). */
  infos(): SubscriptionInfo[] {
    return this.all().map(cr => {
      const id = cr.metadata.name;
      const rv = cr.metadata.resourceVersion ?? "";
      const hit = this.parsed.get(id);
      if (hit && hit.rv === rv) return hit.info;
      const info: SubscriptionInfo = {
        subscriptionId: id,
        callback: cr.spec.callback,
        consumerSubscriptionId: cr.spec.consumerSubscriptionId,
        // Checked when made; a CR edited by hand into a bad filter selects nothing rather than everything.
        filter: cr.spec.filter ? safeFilter(cr.spec.filter) : undefined,
      };
      this.parsed.set(id, { rv, info });
      return info;
    });
  }

  async create(s: NewSubscription): Promise<SubscriptionView> {
    checkNewSubscription(s, this.policy);
    const id = randomUUID();
    const spec: O2imsSubscriptionSpec = { api: this.api, callback: s.callback };
    if (s.consumerSubscriptionId) spec.consumerSubscriptionId = s.consumerSubscriptionId;
    if (s.filter) spec.filter = s.filter;
    const cr = await this.client.create<SubscriptionCR>(R.O2imsSubscription, {
      metadata: { name: id, namespace: this.namespace, labels: { [O2IMS_SUBSCRIPTION_API_LABEL]: this.api } },
      spec,
    });
    if (!this.informer.get(id, this.namespace)) this.created.set(id, cr);
    return toView(cr);
  }

  /** Deletes a subscription; false when there is none with that id. */
  async delete(id: string): Promise<boolean> {
    if (!this.get(id)) return false;
    const gone = await this.client.delete(R.O2imsSubscription, id, this.namespace);
    this.created.delete(id);
    if (this.informer.get(id, this.namespace)) this.deleted.add(id);
    for (const l of this.removedListeners) l(id);
    return gone;
  }

  /** Records delivery health in the CR's Delivering condition, writing only when it flips. */
  async setHealth(id: string, ok: boolean, message: string): Promise<void> {
    const cr = this.informer.get(id, this.namespace);
    if (!cr) return;
    const known =
      this.health.get(id) ??
      (() => {
        const c = cr.status?.conditions?.find(x => x.type === O2IMS_SUBSCRIPTION_CONDITION);
        return c ? c.status === "True" : undefined;
      })();
    if (known === ok) return;
    this.health.set(id, ok);
    const condition = {
      type: O2IMS_SUBSCRIPTION_CONDITION,
      status: ok ? "True" : "False",
      reason: ok ? O2IMS_SUBSCRIPTION_REASONS.Delivered : O2IMS_SUBSCRIPTION_REASONS.DeliveryFailing,
      message,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    };
    await this.client.mergePatch(R.O2imsSubscription, id, this.namespace, { status: { conditions: [condition] } }, "status");
  }
}

function safeFilter(s: string) {
  try {
    return parseFilter(s);
  } catch {
    return [{ op: "in" as const, path: ["objectType"], values: [] }];
  }
}
