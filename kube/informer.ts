/** An in-memory cache of one resource kept current by a list+watch, with change listeners (client-go's informer). */
import { KubeClient, KubeObject, ListOptions, WatchPhase } from "./client";
import { Resource } from "./resources";

export const keyOf = (o: { metadata: { name: string; namespace?: string } }) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

export type Listener<T> = (phase: WatchPhase, obj: T) => void;

export type IndexFn<T> = (obj: T) => string[];

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  /** Secondary indexes: index name -> value -> keys of the objects that have it (O(1) lookups on hot paths). */
  private readonly indexes = new Map<string, { fn: IndexFn<T>; map: Map<string, Set<string>> }>();
  private readonly listeners: Listener<T>[] = [];
  private stopWatch?: () => void;
  private synced?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    readonly resource: Resource,
    private readonly opts: ListOptions = {},
  ) {}

  /** Starts the watch once; resolves when the initial list is in the cache. */
  start(): Promise<void> {
    if (!this.synced) {
      this.synced = new Promise(resolve => {
        this.stopWatch = this.client.watch<T>(this.resource, (phase, obj) => this.apply(phase, obj), {
          ...this.opts,
          onSynced: resolve,
          onRecovered: () => this.replay(),
        });
      });
    }
    return this.synced;
  }

  stop(): void {
    this.stopWatch?.();
  }

  /** Adds an index; call before start(). */
  addIndex(name: string, fn: IndexFn<T>): void {
    this.indexes.set(name, { fn, map: new Map() });
  }

  /** The objects whose index `name` yields `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.map.get(value);
    if (!keys) return [];
    return [...keys].map(k => this.items.get(k)!).filter(Boolean);
  }

  onChange(listener: Listener<T>): void {
    this.listeners.push(listener);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  list(filter?: (o: T) => boolean): T[] {
    const all = [...this.items.values()];
    return filter ? all.filter(filter) : all;
  }

  /**
   * After an outage the relist reports only what changed meanwhile; work that failed during the outage (and sits
   * in a retry back-off of up to a minute) concerns objects that did not change. Like client-go's resync after a
   * relist, every cached object is delivered again as MODIFIED, so listeners re-queue it now.
   */
  private replay(): void {
    for (const obj of [...this.items.values()]) {
      for (const l of this.listeners) {
        try {
          l("MODIFIED", obj);
        } catch {
          /* one listener's failure must not stop the replay */
        }
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const v of fn(obj)) {
        const set = map.get(v);
        set?.delete(key);
        if (set?.size === 0) map.delete(v);
      }
    }
  }

  private apply(phase: WatchPhase, obj: T): void {
    // managedFields are often the largest part of an object and nothing here reads them.
    if (obj.metadata.managedFields) delete obj.metadata.managedFields;
    const key = keyOf(obj);
    const before = this.items.get(key);
    if (before) this.unindex(key, before);
    if (phase === "DELETED") this.items.delete(key);
    else {
      this.items.set(key, obj);
      for (const { fn, map } of this.indexes.values()) {
        for (const v of fn(obj)) {
          let set = map.get(v);
          if (!set) map.set(v, (set = new Set()));
          set.add(key);
        }
      }
    }
    for (const l of this.listeners) l(phase, obj);
  }
}
