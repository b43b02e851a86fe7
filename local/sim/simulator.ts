/**
 * Plays Cluster API (core, kubeadm bootstrap, kubeadm control plane) + BYOH (controller manager and the host
 * agents) against an API server that only has their CRDs. Event-driven: one informer per kind feeds a keyed
 * WorkQueue; each event is mapped to the objects whose reconcile depends on it (as controller-runtime's
 * Watches/EnqueueRequestsFromMapFunc do), and every reconcile is level-based — it reads the current state from
 * the caches and moves one step — so a restarted simulator picks up wherever the objects are.
 *
 * Test/demo infrastructure only: product code never imports local/sim.
 */
import { recordEvent } from "../../kube/events";
import { isConflict, isNotFound, KubeClient, KubeObject, WatchPhase } from "../../kube/client";
import { WorkQueue } from "../../kube/queue";
import { R } from "../../kube/resources";
import { SimApi } from "./api";
import { Caches, Faults, HostFault, IDX, Kind, Result, SimContext } from "./context";
import { Expectations } from "./expectations";
import { HostPool } from "./host-pool";
import {
  ByoHost,
  ByoMachine,
  Cluster,
  ClusterResourceSet,
  ClusterResourceSetBinding,
  controllerOf,
  FIELD_MANAGER,
  isDeleting,
  keyOfObj,
  LABEL,
  Machine,
  MachineDeployment,
  MachineSet,
  nsName,
  ResourceObject,
} from "./model";
import { selectsCluster } from "./cni";
import { nowTime } from "./conditions";
import { matchesSelector } from "./selector";
import { Store } from "./store";
import { attachedMachineKey, reconcileHost } from "./reconcilers/agent";
import { reconcileByoCluster } from "./reconcilers/byocluster";
import { reconcileByoMachine } from "./reconcilers/byomachine";
import {
  CLUSTER_RESOURCE_SET_BINDING,
  reconcileClusterResourceSet,
  reconcileClusterResourceSetBinding,
} from "./reconcilers/clusterresourceset";
import { reconcileCluster } from "./reconcilers/cluster";
import { reconcileKcp } from "./reconcilers/kcp";
import { reconcileMachine } from "./reconcilers/machine";
import { reconcileMachineDeployment } from "./reconcilers/machinedeployment";
import { reconcileMachineSet } from "./reconcilers/machineset";

export type { Faults, HostFault } from "./context";

export interface SimulatorOptions {
  /** Host faults by host (ByoHost) name; change later with setFault. */
  faults?: Faults;
  /** How long each host agent takes to bootstrap or reset a node (default 0: hosts become ready at once). */
  stepDelayMs?: number;
  /** Reconciles running at once (default 12). */
  concurrency?: number;
  /**
   * How long an owner (KCP, MachineSet, MachineDeployment, Cluster) waits after a change of one of its children
   * before it reconciles (default 100 ms): a machine moves through several phases in quick succession, and
   * one owner status write for all of them saves API server load when hundreds of clusters run at once.
   */
  coalesceMs?: number;
  /** Also record Normal events (attach, node provisioned, bootstrap succeeded); Warnings are always recorded. */
  normalEvents?: boolean;
  /**
   * When a ClusterResourceSet references a ConfigMap that does not exist in the cluster's namespace, create a
   * placeholder in its place (default true: the embedded setup's stand-in for the operator's one-time
   * `kubectl create configmap calico-cni`, so every namespace the tests and the bench use works). false: as on a
   * real O-Cloud, the CNI is not applied and the nodes stay NotReady until someone creates it.
   */
  cniPlaceholders?: boolean;
  /** Diagnostics (persistent reconcile errors, adoption conflicts); default silent. */
  log?: (message: string) => void;
}

const RECONCILERS: Record<Kind, (ctx: SimContext, key: string) => Promise<Result>> = {
  Cluster: reconcileCluster,
  ByoCluster: reconcileByoCluster,
  KubeadmControlPlane: reconcileKcp,
  MachineDeployment: reconcileMachineDeployment,
  MachineSet: reconcileMachineSet,
  Machine: reconcileMachine,
  ByoMachine: reconcileByoMachine,
  ByoHost: reconcileHost,
  ClusterResourceSet: reconcileClusterResourceSet,
  ClusterResourceSetBinding: reconcileClusterResourceSetBinding,
};

/** A retry after a write conflict (stale cache): soon, the watch is usually a few ms behind. */
const CONFLICT_RETRY_MS = 50;

export class Simulator {
  private readonly faults: Map<string, HostFault>;
  private readonly caches: Caches;
  private readonly ctx: SimContext;
  private readonly queue: WorkQueue;
  private synced = false;
  private readonly coalesceMs: number;
  private started?: Promise<void>;
  private readonly early = new Set<string>();

  constructor(client: KubeClient, opts: SimulatorOptions = {}) {
    this.faults = new Map(Object.entries(opts.faults ?? {}));
    this.coalesceMs = opts.coalesceMs ?? 100;
    const log = opts.log ?? (() => undefined);
    this.caches = {
      clusters: new Store<Cluster>(client, R.Cluster).addIndex(IDX.namespace, byNamespace).addIndex(IDX.ref, c => {
        const ns = c.metadata.namespace;
        const infra = c.spec?.infrastructureRef;
        const cp = c.spec?.controlPlaneRef;
        return [
          infra && `${infra.kind}/${nsName(infra.namespace ?? ns, infra.name)}`,
          cp && `${cp.kind}/${nsName(cp.namespace ?? ns, cp.name)}`,
        ];
      }),
      byoClusters: new Store(client, R.ByoCluster),
      kcps: new Store(client, R.KubeadmControlPlane),
      machineDeployments: new Store<MachineDeployment>(client, R.MachineDeployment).addIndex(IDX.cluster, md => [
        nsName(md.metadata.namespace, md.spec?.clusterName ?? ""),
      ]),
      machineSets: new Store<MachineSet>(client, R.MachineSet)
        .addIndex(IDX.owner, ownerUid)
        .addIndex(IDX.cluster, byClusterLabel),
      machines: new Store<Machine>(client, R.Machine).addIndex(IDX.owner, ownerUid).addIndex(IDX.cluster, byClusterLabel),
      byoMachines: new Store<ByoMachine>(client, R.ByoMachine).addIndex(IDX.cluster, byClusterLabel),
      byoHosts: new Store<ByoHost>(client, R.ByoHost)
        .addIndex(IDX.attached, h => {
          const ref = h.status?.machineRef;
          return [
            h.metadata.labels?.[LABEL.byoMachineName],
            ref?.name ? `${ref.namespace ?? h.metadata.namespace}.${ref.name}` : undefined,
          ];
        })
        .addIndex(IDX.name, h => [h.metadata.name]),
      byoMachineTemplates: new Store(client, R.ByoMachineTemplate),
      kubeadmConfigTemplates: new Store(client, R.KubeadmConfigTemplate),
      clusterResourceSets: new Store<ClusterResourceSet>(client, R.ClusterResourceSet).addIndex(IDX.namespace, byNamespace),
      clusterResourceSetBindings: new Store<ClusterResourceSetBinding>(client, CLUSTER_RESOURCE_SET_BINDING).addIndex(
        IDX.namespace,
        byNamespace,
      ),
      configMaps: new Store<ResourceObject>(client, R.ConfigMap),
    };
    this.queue = new WorkQueue(k => this.handle(k), {
      concurrency: opts.concurrency ?? 12,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      onError: (key, e, attempt) => {
        if (attempt >= 3) log(`reconcile ${key} failed (attempt ${attempt}): ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    const api = new SimApi(client, FIELD_MANAGER);
    this.ctx = {
      api,
      caches: this.caches,
      hosts: new HostPool(),
      expectations: new Expectations(),
      waitingForHost: new Map(),
      agentClock: new Map(),
      createdConfigs: new Map(),
      finalized: new Set(),
      stepDelayMs: opts.stepDelayMs ?? 0,
      cniPlaceholders: opts.cniPlaceholders ?? true,
      fault: name => this.faults.get(name),
      now: () => nowTime(),
      event: (obj, type, reason, message, component) => {
        if (type === "Normal" && !opts.normalEvents) return;
        recordEvent(client, obj, type, reason, message, component).catch(e =>
          log(`event ${reason} on ${obj.metadata.name}: ${String(e)}`),
        );
      },
      log,
    };
    this.wire();
  }

  /** Starts every informer; resolves once all caches hold their initial lists and reconciling has begun. */
  start(): Promise<void> {
    if (!this.started) {
      this.started = Promise.all(Object.values(this.caches).map((s: Store) => s.start())).then(() => {
        // Nothing is reconciled before every cache is complete: the agent would take a host whose ByoMachine
        // is merely not listed yet for an orphan and release it.
        this.synced = true;
        for (const k of this.early) this.queue.add(k);
        this.early.clear();
      });
    }
    return this.started;
  }

  /** Stops the watches and the queue; reconciles already running finish their current write. */
  stop(): void {
    this.queue.stop();
    for (const s of Object.values(this.caches) as Store[]) s.stop();
  }

  /** Sets (or with undefined clears) the fault of the host with this name; its agent reacts at once. */
  setFault(hostName: string, fault: HostFault | undefined): void {
    if (fault === undefined) this.faults.delete(hostName);
    else this.faults.set(hostName, fault);
    for (const h of this.caches.byoHosts.byIndex(IDX.name, hostName)) this.enqueue("ByoHost", keyOfObj(h));
  }

  /** Resolves when no reconcile is queued or running (scheduled retries do not count). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(kind: Kind, key: string, delayMs = 0): void {
    const qkey = `${kind}:${key}`;
    if (!this.synced) this.early.add(qkey);
    else if (delayMs > 0) this.queue.addAfter(qkey, delayMs);
    else this.queue.add(qkey);
  }

  private async handle(qkey: string): Promise<Result> {
    const i = qkey.indexOf(":");
    const kind = qkey.slice(0, i) as Kind;
    try {
      return await RECONCILERS[kind](this.ctx, qkey.slice(i + 1));
    } catch (e) {
      if (isConflict(e)) return { requeueAfterMs: CONFLICT_RETRY_MS };
      if (isNotFound(e)) return; // deleted under us; its deletion event requeues whoever cares
      throw e;
    }
  }

  /**
   * The event → reconcile mapping: who has to look again when an object of each kind changes. Owners hear of
   * their children with the coalescing delay; everything else (an object's own change, a child hearing of its
   * owner or host) at once.
   */
  private wire(): void {
    const c = this.caches;
    const e = this.ctx.expectations;
    const now = (kind: Kind, key: string | undefined) => key && this.enqueue(kind, key);
    const soon = (kind: Kind, key: string | undefined) => key && this.enqueue(kind, key, this.coalesceMs);
    // An owner's own status writes come back as events too; only spec and deletion changes need it at once.
    const own = (kind: Kind, o: KubeObject, old: KubeObject | undefined) => {
      const urgent =
        !old ||
        old.metadata.generation !== o.metadata.generation ||
        !old.metadata.deletionTimestamp !== !o.metadata.deletionTimestamp;
      (urgent ? now : soon)(kind, keyOfObj(o));
    };
    const observe = (prefix: string) => (phase: WatchPhase, o: KubeObject) =>
      e.observe(`${prefix}/${o.metadata.namespace}/${o.metadata.name}`, phase !== "DELETED", isDeleting(o));
    // Finalizers this simulator removed are remembered until the object is gone (see removeFinalizer).
    const forget = (phase: WatchPhase, o: KubeObject) => {
      if (phase !== "DELETED") return;
      for (const f of o.metadata.finalizers ?? []) this.ctx.finalized.delete(`${o.metadata.uid}|${f}`);
      this.ctx.createdConfigs.delete(o.metadata.uid!);
    };
    for (const s of Object.values(c) as Store[]) s.onChange(forget);

    c.clusters.onChange((p, cl, old) => {
      const key = keyOfObj(cl);
      own("Cluster", cl, old);
      for (const m of c.machines.byIndex(IDX.cluster, key)) now("Machine", keyOfObj(m));
      for (const bm of c.byoMachines.byIndex(IDX.cluster, key)) now("ByoMachine", keyOfObj(bm));
      for (const md of c.machineDeployments.byIndex(IDX.cluster, key)) now("MachineDeployment", keyOfObj(md));
      const ns = cl.metadata.namespace;
      const infra = cl.spec?.infrastructureRef;
      const cp = cl.spec?.controlPlaneRef;
      if (infra?.kind === "ByoCluster") now("ByoCluster", nsName(infra.namespace ?? ns, infra.name));
      if (cp?.kind === "KubeadmControlPlane") now("KubeadmControlPlane", nsName(cp.namespace ?? ns, cp.name));
      // ClusterResourceSet: a matching cluster appears, changes labels or becomes reachable (ControlPlaneInitialized).
      for (const crs of c.clusterResourceSets.byIndex(IDX.namespace, ns ?? ""))
        if (selectsCluster(crs, cl) || (old && selectsCluster(crs, old))) now("ClusterResourceSet", keyOfObj(crs));
      const binding = c.clusterResourceSetBindings.get(ns, cl.metadata.name);
      if (binding && (p === "DELETED" || isDeleting(cl))) now("ClusterResourceSetBinding", keyOfObj(binding));
    });
    c.clusterResourceSets.onChange((_p, crs, old) => {
      now("ClusterResourceSet", keyOfObj(crs));
      // A set appearing or going changes what "the CNI reached the cluster" needs.
      if (
        old &&
        old.metadata.generation === crs.metadata.generation &&
        !old.metadata.deletionTimestamp === !crs.metadata.deletionTimestamp
      )
        return;
      for (const cl of c.clusters.byIndex(IDX.namespace, crs.metadata.namespace!))
        if (selectsCluster(crs, cl)) for (const m of c.machines.byIndex(IDX.cluster, keyOfObj(cl))) now("Machine", keyOfObj(m));
    });
    c.clusterResourceSetBindings.onChange((_p, b) => {
      now("ClusterResourceSetBinding", keyOfObj(b));
      const cluster = nsName(b.metadata.namespace, b.spec?.clusterName ?? b.metadata.name);
      for (const m of c.machines.byIndex(IDX.cluster, cluster)) now("Machine", keyOfObj(m));
    });
    c.configMaps.onChange((_p, cm) => {
      for (const crs of c.clusterResourceSets.byIndex(IDX.namespace, cm.metadata.namespace!))
        if (crs.spec?.resources?.some(r => r.kind === "ConfigMap" && r.name === cm.metadata.name))
          now("ClusterResourceSet", keyOfObj(crs));
    });
    const toReferrers = (kind: string, o: KubeObject) => {
      for (const cl of c.clusters.byIndex(IDX.ref, `${kind}/${keyOfObj(o)}`)) soon("Cluster", keyOfObj(cl));
    };
    c.byoClusters.onChange((_p, o) => {
      now("ByoCluster", keyOfObj(o));
      toReferrers("ByoCluster", o);
    });
    c.kcps.onChange((_p, o, old) => {
      own("KubeadmControlPlane", o, old);
      toReferrers("KubeadmControlPlane", o);
    });
    c.machineDeployments.onChange((_p, md, old) => {
      own("MachineDeployment", md, old);
      soon("Cluster", nsName(md.metadata.namespace, md.spec?.clusterName ?? ""));
    });
    c.machineSets.onChange((p, ms, old) => {
      observe("MachineSet")(p, ms);
      own("MachineSet", ms, old);
      const md = controllerOf(ms, "MachineDeployment");
      if (md) soon("MachineDeployment", nsName(ms.metadata.namespace, md.name));
      soon("Cluster", clusterLabelKey(ms));
    });
    c.machines.onChange((p, m) => {
      observe("Machine")(p, m);
      const ns = m.metadata.namespace;
      now("Machine", keyOfObj(m));
      const owner = controllerOf(m);
      if (owner?.kind === "KubeadmControlPlane") soon("KubeadmControlPlane", nsName(ns, owner.name));
      if (owner?.kind === "MachineSet") {
        soon("MachineSet", nsName(ns, owner.name));
        const ms = c.machineSets.get(ns, owner.name);
        const md = ms && controllerOf(ms, "MachineDeployment");
        if (md) soon("MachineDeployment", nsName(ns, md.name));
      }
      now("ByoMachine", nsName(ns, m.spec?.infrastructureRef?.name ?? m.metadata.name));
      soon("Cluster", clusterLabelKey(m));
    });
    c.byoMachines.onChange((p, bm) => {
      observe("ByoMachine")(p, bm);
      const ns = bm.metadata.namespace;
      const key = keyOfObj(bm);
      now("ByoMachine", key);
      const owner = controllerOf(bm, "Machine");
      if (owner) now("Machine", nsName(ns, owner.name));
      for (const h of c.byoHosts.byIndex(IDX.attached, `${ns}.${bm.metadata.name}`)) now("ByoHost", keyOfObj(h));
      if (p === "DELETED") {
        this.ctx.waitingForHost.delete(key);
        soon("ByoCluster", clusterLabelKey(bm)); // BYOH names the ByoCluster like the cluster
      }
    });
    c.byoHosts.onChange((p, h, old) => {
      const key = keyOfObj(h);
      now("ByoHost", key);
      for (const host of [h, old]) {
        const bmKey = host && attachedMachineKey(host);
        if (bmKey) now("ByoMachine", bmKey);
      }
      const free = this.ctx.hosts.update(h, p !== "DELETED");
      if (free) {
        for (const [bmKey, selector] of this.ctx.waitingForHost)
          if (matchesSelector(selector, h.metadata.labels)) now("ByoMachine", bmKey);
      }
    });
    // Templates arriving late: the owners waiting for them retry on a timer (machine.ts), nothing to map here.
  }
}

function ownerUid(o: KubeObject): string[] {
  const ref = controllerOf(o);
  return ref ? [ref.uid] : [];
}

/** `<ns>/<cluster>` from the cluster-name label, or undefined without one. */
function clusterLabelKey(o: KubeObject): string | undefined {
  const name = o.metadata.labels?.[LABEL.clusterName];
  return name ? nsName(o.metadata.namespace, name) : undefined;
}

const byClusterLabel = (o: KubeObject) => [clusterLabelKey(o)];
const byNamespace = (o: KubeObject) => [o.metadata.namespace];
