/**
 * Whether the ConfigMaps a ClusterTemplate's CNI ClusterResourceSet applies exist in a request's namespace. A missing
 * one keeps every node NotReady, and real Cluster API v1.10 only logs the miss (its ResourcesApplied condition turns
 * True once the workload cluster is reachable), so the module looks for itself and the request's status names it.
 *
 * Cheap and least privilege: one cluster-wide watch per ConfigMap name the templates use, filtered by the field
 * selector metadata.name=<name>, so no other ConfigMap reaches this process; it keeps only the namespaces where the
 * name exists. Hand-written on KubeClient.watch rather than an Informer, which would hold every namespace's copy of
 * the CNI manifest (Calico's is ~250 kB) for a yes/no answer. Secrets are never read (the module has no cluster-wide
 * Secret read, and gets none for this): a Secret-kind resource is not checked (README, CNI).
 */
import type { ClusterTemplateSpec } from "../../api/generated/types";
import type { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";

/** The ConfigMaps a template's CNI ClusterResourceSet applies (its Secrets are not checked). */
export function cniConfigMaps(spec: ClusterTemplateSpec | undefined): string[] {
  if (spec?.cni?.mode !== "ClusterResourceSet") return [];
  return (spec.cni.resources ?? []).filter(r => r.kind === "ConfigMap").map(r => r.name);
}

interface NameWatch {
  namespaces: Set<string>;
  synced: boolean;
  stop: () => void;
}

/** A presence change in one namespace, or undefined: a name's first list arrived (any namespace may have changed). */
export type CniListener = (namespace: string | undefined) => void;

export class CniResources {
  private readonly watches = new Map<string, NameWatch>();
  private readonly listeners: CniListener[] = [];

  constructor(private readonly client: KubeClient) {}

  /**
   * Watches every name not watched yet. A name no template uses any more keeps its watch: templates change rarely,
   * and one idle watch costs less than stopping and listing again when a template brings the name back.
   */
  track(names: Iterable<string>): void {
    for (const name of names) {
      if (this.watches.has(name)) continue;
      const w: NameWatch = { namespaces: new Set(), synced: false, stop: () => {} };
      this.watches.set(name, w);
      w.stop = this.client.watch(
        R.ConfigMap,
        (phase, obj) => {
          const ns = obj.metadata.namespace!;
          const had = w.namespaces.has(ns);
          if (phase === "DELETED") w.namespaces.delete(ns);
          else w.namespaces.add(ns);
          // Only presence matters: Cluster API adding its owner reference to the ConfigMap changes nothing here.
          if (w.synced && had !== w.namespaces.has(ns)) this.emit(ns);
        },
        {
          fieldSelector: `metadata.name=${name}`,
          onSynced: () => {
            if (w.synced) return;
            w.synced = true;
            this.emit(undefined);
          },
        },
      );
    }
  }

  onChange(listener: CniListener): void {
    this.listeners.push(listener);
  }

  /** Whether the ConfigMap exists in the namespace; undefined until its watch has listed (unknown is never "missing"). */
  present(namespace: string, name: string): boolean | undefined {
    const w = this.watches.get(name);
    return w?.synced ? w.namespaces.has(namespace) : undefined;
  }

  /** The template's CNI ConfigMaps known to be missing from the namespace. */
  missing(spec: ClusterTemplateSpec | undefined, namespace: string): string[] {
    return cniConfigMaps(spec).filter(name => this.present(namespace, name) === false);
  }

  stop(): void {
    for (const w of this.watches.values()) w.stop();
  }

  private emit(namespace: string | undefined): void {
    for (const l of this.listeners) l(namespace);
  }
}
