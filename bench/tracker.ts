/**
 * Watches one namespace (KubeClient.watch: list once, then events; no per-object polling) and timestamps, on the
 * benchmark's monotonic clock, when each generated object first appeared, when each request's control plane and
 * workers became ready (the module's own readiness rules), when each ProvisioningRequest was fulfilled and when
 * each FocomProvisioningRequest showed Synced with the remote fulfilled.
 */
import { KubeClient, KubeObject } from "../kube/client";
import { R, Resource } from "../kube/resources";
import { GENERATED_KINDS } from "../generators/byoh-cluster";
import { remoteRequestName } from "../generators/names";
import { log, nowMs, Waiter } from "./util";

import { CAPI_CLUSTER_NAME_LABEL, O2IMS_REQUEST_ANNOTATION } from "../api/vocabulary";
type Obj = Record<string, unknown>;
const num = (v: unknown) => (typeof v === "number" ? v : 0);
const statusOf = (o: KubeObject) => (o.status ?? {}) as Obj;

/** When the objects the module's status reads became ready, per cluster (undefined: not yet). */
export interface ClusterReadiness {
  clusterControlPlaneReady?: number;
  controlPlane?: number;
  machineDeployments: Map<string, number | undefined>;
}

export class Tracker {
  /** "<Kind>/<name>" -> first seen. */
  readonly objectSeen = new Map<string, number>();
  readonly prSeen = new Map<string, number>();
  /** ProvisioningRequest name -> the generated objects seen so far, and when the last of them appeared. */
  private readonly objectsOf = new Map<string, Set<string>>();
  readonly objectsComplete = new Map<string, number>();
  readonly prFulfilled = new Map<string, number>();
  /** FocomProvisioningRequest name -> first time Synced with remoteState fulfilled. */
  readonly fprSynced = new Map<string, number>();
  readonly fprCluster = new Map<string, string>();
  readonly readiness = new Map<string, ClusterReadiness>();
  readonly changed = new Waiter();
  private stops: (() => void)[] = [];
  watchErrors = 0;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    /** Generated objects per request (fixtures objectsPerRequest), for the per-request "objects exist" time. */
    private readonly objectsPerRequest = Infinity,
  ) {}

  private ready(cluster: string): ClusterReadiness {
    let r = this.readiness.get(cluster);
    if (!r) this.readiness.set(cluster, (r = { machineDeployments: new Map() }));
    return r;
  }

  private watch(res: Resource, handle: (o: KubeObject, at: number) => void): Promise<void> {
    return new Promise(resolve => {
      this.stops.push(
        this.client.watch(
          res,
          (phase, o) => {
            if (phase === "DELETED") return;
            handle(o, nowMs());
            this.changed.notify();
          },
          {
            namespace: this.namespace,
            onSynced: resolve,
            onError: e => {
              this.watchErrors++;
              log(`watch ${res.plural} in ${this.namespace}: ${e instanceof Error ? e.message : String(e)}`);
            },
          },
        ),
      );
    });
  }

  /** Resolves once every watch has its initial list. */
  async start(): Promise<void> {
    const watches = GENERATED_KINDS.map(res =>
      this.watch(res, (o, at) => {
        const key = `${res.kind}/${o.metadata.name}`;
        if (!this.objectSeen.has(key)) {
          this.objectSeen.set(key, at);
          // The annotation names the request ("<namespace>/<name>"); labels may be hashed.
          const request = o.metadata.annotations?.[O2IMS_REQUEST_ANNOTATION]?.split("/")[1];
          if (request) {
            const seen = this.objectsOf.get(request) ?? new Set();
            this.objectsOf.set(request, seen.add(key));
            if (seen.size === this.objectsPerRequest) this.objectsComplete.set(request, at);
          }
        }
        const cluster = o.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
        if (!cluster) return;
        const s = statusOf(o);
        const spec = (o.spec ?? {}) as Obj;
        const gen = num(o.metadata.generation);
        if (res.kind === "MachineDeployment") {
          const r = this.ready(cluster);
          const want = num(spec.replicas ?? 1);
          const ok = num(s.readyReplicas) >= want && num(s.updatedReplicas) >= want && num(s.observedGeneration) >= gen;
          if (!r.machineDeployments.get(o.metadata.name)) r.machineDeployments.set(o.metadata.name, ok ? at : undefined);
        } else if (res.kind === "KubeadmControlPlane") {
          const r = this.ready(cluster);
          const want = num(spec.replicas ?? 1);
          const ok =
            num(s.readyReplicas) >= want &&
            num(s.updatedReplicas) >= want &&
            num(s.observedGeneration) >= gen &&
            s.version === spec.version;
          if (ok && r.controlPlane === undefined) r.controlPlane = at;
        } else if (res.kind === "Cluster") {
          const r = this.ready(cluster);
          if (s.controlPlaneReady === true && r.clusterControlPlaneReady === undefined) r.clusterControlPlaneReady = at;
        }
      }),
    );
    watches.push(
      this.watch(R.ProvisioningRequest, (o, at) => {
        if (!this.prSeen.has(o.metadata.name)) this.prSeen.set(o.metadata.name, at);
        const state = (statusOf(o).provisioningStatus as Obj | undefined)?.provisioningState;
        if (state === "fulfilled" && !this.prFulfilled.has(o.metadata.name)) this.prFulfilled.set(o.metadata.name, at);
      }),
      this.watch(R.FocomProvisioningRequest, (o, at) => {
        const params = ((o.spec ?? {}) as Obj).templateParameters as Obj | undefined;
        if (typeof params?.clusterName === "string") this.fprCluster.set(o.metadata.name, params.clusterName);
        const s = statusOf(o);
        const remote = s.remoteState as Obj | undefined;
        if (s.phase === "Synced" && remote?.provisioningState === "fulfilled" && !this.fprSynced.has(o.metadata.name)) {
          this.fprSynced.set(o.metadata.name, at);
        }
      }),
    );
    await Promise.all(watches);
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
  }

  /**
   * Per FocomProvisioningRequest (created at the given times): created -> its ProvisioningRequest exists -> every
   * generated object exists -> fulfilled (FPR Synced), in ms; only requests that reached each span's end count.
   */
  spans(createdAt: Map<string, number>): {
    toPr: number[];
    prToObjects: number[];
    objectsToFulfilled: number[];
    total: number[];
  } {
    const out = { toPr: [] as number[], prToObjects: [] as number[], objectsToFulfilled: [] as number[], total: [] as number[] };
    for (const [fpr, created] of createdAt) {
      const pr = remoteRequestName(fpr);
      const prAt = this.prSeen.get(pr);
      const objectsAt = this.objectsComplete.get(pr);
      const fulfilledAt = this.fprSynced.get(fpr);
      if (prAt !== undefined) out.toPr.push(prAt - created);
      if (prAt !== undefined && objectsAt !== undefined) out.prToObjects.push(objectsAt - prAt);
      if (objectsAt !== undefined && fulfilledAt !== undefined) out.objectsToFulfilled.push(fulfilledAt - objectsAt);
      if (fulfilledAt !== undefined) out.total.push(fulfilledAt - created);
    }
    return out;
  }

  /** When the last of the objects the request's fulfilment depends on became ready; undefined if not all did. */
  lastReadyAt(cluster: string, workers = 2): number | undefined {
    const r = this.readiness.get(cluster);
    if (!r || r.controlPlane === undefined || r.clusterControlPlaneReady === undefined) return undefined;
    const mds = [...r.machineDeployments.values()];
    if (mds.length < workers || mds.some(t => t === undefined)) return undefined;
    return Math.max(r.controlPlane, r.clusterControlPlaneReady, ...(mds as number[]));
  }

  /** Which object became ready last (for the report: normally the last worker's MachineDeployment). */
  lastReadyKind(cluster: string): string | undefined {
    const r = this.readiness.get(cluster);
    const t = this.lastReadyAt(cluster);
    if (!r || t === undefined) return undefined;
    if ([...r.machineDeployments.values()].includes(t)) return "MachineDeployment";
    return t === r.controlPlane ? "KubeadmControlPlane" : "Cluster";
  }

  /**
   * Per request fulfilled in the FocomProvisioningRequest: from the last underlying object becoming ready to the
   * ProvisioningRequest fulfilled (o2ims part) and to the FocomProvisioningRequest Synced (whole path), in ms.
   */
  statusLatencies(): { total: number[]; o2ims: number[]; focom: number[]; lastReadyKinds: Record<string, number> } {
    const total: number[] = [];
    const o2ims: number[] = [];
    const focom: number[] = [];
    const lastReadyKinds: Record<string, number> = {};
    for (const [fpr, synced] of this.fprSynced) {
      const cluster = this.fprCluster.get(fpr);
      const ready = cluster ? this.lastReadyAt(cluster) : undefined;
      if (cluster === undefined || ready === undefined) continue;
      total.push(synced - ready);
      const kind = this.lastReadyKind(cluster)!;
      lastReadyKinds[kind] = (lastReadyKinds[kind] ?? 0) + 1;
      const pr = this.prFulfilled.get(remoteRequestName(fpr));
      if (pr !== undefined) {
        o2ims.push(pr - ready);
        focom.push(synced - pr);
      }
    }
    return { total, o2ims, focom, lastReadyKinds };
  }
}
