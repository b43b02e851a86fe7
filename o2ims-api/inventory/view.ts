/**
 * The inventory as the API shows it, kept current from three informers (ByoHosts, Clusters, Namespaces; one list +
 * watch each, started once): lists and reads are answered from memory, never by a LIST per call, and every change of
 * an object's O2 IMS representation is reported to the listeners with its state before and after (what the
 * notifications carry). A write that leaves the representation equal reports nothing.
 *
 * Changes seen before all three informers have listed are not reported: the server's start is not "every host was
 * created". Changes made while the server was down are not reported either (it keeps no history).
 */
import type { KubeClient } from "../../kube/client";
import { Informer, keyOf } from "../../kube/informer";
import { R } from "../../kube/resources";
import type { KubeObject, WatchPhase } from "../../kube/types";
import { Change, changeType } from "../subscriptions/events";
import {
  attachedClusterKey,
  deploymentManagerRef,
  poolRef,
  resourceRef,
  toDeploymentManager,
  toResource,
  toResourcePool,
} from "./mappers";
import type { ByoHost, CapiCluster, DeploymentManager, Resource, ResourcePool } from "./model";

const BY_NAMESPACE = "namespace";
const BY_CLUSTER = "cluster";

export class InventoryView {
  readonly hosts: Informer<ByoHost>;
  readonly clusters: Informer<CapiCluster>;
  readonly namespaces: Informer<KubeObject>;
  private readonly resources = new Map<string, Resource>();
  private readonly pools = new Map<string, ResourcePool>();
  /** Namespace name -> the pool's id while it holds hosts. */
  private readonly poolOfNamespace = new Map<string, string>();
  private readonly managers = new Map<string, DeploymentManager>();
  /** Namespace name -> UIDs of its ByoHosts: whether a pool exists, without listing the hosts on every event. */
  private readonly hostsOfNamespace = new Map<string, Set<string>>();
  private readonly listeners: ((c: Change) => void)[] = [];
  private ready = false;
  private oCloudIdValue = "";

  constructor(client: KubeClient) {
    this.hosts = new Informer<ByoHost>(client, R.ByoHost);
    this.clusters = new Informer<CapiCluster>(client, R.Cluster);
    this.namespaces = new Informer<KubeObject>(client, R.Namespace);
    this.hosts.addIndex(BY_NAMESPACE, h => [h.metadata.namespace ?? ""]);
    this.hosts.addIndex(BY_CLUSTER, h => {
      const k = attachedClusterKey(h);
      return k ? [k] : [];
    });
    this.hosts.onChange((phase, h) => this.ready && this.onHost(phase, h));
    this.clusters.onChange((phase, c) => this.ready && this.onCluster(phase, c));
    this.namespaces.onChange((phase, ns) => this.ready && this.onNamespace(phase, ns));
  }

  async start(): Promise<void> {
    await Promise.all([this.hosts.start(), this.clusters.start(), this.namespaces.start()]);
    // One silent build from the synced caches; from here on every change is reported.
    this.oCloudIdValue = this.namespaces.get("kube-system")?.metadata.uid ?? "";
    for (const c of this.clusters.list()) this.refreshManager(c, true);
    for (const h of this.hosts.list()) this.refreshResource(h, true);
    for (const ns of this.namespaces.list()) this.refreshPool(ns.metadata.name, true);
    this.ready = true;
  }

  stop(): void {
    this.hosts.stop();
    this.clusters.stop();
    this.namespaces.stop();
  }

  onChange(listener: (c: Change) => void): void {
    this.listeners.push(listener);
  }

  /** The kube-system Namespace's UID: the O-Cloud's id. */
  get oCloudId(): string {
    return this.oCloudIdValue;
  }

  listPools(): ResourcePool[] {
    return [...this.pools.values()];
  }

  pool(id: string): ResourcePool | undefined {
    return this.pools.get(id);
  }

  /** The resources of a pool (undefined when there is no such pool). */
  listResources(poolId: string): Resource[] | undefined {
    const pool = this.pools.get(poolId);
    if (!pool) return undefined;
    const out: Resource[] = [];
    for (const h of this.hosts.byIndex(BY_NAMESPACE, pool.extensions.namespace)) {
      const r = this.resources.get(h.metadata.uid ?? "");
      if (r) out.push(r);
    }
    return out;
  }

  resource(poolId: string, resourceId: string): Resource | undefined {
    const r = this.resources.get(resourceId);
    return r && r.resourcePoolId === poolId ? r : undefined;
  }

  listManagers(): DeploymentManager[] {
    return [...this.managers.values()];
  }

  manager(id: string): DeploymentManager | undefined {
    return this.managers.get(id);
  }

  private emit(objectType: string, objectRef: string, prior: object | undefined, post: object | undefined): void {
    if (changeType(prior, post) === undefined) return;
    for (const l of this.listeners) {
      try {
        l({ objectType, objectRef, prior, post });
      } catch {
        /* one listener's failure must not stop the others or the informer */
      }
    }
  }

  private refreshResource(h: ByoHost, silent = false, deleted = false): void {
    const uid = h.metadata.uid ?? "";
    const namespace = h.metadata.namespace ?? "";
    let members = this.hostsOfNamespace.get(namespace);
    if (!deleted) {
      if (!members) this.hostsOfNamespace.set(namespace, (members = new Set()));
      members.add(uid);
    } else if (members) {
      members.delete(uid);
      if (!members.size) this.hostsOfNamespace.delete(namespace);
    }
    const prior = this.resources.get(uid);
    let post: Resource | undefined;
    if (!deleted) {
      const poolId = this.namespaces.get(h.metadata.namespace ?? "")?.metadata.uid ?? "";
      const ck = attachedClusterKey(h);
      const cluster = ck ? this.clusters.get(ck.slice(ck.indexOf("/") + 1), ck.slice(0, ck.indexOf("/"))) : undefined;
      post = toResource(h, poolId, cluster?.metadata.uid ?? null);
      this.resources.set(uid, post);
    } else this.resources.delete(uid);
    if (!silent) {
      const ref = post ?? prior;
      if (ref) this.emit("resource", resourceRef(ref), prior, post);
    }
  }

  /** A pool exists while its namespace exists and holds at least one ByoHost. */
  private refreshPool(namespace: string, silent = false): void {
    const ns = this.namespaces.get(namespace);
    const has = (this.hostsOfNamespace.get(namespace)?.size ?? 0) > 0;
    const priorId = this.poolOfNamespace.get(namespace);
    const prior = priorId ? this.pools.get(priorId) : undefined;
    let post: ResourcePool | undefined;
    if (ns && has) post = toResourcePool(ns, this.oCloudIdValue);
    if (prior) this.pools.delete(prior.resourcePoolId);
    if (post) {
      this.pools.set(post.resourcePoolId, post);
      this.poolOfNamespace.set(namespace, post.resourcePoolId);
    } else this.poolOfNamespace.delete(namespace);
    if (silent) return;
    if (prior && post && prior.resourcePoolId !== post.resourcePoolId) {
      // The namespace was recreated: another pool.
      this.emit("resourcePool", poolRef(prior), prior, undefined);
      this.emit("resourcePool", poolRef(post), undefined, post);
    } else if (prior || post) this.emit("resourcePool", poolRef((post ?? prior)!), prior, post);
  }

  private refreshManager(c: CapiCluster, silent = false, deleted = false): void {
    const uid = c.metadata.uid ?? "";
    const prior = this.managers.get(uid);
    const post = deleted ? undefined : toDeploymentManager(c, this.oCloudIdValue);
    if (post) this.managers.set(uid, post);
    else this.managers.delete(uid);
    if (!silent) {
      const ref = post ?? prior;
      if (ref) this.emit("deploymentManager", deploymentManagerRef(ref), prior, post);
    }
  }

  private onHost(phase: WatchPhase, h: ByoHost): void {
    const deleted = phase === "DELETED";
    const namespace = h.metadata.namespace ?? "";
    // A pool appears before its first resource and goes after its last one.
    if (!deleted && !this.hostsOfNamespace.get(namespace)?.size) {
      this.hostsOfNamespace.set(namespace, new Set([h.metadata.uid ?? ""]));
      this.refreshPool(namespace);
    }
    this.refreshResource(h, false, deleted);
    if (deleted) this.refreshPool(namespace);
  }

  private onCluster(phase: WatchPhase, c: CapiCluster): void {
    this.refreshManager(c, false, phase === "DELETED");
    // Hosts attached to it show its deploymentManagerId once it exists, none once it is gone.
    for (const h of this.hosts.byIndex(BY_CLUSTER, keyOf(c))) this.refreshResource(h);
  }

  private onNamespace(_phase: WatchPhase, ns: KubeObject): void {
    this.refreshPool(ns.metadata.name);
    for (const h of this.hosts.byIndex(BY_NAMESPACE, ns.metadata.name)) this.refreshResource(h);
  }
}
