/** An in-memory cache of one resource kept current by a list+watch, with change listeners (client-go's informer). */
import { KubeClient, KubeObject, ListOptions, WatchPhase } from "./kube";
import { Resource } from "./resources";

export const keyOf = (o: { metadata: { name: string; namespace?: string } }) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

export type Listener<T> = (phase: WatchPhase, obj: T) => void;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
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
        });
      });
    }
    return this.synced;
  }

  stop(): void {
    this.stopWatch?.();
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

  private apply(phase: WatchPhase, obj: T): void {
    // managedFields are often the largest part of an object and nothing here reads them.
    if (obj.metadata.managedFields) delete obj.metadata.managedFields;
    if (phase === "DELETED") this.items.delete(keyOf(obj));
    else this.items.set(keyOf(obj), obj);
    for (const l of this.listeners) l(phase, obj);
  }
}
