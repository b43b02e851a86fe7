/**
 * An Informer (list+watch cache, all namespaces) with secondary indexes, so reconcilers find children, hosts
 * and referrers in O(1) instead of filtering the whole cache on every event (the simulator runs with
 * hundreds of clusters and thousands of hosts in one plane).
 */
import { Informer } from "../../kube/informer";
import { KubeClient, KubeObject, WatchPhase } from "../../kube/client";
import { Resource } from "../../kube/resources";
import { keyOfObj } from "./model";

type IndexFn<T> = (o: T) => (string | undefined)[];

interface Index<T> {
  fn: IndexFn<T>;
  values: Map<string, Set<string>>; // index value -> object keys
  byKey: Map<string, string[]>; // object key -> index values it is filed under
}

export class Store<T extends KubeObject = KubeObject> {
  private readonly informer: Informer<T>;
  private readonly indexes = new Map<string, Index<T>>();
  private readonly listeners: ((phase: WatchPhase, obj: T, old: T | undefined) => void)[] = [];
  private readonly objects = new Map<string, T>();

  constructor(
    client: KubeClient,
    readonly resource: Resource,
  ) {
    this.informer = new Informer<T>(client, resource);
    // Registered before any other listener, so indexes are current when listeners run.
    this.informer.onChange((phase, obj) => this.apply(phase, obj));
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  /** Adds an index; call before start(). fn returns the values an object is filed under. */
  addIndex(name: string, fn: IndexFn<T>): this {
    this.indexes.set(name, { fn, values: new Map(), byKey: new Map() });
    return this;
  }

  /** Listener after the cache and indexes took the change; `old` is the previous version, if any. */
  onChange(listener: (phase: WatchPhase, obj: T, old: T | undefined) => void): void {
    this.listeners.push(listener);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  /** Objects filed under value in the named index. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.values.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** How many objects are filed under value (without building the list). */
  countByIndex(name: string, value: string): number {
    return this.indexes.get(name)?.values.get(value)?.size ?? 0;
  }

  get size(): number {
    return this.objects.size;
  }

  all(): IterableIterator<T> {
    return this.objects.values();
  }

  private apply(phase: WatchPhase, obj: T): void {
    const key = keyOfObj(obj);
    const old = this.objects.get(key);
    if (phase === "DELETED") this.objects.delete(key);
    else this.objects.set(key, obj);
    for (const index of this.indexes.values()) {
      for (const v of index.byKey.get(key) ?? []) {
        const set = index.values.get(v);
        set?.delete(key);
        if (set?.size === 0) index.values.delete(v);
      }
      index.byKey.delete(key);
      if (phase === "DELETED") continue;
      const values = index.fn(obj).filter((v): v is string => !!v);
      if (values.length === 0) continue;
      index.byKey.set(key, values);
      for (const v of values) {
        let set = index.values.get(v);
        if (!set) index.values.set(v, (set = new Set()));
        set.add(key);
      }
    }
    for (const l of this.listeners) l(phase, obj, old);
  }
}
