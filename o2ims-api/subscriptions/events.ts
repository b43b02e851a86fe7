/**
 * Pure: which change of an O2 IMS object is a notification, which subscriptions it is for, and the notification bodies
 * (O-RAN.WG6.O2IMS-INTERFACE R004 §3.2.6.2.x InventoryChangeNotification; the provisioning one is this module's own
 * shape, the spec having no provisioning notification).
 *
 * A change is compared on the O2 IMS representation (what the API answers), not on the Kubernetes object: a write
 * that leaves the representation equal (a resourceVersion bump, a managed field) notifies nobody.
 */
import { randomUUID } from "node:crypto";
import { canonicalJson } from "../../kube/json";
import { Filter, matchesFilter } from "../query";

export const EVENT = { created: 0, modified: 1, deleted: 2 } as const;
export type EventType = (typeof EVENT)[keyof typeof EVENT];

/** The event a transition from prior to post is, or undefined when it is none (equal, or nothing on either side). */
export function changeType(prior: object | undefined, post: object | undefined): EventType | undefined {
  if (!prior && !post) return undefined;
  if (!prior) return EVENT.created;
  if (!post) return EVENT.deleted;
  // Canonical JSON: key order and undefined members are no change.
  return canonicalJson(prior) === canonicalJson(post) ? undefined : EVENT.modified;
}

/** One change of one object as the API shows it. objectType names what it is (inventory: resource, resourcePool, ...). */
export interface Change {
  objectType: string;
  /** URI path of the object in the API (e.g. /o2ims-infrastructureInventory/v1/resourcePools/<id>/resources/<id>). */
  objectRef: string;
  prior?: object;
  post?: object;
}

export interface SubscriptionInfo {
  subscriptionId: string;
  callback: string;
  consumerSubscriptionId?: string;
  /** Parsed filter; undefined = every change. */
  filter?: Filter;
}

/**
 * Whether a subscription's filter selects a change: the filter is matched against the object's state with its
 * objectType beside it (so (eq,objectType,resource) selects resources only), before or after the change: an object
 * that enters or leaves the filtered set is reported both times.
 */
export function selects(filter: Filter | undefined, change: Change): boolean {
  if (!filter) return true;
  const states = [change.prior, change.post].filter((s): s is object => s !== undefined);
  return states.some(s => matchesFilter({ ...s, objectType: change.objectType }, filter));
}

export interface InventoryChangeNotification {
  notificationId: string;
  notificationEventType: EventType;
  objectRef: string;
  objectType: string;
  priorObjectState?: object;
  postObjectState?: object;
  subscriptionId: string;
  consumerSubscriptionId?: string;
  /** When the server saw the change (ISO 8601), so a consumer can measure the delay. */
  eventTime: string;
}

export function notificationFor(
  change: Change,
  type: EventType,
  sub: SubscriptionInfo,
  serviceUri: string,
  now = new Date(),
): InventoryChangeNotification {
  const out: InventoryChangeNotification = {
    notificationId: randomUUID(),
    notificationEventType: type,
    objectRef: `${serviceUri}${change.objectRef}`,
    objectType: change.objectType,
    subscriptionId: sub.subscriptionId,
    eventTime: now.toISOString(),
  };
  if (change.prior) out.priorObjectState = change.prior;
  if (change.post) out.postObjectState = change.post;
  if (sub.consumerSubscriptionId) out.consumerSubscriptionId = sub.consumerSubscriptionId;
  return out;
}

/** The notifications one change makes: one per subscription that selects it (none when the change is no event). */
export function notificationsFor(
  change: Change,
  subs: Iterable<SubscriptionInfo>,
  serviceUri: string,
  now = new Date(),
): { sub: SubscriptionInfo; body: InventoryChangeNotification }[] {
  const type = changeType(change.prior, change.post);
  if (type === undefined) return [];
  const out: { sub: SubscriptionInfo; body: InventoryChangeNotification }[] = [];
  for (const sub of subs)
    if (selects(sub.filter, change)) out.push({ sub, body: notificationFor(change, type, sub, serviceUri, now) });
  return out;
}
