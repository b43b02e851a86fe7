/**
 * The ProvisioningRequests FOCOM labelled on one O-Cloud, as the connection's watch delivers them (capabilities/focom/
 * oclouds.ts), so a reconcile reads its remote without a GET. FOCOM's own last apply is remembered until the watch
 * delivers it (kube/own-writes.ts), so a pass right after an apply never reads an older remote. While the watch is
 * not synced or failing, lookup answers nothing and the reconciler reads live: an unreachable O-Cloud is still seen
 * as one.
 */
import { keyOf } from "../../kube/informer";
import { OwnWrites } from "../../kube/own-writes";
import type { WatchPhase } from "../../kube/types";
import type { RemoteRequest } from "./remote";

export class RemoteCache {
  private readonly items = new Map<string, RemoteRequest>();
  private readonly writes = new OwnWrites<RemoteRequest>();
  private healthy = false;

  /** A watch event (the initial list's included). */
  apply(phase: WatchPhase, remote: RemoteRequest): void {
    const obj = slim(remote);
    this.writes.observe(phase, obj);
    if (phase === "DELETED") this.items.delete(keyOf(obj));
    else this.items.set(keyOf(obj), obj);
  }

  /** Synced after a list (true); the watch failed (false) until its next list. */
  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
  }

  /** The API server's answer to our apply. */
  record(obj: RemoteRequest): void {
    this.writes.record(slim(obj));
  }

  /** The remote as last known ({} when there is none), or undefined when the cache cannot say: read live then. */
  lookup(namespace: string, name: string): { remote?: RemoteRequest } | undefined {
    if (!this.healthy) return undefined;
    const key = `${namespace}/${name}`;
    return { remote: this.writes.latest(key, this.items.get(key)) };
  }
}

/**
 * What the reconciler reads of a remote (identity, links, generation, deletion, status): not its spec, which is what
 * FOCOM itself applied, nor managedFields, often the largest part of an object.
 */
function slim(o: RemoteRequest): RemoteRequest {
  const { name, namespace, uid, resourceVersion, generation, labels, annotations, deletionTimestamp } = o.metadata;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name, namespace, uid, resourceVersion, generation, labels, annotations, deletionTimestamp },
    status: o.status,
  };
}
