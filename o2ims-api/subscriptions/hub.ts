/**
 * One API's subscriptions end to end: the durable store (CRs), the REST operations on it, and the delivery of the
 * notifications its changes make. The inventory service and the provisioning-subscription service each own one.
 */
import { O2IMS_GROUP, R } from "../../kube/resources";
import { Access, ApiRequest, Operation, Problem, ServiceContext } from "../contract";
import { fromKubeError, problem } from "../problem";
import { applyListQuery, parseListQuery } from "../query";
import { Deliverer, httpSender, Sender } from "./delivery";
import { Change, notificationsFor } from "./events";
import type { SubscriptionSettings } from "./settings";
import { NewSubscription, SubscriptionApi, SubscriptionStore } from "./store";

export interface SubscriptionOperations {
  list: Operation;
  create: Operation;
  get: Operation;
  delete: Operation;
}

export class SubscriptionHub {
  readonly store: SubscriptionStore;
  readonly deliverer: Deliverer;

  constructor(
    private readonly ctx: ServiceContext,
    readonly api: SubscriptionApi,
    private readonly settings: SubscriptionSettings,
    sender: Sender = httpSender(settings.retry.timeoutMs),
  ) {
    this.store = new SubscriptionStore(ctx.client, ctx.ownNamespace, api, settings.callbacks);
    const health = (id: string, ok: boolean, message: string) =>
      this.store
        .setHealth(id, ok, message)
        .catch(e => ctx.log.warn("subscription status not written", { subscriptionId: id, error: String(e) }));
    this.deliverer = new Deliverer(sender, settings.retry, {
      delivered: (id, _body, attempts) =>
        void health(id, true, attempts > 1 ? `delivered after ${attempts} attempts` : "delivered"),
      failed: (id, error, attempt, dropped) => {
        // The callback URL is the consumer's; it was allowed at subscription time and carries no credential.
        ctx.log.warn(dropped ? "notification dropped" : "notification delivery failed; will retry", {
          api,
          subscriptionId: id,
          attempt,
          error: error.message,
        });
        void health(id, false, `${dropped ? "dropped a notification" : `attempt ${attempt} failed`}: ${error.message}`);
      },
    });
    this.store.onRemoved(id => this.deliverer.remove(id));
  }

  start(): Promise<void> {
    return this.store.start();
  }

  stop(): void {
    this.deliverer.stop();
    this.store.stop();
  }

  /** Queues the notifications of one change for every subscription whose filter selects it. */
  publish(change: Change, decorate: (body: object) => object = b => b): number {
    const out = notificationsFor(change, this.store.infos(), this.settings.serviceUri);
    for (const { sub, body } of out) this.deliverer.enqueue(sub.subscriptionId, sub.callback, decorate(body));
    return out.length;
  }

  /** The REST operations on this API's subscriptions; location(id) is the URI path of one. */
  operations(location: (id: string) => string): SubscriptionOperations {
    const { ownNamespace } = this.ctx;
    const access =
      (verb: string, named: boolean) =>
      (req: ApiRequest): Access[] => [
        {
          group: O2IMS_GROUP,
          resource: R.O2imsSubscription.plural,
          verb,
          namespace: ownNamespace,
          ...(named ? { name: req.params.subscriptionId } : {}),
        },
      ];
    const notFound = (id: string) => problem(404, `subscription ${id} does not exist`);
    return {
      list: {
        access: access("list", false),
        handle: async req => ({ status: 200, body: applyListQuery(this.store.list(), parseListQuery(req.query)) }),
      },
      create: {
        access: access("create", false),
        handle: async req => {
          try {
            const view = await this.store.create(req.body as NewSubscription);
            return { status: 201, headers: { Location: location(view.subscriptionId) }, body: view };
          } catch (e) {
            if (e instanceof Problem) throw e;
            throw fromKubeError(e, "subscription");
          }
        },
      },
      get: {
        access: access("get", true),
        handle: async req => {
          const view = this.store.get(req.params.subscriptionId);
          if (!view) throw notFound(req.params.subscriptionId);
          return { status: 200, body: view };
        },
      },
      delete: {
        access: access("delete", true),
        handle: async req => {
          const id = req.params.subscriptionId;
          let gone: boolean;
          try {
            gone = await this.store.delete(id);
          } catch (e) {
            throw fromKubeError(e, `subscription ${id}`);
          }
          if (!gone) throw notFound(id);
          return { status: 200 };
        },
      },
    };
  }
}
