/**
 * What this process last wrote to each object of one kind, until its informer has seen that write: the idea of
 * client-go's MutationCache. Reconcilers read their object from the informer instead of a GET on every pass; the
 * one case a read would catch, the informer still lagging behind our own last write, is caught by the
 * resourceVersion the write returned. The same record tells the write's own watch event (its echo) from a change
 * by anyone else, so a status write of ours does not queue another reconcile.
 *
 * Hand-written: client-go's MutationCache has no JavaScript counterpart in the libraries this module uses (Pepr's
 * kubernetes-fluent-client keeps no per-write record).
 */
import { keyOf } from "./informer";
import type { KubeObject, WatchPhase } from "./types";

interface Written<T> {
  resourceVersion: string;
  uid?: string;
  /** The API server's answer to the write, until the informer has delivered it or a later version (then dropped). */
  obj?: T;
}

/**
 * Whether resourceVersion a is later than b. Kubernetes documents resourceVersions as opaque, but the etcd3 storage
 * of every kube-apiserver gives them as etcd revisions (decimal integers, increasing); anything else is "not later".
 */
export function isLater(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}

const atOrAfter = (a: string | undefined, b: string) => a === b || isLater(a, b);

export class OwnWrites<T extends KubeObject = KubeObject> {
  private readonly written = new Map<string, Written<T>>();

  /** After a write: the object the API server returned (managedFields dropped, as the informers drop them). */
  record(obj: T): void {
    if (obj.metadata.managedFields) delete obj.metadata.managedFields;
    const key = keyOf(obj);
    const rv = obj.metadata.resourceVersion;
    if (!rv) return;
    const before = this.written.get(key);
    // Two reconciles of one key never overlap (the work queue), but an older answer must never replace a newer one.
    if (before && isLater(before.resourceVersion, rv)) return;
    this.written.set(key, { resourceVersion: rv, uid: obj.metadata.uid, obj });
  }

  /**
   * The object to reconcile from: the informer's copy, unless our last write is newer and the informer has not
   * delivered it yet (then the write's answer, which holds every change made before it).
   */
  latest(key: string, cached: T | undefined): T | undefined {
    const w = this.written.get(key);
    if (!w?.obj || !cached) return cached ?? w?.obj;
    if (atOrAfter(cached.metadata.resourceVersion, w.resourceVersion)) return cached;
    // The object was deleted and created again under the same name: our record is about the old one.
    if (cached.metadata.uid !== w.uid) return cached;
    return w.obj;
  }

  /** Whether a watch event is exactly our last write's version (nothing else changed since, nothing before it). */
  isEcho(obj: T): boolean {
    const w = this.written.get(keyOf(obj));
    return !!w && w.resourceVersion === obj.metadata.resourceVersion;
  }

  /** Every informer event of the kind, before its other listeners: marks our write seen, forgets deleted objects. */
  observe(phase: WatchPhase, obj: T): void {
    const key = keyOf(obj);
    const w = this.written.get(key);
    if (!w) return;
    if (phase === "DELETED") this.written.delete(key);
    else if (atOrAfter(obj.metadata.resourceVersion, w.resourceVersion)) w.obj = undefined;
  }

  /** The object is gone (or its reconcile found nothing): nothing of it to remember. */
  forget(key: string): void {
    this.written.delete(key);
  }

  get size(): number {
    return this.written.size;
  }
}
