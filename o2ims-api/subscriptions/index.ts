/**
 * Beyond the O2 IMS spec (which makes an SMO poll provisioning state): subscriptions to ProvisioningRequest changes,
 * /o2ims-infrastructureProvisioning/v1/subscriptions (document: o2ims-api/openapi/provisioning-subscriptions.yaml).
 * An informer on the ProvisioningRequests of the served namespace sees each status write as the module makes it, and
 * every change of a request's REST view (o2ims-api/provisioning/mapper.ts toInfo, updateTime aside) is POSTed to
 * the subscriptions that select it, carrying the provisioningRequestId and the new status.
 */
import path from "node:path";
import type { KubeClient } from "../../kube/client";
import { Informer } from "../../kube/informer";
import { R } from "../../kube/resources";
import type { Service, ServiceContext } from "../contract";
import { PrObject, ProvisioningRequestInfo, toInfo } from "../provisioning/mapper";
import type { Sender } from "./delivery";
import { changeType } from "./events";
import { SubscriptionHub } from "./hub";
import { readSubscriptionSettings, SubscriptionSettings } from "./settings";

export const PROVISIONING_SUBSCRIPTIONS_ROOT = "/o2ims-infrastructureProvisioning/v1/subscriptions";
export const PROVISIONING_SUBSCRIPTIONS_DOCUMENT = path.join(__dirname, "../openapi/provisioning-subscriptions.yaml");

export interface SubscriptionServiceOptions {
  subscriptions?: SubscriptionSettings;
  sender?: Sender;
}

/** The view compared between two states: updateTime moves on every status write, which alone is no news. */
const comparable = (info: ProvisioningRequestInfo) => ({ ...info, status: { ...info.status, updateTime: "" } });

/** Watches the served namespace's ProvisioningRequests and publishes each change of their REST view. */
export class ProvisioningWatch {
  private readonly informer: Informer<PrObject>;
  private readonly views = new Map<string, ProvisioningRequestInfo>();
  private ready = false;

  constructor(
    client: KubeClient,
    namespace: string,
    private readonly hub: SubscriptionHub,
  ) {
    this.informer = new Informer<PrObject>(client, R.ProvisioningRequest, { namespace });
    this.informer.onChange((phase, pr) => {
      const id = pr.metadata.name;
      const prior = this.views.get(id);
      const post = phase === "DELETED" ? undefined : toInfo(pr);
      if (post) this.views.set(id, post);
      else this.views.delete(id);
      if (!this.ready) return;
      if (changeType(prior && comparable(prior), post && comparable(post)) === undefined) return;
      this.hub.publish(
        {
          objectType: "provisioningRequest",
          objectRef: `/o2ims-infrastructureProvisioning/v1/provisioningRequests/${encodeURIComponent(id)}`,
          prior,
          post,
        },
        body => ({ ...body, provisioningRequestId: id, ...(post ? { status: post.status } : {}) }),
      );
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.ready = true;
  }

  stop(): void {
    this.informer.stop();
  }
}

export function createSubscriptionService(
  ctx: ServiceContext,
  opts: SubscriptionServiceOptions = {},
): Service & { hub: SubscriptionHub } {
  const settings = opts.subscriptions ?? readSubscriptionSettings();
  const hub = new SubscriptionHub(ctx, "provisioning", settings, opts.sender);
  const watch = new ProvisioningWatch(ctx.client, ctx.namespace, hub);
  const ops = hub.operations(id => `${PROVISIONING_SUBSCRIPTIONS_ROOT}/${id}`);
  return {
    name: "provisioning-subscriptions",
    document: PROVISIONING_SUBSCRIPTIONS_DOCUMENT,
    operations: {
      listProvisioningSubscriptions: ops.list,
      createProvisioningSubscription: ops.create,
      getProvisioningSubscription: ops.get,
      deleteProvisioningSubscription: ops.delete,
    },
    hub,
    async start() {
      await Promise.all([hub.start(), watch.start()]);
      ctx.log.info("provisioning subscription service started", { subscriptions: hub.store.list().length });
    },
    async stop() {
      hub.stop();
      watch.stop();
    },
  };
}
