/**
 * The O2 IMS inventory service, /o2ims-infrastructureInventory/v1 (document: o2ims-api/openapi/inventory.yaml):
 * CloudInfo, resource types, resource pools (namespaces holding ByoHosts), resources (ByoHosts), deployment managers
 * (Cluster API Clusters) and inventory subscriptions. Reads are answered from the informers of InventoryView (one
 * list + watch per kind, started in start()), so a list of a thousand hosts costs no API call.
 * Each operation is authorised on the Kubernetes resource it shows: ByoHosts for pools and resources (namespaced
 * where a pool is named), Clusters for deployment managers, O2imsSubscriptions for subscriptions.
 */
import path from "node:path";
import { R } from "../../kube/resources";
import type { Access, ApiRequest, Operation, Service, ServiceContext } from "../contract";
import { problem } from "../problem";
import { applyListQuery, parseListQuery } from "../query";
import { SubscriptionHub } from "../subscriptions/hub";
import { readSubscriptionSettings, SubscriptionSettings } from "../subscriptions/settings";
import type { Sender } from "../subscriptions/delivery";
import { cloudInfo, INVENTORY_BASE, RESOURCE_TYPES } from "./mappers";
import { readInventorySettings } from "./settings";
import { InventoryView } from "./view";

export const INVENTORY_DOCUMENT = path.join(__dirname, "../openapi/inventory.yaml");

export interface InventoryOptions {
  /** Settings (default: from the environment). */
  subscriptions?: SubscriptionSettings;
  env?: NodeJS.ProcessEnv;
  /** How notifications are POSTed (default: HTTP; unit tests pass their own). */
  sender?: Sender;
}

export function createInventoryService(
  ctx: ServiceContext,
  opts: InventoryOptions = {},
): Service & { view: InventoryView; hub: SubscriptionHub } {
  const env = opts.env ?? process.env;
  const subSettings = opts.subscriptions ?? readSubscriptionSettings(env);
  const cloud = readInventorySettings(env);
  const view = new InventoryView(ctx.client);
  const hub = new SubscriptionHub(ctx, "inventory", subSettings, opts.sender);
  view.onChange(change => hub.publish(change));

  const host = (verb: string, namespace?: string, name?: string): Access => ({
    group: R.ByoHost.group,
    resource: R.ByoHost.plural,
    verb,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  });
  const cluster = (verb: string, namespace?: string, name?: string): Access => ({
    group: R.Cluster.group,
    resource: R.Cluster.plural,
    verb,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  });
  /** The namespace of a pool named in the path; an unknown pool is checked cluster-wide and then answered 404. */
  const poolNamespace = (req: ApiRequest) => view.pool(req.params.resourcePoolId)?.extensions.namespace;
  const list = (items: () => object[]) => async (req: ApiRequest) => ({
    status: 200,
    body: applyListQuery(items(), parseListQuery(req.query)),
  });
  const one = (what: string, id: string, item: object | undefined) => {
    if (!item) throw problem(404, `${what} ${id} does not exist`);
    return { status: 200, body: item };
  };

  const operations: Record<string, Operation> = {
    getCloudInfo: {
      access: () => [host("list")],
      handle: async () => ({
        status: 200,
        body: cloudInfo({
          oCloudId: view.oCloudId,
          globalCloudId: cloud.globalCloudId || view.oCloudId,
          name: cloud.name,
          description: cloud.description,
          serviceUri: subSettings.serviceUri || INVENTORY_BASE,
        }),
      }),
    },
    getResourceTypes: { access: () => [host("list")], handle: list(() => [...RESOURCE_TYPES]) },
    getResourceType: {
      access: () => [host("list")],
      handle: async req =>
        one(
          "resource type",
          req.params.resourceTypeId,
          RESOURCE_TYPES.find(t => t.resourceTypeId === req.params.resourceTypeId),
        ),
    },
    getResourcePools: { access: () => [host("list")], handle: list(() => view.listPools()) },
    getResourcePool: {
      access: req => [host("list", poolNamespace(req))],
      handle: async req => one("resource pool", req.params.resourcePoolId, view.pool(req.params.resourcePoolId)),
    },
    getResources: {
      access: req => [host("list", poolNamespace(req))],
      handle: async req => {
        const items = view.listResources(req.params.resourcePoolId);
        if (!items) throw problem(404, `resource pool ${req.params.resourcePoolId} does not exist`);
        return { status: 200, body: applyListQuery(items, parseListQuery(req.query)) };
      },
    },
    getResource: {
      access: req => {
        const r = view.resource(req.params.resourcePoolId, req.params.resourceId);
        return [r ? host("get", r.extensions.namespace, r.extensions.name) : host("list", poolNamespace(req))];
      },
      handle: async req =>
        one("resource", req.params.resourceId, view.resource(req.params.resourcePoolId, req.params.resourceId)),
    },
    getDeploymentManagers: { access: () => [cluster("list")], handle: list(() => view.listManagers()) },
    getDeploymentManager: {
      access: req => {
        const d = view.manager(req.params.deploymentManagerId);
        return [d ? cluster("get", d.extensions.namespace, d.name) : cluster("list")];
      },
      handle: async req =>
        one("deployment manager", req.params.deploymentManagerId, view.manager(req.params.deploymentManagerId)),
    },
  };
  const subs = hub.operations(id => `${INVENTORY_BASE}/subscriptions/${id}`);
  operations.getSubscriptions = subs.list;
  operations.createSubscription = subs.create;
  operations.getSubscription = subs.get;
  operations.deleteSubscription = subs.delete;

  return {
    name: "inventory",
    document: INVENTORY_DOCUMENT,
    operations,
    view,
    hub,
    async start() {
      await Promise.all([view.start(), hub.start()]);
      ctx.log.info("inventory service started", {
        pools: view.listPools().length,
        deploymentManagers: view.listManagers().length,
        subscriptions: hub.store.list().length,
      });
    },
    async stop() {
      hub.stop();
      view.stop();
    },
  };
}
