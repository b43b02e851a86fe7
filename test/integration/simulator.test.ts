/**
 * The CAPI/BYOH simulator against a real local API server with the upstream CRDs: host attachment by selector,
 * status progression, worker ordering, faults, missing hosts, upgrades, ordered deletion with host release,
 * and a restart mid-way.
 */
jest.setTimeout(300_000);

import { KubeClient, KubeObject } from "../../kube/client";
import { R, Resource } from "../../kube/resources";
import { usePlane } from "./support/use-plane";
import { waitFor } from "../../local/plane/wait";
import { CapiCondition, findCondition } from "../../local/sim/conditions";
import { controlPlaneName, createAll, pinnedCluster, workerName } from "../../local/sim/fixtures";
import { registerFleet, registerHost } from "../../local/sim/hosts";
import { ByoHost, ByoMachine, Cluster, KubeadmControlPlane, LABEL, Machine, MachineDeployment } from "../../local/sim/model";
import { Simulator } from "../../local/sim/simulator";

const NS = "default";
const WAIT = { timeoutMs: 60_000, intervalMs: 100 };

const plane = usePlane({ crds: "all" });
let client: KubeClient;
let sim: Simulator;

const conditions = (o: KubeObject | undefined) =>
  ((o?.status as { conditions?: CapiCondition[] } | undefined)?.conditions ?? []) as CapiCondition[];
const cond = (o: KubeObject | undefined, type: string) => findCondition(conditions(o), type);
const host = (name: string) => client.get<ByoHost>(R.ByoHost, name, NS);
const byLabel = <T extends KubeObject>(res: Resource, cluster: string) =>
  client.list<T>(res, { namespace: NS, labelSelector: `${LABEL.clusterName}=${cluster}` });

/** Waits until the named host is attached to a ByoMachine of `cluster` and its node bootstrapped. */
async function hostReady(name: string, cluster: string): Promise<ByoHost> {
  return waitFor(
    async () => {
      const h = await host(name);
      return (
        h.metadata.labels?.[LABEL.clusterName] === cluster &&
        !!h.status?.machineRef &&
        cond(h, "K8sNodeBootstrapSucceeded")?.status === "True" &&
        h
      );
    },
    { ...WAIT, message: `host ${name} ready in ${cluster}` },
  );
}

async function clusterReady(name: string): Promise<Cluster> {
  return waitFor(
    async () => {
      const c = await client.get<Cluster>(R.Cluster, name, NS);
      return c.status?.controlPlaneReady === true && cond(c, "Ready")?.status === "True" && c;
    },
    { ...WAIT, message: `cluster ${name} ready` },
  );
}

async function mdReady(name: string, version?: string): Promise<MachineDeployment> {
  return waitFor(
    async () => {
      const md = await client.get<MachineDeployment>(R.MachineDeployment, name, NS);
      const s = md.status;
      const ok =
        s?.readyReplicas === 1 &&
        s.updatedReplicas === 1 &&
        s.replicas === 1 &&
        s.phase === "Running" &&
        s.observedGeneration === md.metadata.generation;
      return ok && (!version || md.spec?.template?.spec?.version === version) && md;
    },
    { ...WAIT, message: `MachineDeployment ${name} ready` },
  );
}

beforeAll(async () => {
  client = await plane().client("simulator-test");
  // host-1 … host-12, host-id = 1 … 12; host-99 is registered only later (the "no host" case).
  await registerFleet(client, 12);
  sim = new Simulator(client, { faults: { "host-5": "bootstrap-failure" } });
  await sim.start();
});

afterAll(() => sim?.stop());

describe("simulator", () => {
  it("attaches hosts by selector and brings Cluster, KCP and MachineDeployment to ready", async () => {
    await createAll(client, pinnedCluster({ name: "alpha", controlPlaneHostIds: ["1"], workerHostIds: ["2"] }));
    await hostReady("host-1", "alpha");
    await hostReady("host-2", "alpha");

    const cluster = await clusterReady("alpha");
    expect(cluster.metadata.finalizers).toContain("cluster.cluster.x-k8s.io");
    expect(cluster.status).toMatchObject({
      phase: "Provisioned",
      infrastructureReady: true,
      controlPlaneReady: true,
      observedGeneration: cluster.metadata.generation,
    });
    expect(cluster.spec?.controlPlaneEndpoint).toEqual({ host: "172.16.4.100", port: 6443 });
    for (const t of ["InfrastructureReady", "ControlPlaneInitialized", "ControlPlaneReady"])
      expect(cond(cluster, t)?.status).toBe("True");

    const kcp = await waitFor(async () => {
      const k = await client.get<KubeadmControlPlane>(R.KubeadmControlPlane, controlPlaneName("alpha"), NS);
      return k.status?.ready === true && k;
    }, WAIT);
    expect(kcp.status).toMatchObject({
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      unavailableReplicas: 0,
      initialized: true,
      version: "v1.32.0",
    });
    expect(cond(kcp, "Available")?.status).toBe("True");
    expect(cond(kcp, "MachinesReady")?.status).toBe("True");
    expect(kcp.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Cluster", name: "alpha", controller: true })]);

    const md = await mdReady(workerName("alpha", "2"));
    expect(md.status).toMatchObject({ availableReplicas: 1, unavailableReplicas: 0 });
    expect(cond(md, "Ready")?.status).toBe("True");
    expect(cond(md, "Available")?.status).toBe("True");
    expect(md.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Cluster", name: "alpha" })]);
    expect(md.metadata.ownerReferences?.[0].controller).toBeUndefined();

    const byoCluster = await client.get(R.ByoCluster, "alpha", NS);
    expect(byoCluster.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Cluster", controller: true })]);
    expect(byoCluster.status).toMatchObject({ ready: true });
    for (const res of [R.ByoMachineTemplate, R.KubeadmConfigTemplate]) {
      for (const t of await client.list(res, { namespace: NS })) {
        if (!t.metadata.name.startsWith("alpha")) continue;
        expect(t.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Cluster", name: "alpha" })]);
      }
    }

    // Machines run on exactly the pinned hosts; the ByoMachines carry BYOH's providerID.
    const machines = await byLabel<Machine>(R.Machine, "alpha");
    expect(machines.map(m => m.status?.nodeRef?.name).sort()).toEqual(["host-1", "host-2"]);
    for (const m of machines) expect(m.status?.phase).toBe("Running");
    const cpMachine = machines.find(m => m.metadata.labels?.[LABEL.controlPlane] !== undefined)!;
    expect(cpMachine.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "KubeadmControlPlane", controller: true }),
    ]);
    const bm = await client.get<ByoMachine>(R.ByoMachine, cpMachine.metadata.name, NS);
    expect(bm.spec?.providerID).toMatch(/^byoh:\/\/host-1\/[a-z]{6}$/);
    expect(bm.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Machine", name: cpMachine.metadata.name, controller: true }),
    ]);
    const h1 = await host("host-1");
    expect(h1.status?.machineRef).toMatchObject({
      kind: "ByoMachine",
      name: bm.metadata.name,
      namespace: NS,
      uid: bm.metadata.uid,
    });
    expect(h1.metadata.labels).toMatchObject({ "host-id": "1", [LABEL.byoMachineName]: `${NS}.${bm.metadata.name}` });
    expect(h1.metadata.annotations).toMatchObject({ "byoh.infrastructure.cluster.x-k8s.io/k8sversion": "v1.32.0" });

    // Hosts outside the selectors stay free.
    for (const free of ["host-3", "host-4", "host-12"])
      expect((await host(free)).metadata.labels?.[LABEL.clusterName]).toBeUndefined();
  });

  it("attaches a worker host only after the control plane is initialised", async () => {
    sim.setFault("host-3", { slowMs: 2500 });
    await createAll(client, pinnedCluster({ name: "beta", controlPlaneHostIds: ["3"], workerHostIds: ["4"] }));
    // While the control-plane node bootstraps (host-3 attached, not yet up), the worker's ByoMachine waits for
    // bootstrap data and host-4 stays free.
    await waitFor(
      async () => {
        const [bm] = (await byLabel<ByoMachine>(R.ByoMachine, "beta")).filter(
          b => b.metadata.labels?.[LABEL.controlPlane] === undefined,
        );
        const cp = await host("host-3");
        return cond(bm, "BYOHostReady")?.reason === "WaitingForBootstrapDataSecret" && !!cp.status?.machineRef;
      },
      { ...WAIT, message: "control-plane host attached, worker ByoMachine waiting for bootstrap data" },
    );
    expect(cond(await host("host-3"), "K8sNodeBootstrapSucceeded")?.status).not.toBe("True");
    expect((await host("host-4")).metadata.labels?.[LABEL.clusterName]).toBeUndefined();

    const cp = await hostReady("host-3", "beta");
    const worker = await hostReady("host-4", "beta");
    // The worker was attached after the control-plane node came up.
    const cpUp = Date.parse(cond(cp, "K8sNodeBootstrapSucceeded")!.lastTransitionTime);
    const workerUp = Date.parse(cond(worker, "K8sNodeBootstrapSucceeded")!.lastTransitionTime);
    expect(workerUp).toBeGreaterThanOrEqual(cpUp);
    await clusterReady("beta");
    await mdReady(workerName("beta", "4"));
    sim.setFault("host-3", undefined);
  });

  it("shows a bootstrap failure as an Error condition on the host, and recovers when the fault is cleared", async () => {
    await createAll(client, pinnedCluster({ name: "gamma", controlPlaneHostIds: ["6"], workerHostIds: ["5"] }));
    const failed = await waitFor(
      async () => {
        const h = await host("host-5");
        const c = cond(h, "K8sNodeBootstrapSucceeded");
        return c?.reason === "CloudInitExecutionFailed" && c;
      },
      { ...WAIT, message: "host-5 bootstrap failure" },
    );
    expect(failed).toMatchObject({ status: "False", severity: "Error" });
    expect(failed.message).toBeTruthy();
    const md = await client.get<MachineDeployment>(R.MachineDeployment, workerName("gamma", "5"), NS);
    expect(md.status?.readyReplicas ?? 0).toBe(0);
    const events = await client.list(R.Event, { namespace: NS, fieldSelector: "involvedObject.name=host-5" });
    expect(events.map(e => (e as { reason?: string }).reason)).toContain("BootstrapK8sNodeFailed");

    sim.setFault("host-5", undefined);
    await hostReady("host-5", "gamma");
    await mdReady(workerName("gamma", "5"));
  });

  it("reports BYOHostsUnavailable while no host matches, and attaches a host registered later", async () => {
    await createAll(client, pinnedCluster({ name: "delta", controlPlaneHostIds: ["7"], workerHostIds: ["99"] }));
    const bm = await waitFor(
      async () => {
        const [b] = (await byLabel<ByoMachine>(R.ByoMachine, "delta")).filter(
          x => x.metadata.labels?.[LABEL.controlPlane] === undefined,
        );
        return cond(b, "BYOHostReady")?.reason === "BYOHostsUnavailable" && b;
      },
      { ...WAIT, message: "BYOHostsUnavailable" },
    );
    expect(cond(bm, "BYOHostReady")).toMatchObject({ status: "False", severity: "Info" });
    const events = await client.list(R.Event, { namespace: NS, fieldSelector: `involvedObject.name=${bm.metadata.name}` });
    expect(events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "Warning", reason: "ByoHostSelectionFailed" })]),
    );
    await clusterReady("delta"); // the control plane does not depend on the worker

    await registerHost(client, { name: "host-99", labels: { "host-id": "99" } });
    await hostReady("host-99", "delta");
    await mdReady(workerName("delta", "99"));
  });

  it("rolls a version upgrade machine by machine onto the same pinned hosts", async () => {
    const kcpName = controlPlaneName("alpha");
    const mdName = workerName("alpha", "2");
    const before = await byLabel<Machine>(R.Machine, "alpha");
    // maxSurge 0: at no time may a role have two live machines (the pinned host can serve only one).
    const live = new Map<string, Set<string>>();
    let maxLive = 0;
    const stopWatch = client.watch<Machine>(
      R.Machine,
      (phase, m) => {
        if (m.metadata.labels?.[LABEL.clusterName] !== "alpha") return;
        const role = m.metadata.labels?.[LABEL.controlPlane] !== undefined ? "cp" : "worker";
        const set = live.get(role) ?? new Set<string>();
        live.set(role, set);
        if (phase === "DELETED") set.delete(m.metadata.name);
        else set.add(m.metadata.name);
        maxLive = Math.max(maxLive, set.size);
      },
      { namespace: NS },
    );
    await client.mergePatch(R.KubeadmControlPlane, kcpName, NS, { spec: { version: "v1.33.1" } });
    await client.mergePatch(R.MachineDeployment, mdName, NS, { spec: { template: { spec: { version: "v1.33.1" } } } });

    const kcp = await waitFor(
      async () => {
        const k = await client.get<KubeadmControlPlane>(R.KubeadmControlPlane, kcpName, NS);
        const s = k.status;
        return (
          s?.version === "v1.33.1" &&
          s.updatedReplicas === 1 &&
          s.readyReplicas === 1 &&
          s.replicas === 1 &&
          s.observedGeneration === k.metadata.generation &&
          k
        );
      },
      { ...WAIT, message: "KCP upgraded" },
    );
    expect(cond(kcp, "MachinesSpecUpToDate")?.status).toBe("True");
    await mdReady(mdName, "v1.33.1");
    stopWatch();
    expect(maxLive).toBe(1);

    const after = await byLabel<Machine>(R.Machine, "alpha");
    expect(after).toHaveLength(2);
    for (const m of after) {
      expect(m.spec?.version).toBe("v1.33.1");
      expect(before.map(b => b.metadata.uid)).not.toContain(m.metadata.uid);
    }
    expect(after.map(m => m.status?.nodeRef?.name).sort()).toEqual(["host-1", "host-2"]);
    for (const h of ["host-1", "host-2"]) {
      expect((await hostReady(h, "alpha")).metadata.annotations?.["byoh.infrastructure.cluster.x-k8s.io/k8sversion"]).toBe(
        "v1.33.1",
      );
    }
    // One MachineSet per revision; the emptied old one is removed.
    const sets = await client.list(R.MachineSet, { namespace: NS, labelSelector: `${LABEL.deploymentName}=${mdName}` });
    expect(sets).toHaveLength(1);
    await clusterReady("alpha");
  });

  it("converges after a restart mid-way", async () => {
    sim.setFault("host-8", { slowMs: 1500 });
    await createAll(client, pinnedCluster({ name: "epsilon", controlPlaneHostIds: ["8"], workerHostIds: ["9"] }));
    // Stop while the control-plane host is attached but still bootstrapping.
    await waitFor(async () => (await host("host-8")).status?.machineRef !== undefined, { ...WAIT, message: "host-8 attached" });
    sim.stop();
    sim = new Simulator(client);
    await sim.start();
    await hostReady("host-8", "epsilon");
    await hostReady("host-9", "epsilon");
    await clusterReady("epsilon");
    await mdReady(workerName("epsilon", "9"));
    const machines = await byLabel<Machine>(R.Machine, "epsilon");
    expect(machines).toHaveLength(2); // no duplicates created by the second simulator
  });

  it("brings up three control-plane machines one at a time, and releases a worker's host when its MachineDeployment goes", async () => {
    await registerFleet(client, 2, { idOffset: 12 }); // host-13, host-14
    // Each control-plane Machine must be created only after the previous one runs (kubeadm init, then joins).
    const created: { name: string; at: number }[] = [];
    const running = new Map<string, number>();
    const stopWatch = client.watch<Machine>(
      R.Machine,
      (phase, m) => {
        if (m.metadata.labels?.[LABEL.clusterName] !== "zeta" || m.metadata.labels?.[LABEL.controlPlane] === undefined) return;
        if (phase === "ADDED") created.push({ name: m.metadata.name, at: Date.now() });
        if (m.status?.phase === "Running" && !running.has(m.metadata.name)) running.set(m.metadata.name, Date.now());
      },
      { namespace: NS },
    );
    await createAll(
      client,
      pinnedCluster({ name: "zeta", controlPlaneHostIds: ["10", "11", "12"], workerHostIds: ["13", "14"] }),
    );
    const kcp = await waitFor(
      async () => {
        const k = await client.get<KubeadmControlPlane>(R.KubeadmControlPlane, controlPlaneName("zeta"), NS);
        return k.status?.readyReplicas === 3 && k;
      },
      { ...WAIT, message: "3 control-plane replicas ready" },
    );
    stopWatch();
    expect(kcp.status).toMatchObject({ replicas: 3, updatedReplicas: 3, unavailableReplicas: 0, ready: true });
    expect(created).toHaveLength(3);
    for (let i = 1; i < created.length; i++) expect(created[i].at).toBeGreaterThanOrEqual(running.get(created[i - 1].name)!);
    const cpHosts = (await byLabel<Machine>(R.Machine, "zeta"))
      .filter(m => m.metadata.labels?.[LABEL.controlPlane] !== undefined)
      .map(m => m.status?.nodeRef?.name);
    expect(cpHosts.sort()).toEqual(["host-10", "host-11", "host-12"]);
    await mdReady(workerName("zeta", "13"));
    await mdReady(workerName("zeta", "14"));

    await client.delete(R.MachineDeployment, workerName("zeta", "14"), NS);
    await waitFor(async () => (await client.find(R.MachineDeployment, workerName("zeta", "14"), NS)) === undefined, {
      ...WAIT,
      message: "MD gone",
    });
    const released = await waitFor(
      async () => {
        const h = await host("host-14");
        return !h.metadata.labels?.[LABEL.clusterName] && !h.status?.machineRef && h;
      },
      { ...WAIT, message: "host-14 released" },
    );
    expect(released.metadata.labels).toEqual({ "host-id": "14" });
    const machines = await client.list<Machine>(R.Machine, {
      namespace: NS,
      labelSelector: `${LABEL.deploymentName}=${workerName("zeta", "14")}`,
    });
    expect(machines).toEqual([]);
    await mdReady(workerName("zeta", "13"));
    await clusterReady("zeta");
  });

  it("deletes a Cluster in order — workers, control plane, infrastructure — and releases its hosts", async () => {
    // Record when each object of the tree starts deleting and when it is gone.
    const seen: { kind: string; name: string; what: "deleting" | "gone"; at: number }[] = [];
    const stops = [R.MachineDeployment, R.KubeadmControlPlane, R.ByoCluster, R.Cluster].map(res =>
      client.watch(
        res,
        (phase, o) => {
          if (!o.metadata.name.startsWith("alpha")) return;
          if (phase === "DELETED") seen.push({ kind: res.kind, name: o.metadata.name, what: "gone", at: Date.now() });
          else if (
            o.metadata.deletionTimestamp &&
            !seen.some(s => s.name === o.metadata.name && s.kind === res.kind && s.what === "deleting")
          ) {
            seen.push({ kind: res.kind, name: o.metadata.name, what: "deleting", at: Date.now() });
          }
        },
        { namespace: NS },
      ),
    );
    try {
      await client.delete(R.Cluster, "alpha", NS);
      await waitFor(async () => (await client.find(R.Cluster, "alpha", NS)) === undefined, {
        ...WAIT,
        message: "Cluster alpha gone",
      });
      await waitFor(() => seen.some(s => s.kind === "Cluster" && s.what === "gone"), WAIT);
    } finally {
      stops.forEach(s => s());
    }
    const at = (kind: string, what: "deleting" | "gone") => seen.find(s => s.kind === kind && s.what === what)?.at ?? NaN;
    expect(at("MachineDeployment", "gone")).toBeLessThanOrEqual(at("KubeadmControlPlane", "deleting"));
    expect(at("KubeadmControlPlane", "gone")).toBeLessThanOrEqual(at("ByoCluster", "deleting"));
    expect(at("ByoCluster", "gone")).toBeLessThanOrEqual(at("Cluster", "gone"));

    for (const res of [R.MachineDeployment, R.MachineSet, R.Machine, R.ByoMachine, R.KubeadmConfig]) {
      expect(await byLabel(res, "alpha")).toEqual([]);
    }
    expect(await client.find(R.KubeadmControlPlane, controlPlaneName("alpha"), NS)).toBeUndefined();
    expect(await client.find(R.ByoCluster, "alpha", NS)).toBeUndefined();

    for (const [name, id] of [
      ["host-1", "1"],
      ["host-2", "2"],
    ]) {
      const h = await waitFor(
        async () => {
          const x = await host(name);
          return !x.metadata.labels?.[LABEL.clusterName] && !x.status?.machineRef && x;
        },
        { ...WAIT, message: `${name} released` },
      );
      expect(h.metadata.labels).toEqual({ "host-id": id });
      expect(Object.keys(h.metadata.annotations ?? {}).filter(a => a.startsWith("byoh."))).toEqual([]);
      expect(h.spec?.bootstrapSecret).toBeUndefined();
      expect(cond(h, "K8sNodeBootstrapSucceeded")).toMatchObject({ status: "False", reason: "WaitingForMachineRefToBeAssigned" });
    }
    // kube-controller-manager's garbage collector removes the templates the Cluster owned.
    await waitFor(
      async () => {
        const left = [
          ...(await client.list(R.ByoMachineTemplate, { namespace: NS })),
          ...(await client.list(R.KubeadmConfigTemplate, { namespace: NS })),
        ];
        return left.every(t => !t.metadata.name.startsWith("alpha"));
      },
      { ...WAIT, message: "alpha templates garbage-collected" },
    );
  });

  it("tears down every remaining cluster across a simulator restart and leaves all hosts free", async () => {
    for (const name of ["beta", "gamma", "delta", "epsilon", "zeta"]) await client.delete(R.Cluster, name, NS);
    // Restart while the teardown is under way (worker MachineDeployments going).
    await waitFor(
      async () => (await client.list(R.MachineDeployment, { namespace: NS })).some(md => md.metadata.deletionTimestamp),
      WAIT,
    );
    sim.stop();
    sim = new Simulator(client);
    await sim.start();
    await waitFor(async () => (await client.list(R.Cluster, { namespace: NS })).length === 0, {
      ...WAIT,
      message: "all clusters gone",
    });
    await waitFor(
      async () =>
        (await client.list<ByoHost>(R.ByoHost, { namespace: NS })).every(
          h => !h.metadata.labels?.[LABEL.clusterName] && !h.status?.machineRef,
        ),
      {
        ...WAIT,
        message: "all hosts free",
      },
    );
    expect(await client.list(R.Machine, { namespace: NS })).toEqual([]);
    expect(await client.list(R.ByoMachine, { namespace: NS })).toEqual([]);
  });
});

describe("simulator: the CNI through ClusterResourceSets", () => {
  const CNI_NS = "cni-sim";
  const BINDING = R.ClusterResourceSetBinding;
  const crs = (cluster: string, resources: { kind: string; name: string }[]): KubeObject => ({
    metadata: { name: `${cluster}-cni`, namespace: CNI_NS },
    spec: { clusterSelector: { matchLabels: { [LABEL.clusterName]: cluster } }, resources, strategy: "ApplyOnce" },
  });
  const kcpOf = (cluster: string) => client.get<KubeadmControlPlane>(R.KubeadmControlPlane, controlPlaneName(cluster), CNI_NS);
  /** A pinned cluster whose Cluster carries the cluster-name label, as the generator's does (the sets select by it). */
  const labelled = (spec: Parameters<typeof pinnedCluster>[0]) =>
    pinnedCluster(spec).map(o =>
      o.kind === "Cluster" ? { ...o, metadata: { ...o.metadata, labels: { [LABEL.clusterName]: spec.name } } } : o,
    );
  const resourcesApplied = async (name: string) => cond(await client.get(R.ClusterResourceSet, name, CNI_NS), "ResourcesApplied");

  beforeAll(async () => {
    await client.apply(R.Namespace, { metadata: { name: CNI_NS } });
  });

  it("applies a set's ConfigMap (a placeholder when missing, by default) before the nodes turn Ready", async () => {
    await client.apply(R.ClusterResourceSet, crs("kappa", [{ kind: "ConfigMap", name: "calico-cni" }]));
    await createAll(client, labelled({ name: "kappa", namespace: CNI_NS, controlPlaneHostIds: ["1"], workerHostIds: ["2"] }));
    const md = await waitFor(
      async () => {
        const m = await client.get<MachineDeployment>(R.MachineDeployment, workerName("kappa", "2"), CNI_NS);
        return m.status?.readyReplicas === 1 && m;
      },
      { ...WAIT, message: "kappa worker ready" },
    );
    expect(md.status?.phase).toBe("Running");
    expect((await kcpOf("kappa")).status).toMatchObject({ ready: true, readyReplicas: 1 });
    const binding = await client.get(BINDING, "kappa", CNI_NS);
    expect(binding.metadata.ownerReferences?.map(o => `${o.kind}/${o.name}`)).toEqual(["ClusterResourceSet/kappa-cni"]);
    const [entry] = (binding.spec as { bindings: { clusterResourceSetName: string; resources: Record<string, unknown>[] }[] })
      .bindings[0].resources;
    expect(entry).toMatchObject({
      kind: "ConfigMap",
      name: "calico-cni",
      applied: true,
      hash: expect.stringMatching(/^sha256:/),
    });
    // Applied after the control plane was initialized, before the first node was Ready.
    const cluster = await client.get<Cluster>(R.Cluster, "kappa", CNI_NS);
    const initializedAt = Date.parse(cond(cluster, "ControlPlaneInitialized")!.lastTransitionTime);
    expect(Date.parse(String(entry.lastAppliedTime))).toBeGreaterThanOrEqual(initializedAt);
    const cm = await client.get(R.ConfigMap, "calico-cni", CNI_NS);
    expect(cm.metadata.labels?.["o-cloud-provisioner.local/placeholder"]).toBe("cni");
    expect(cm.metadata.ownerReferences?.map(o => o.kind)).toEqual(["ClusterResourceSet"]);
    expect(await resourcesApplied("kappa-cni")).toMatchObject({ status: "True" });
  });

  it("keeps the nodes NotReady while a referenced resource is missing, and names it; Ready once it exists", async () => {
    await client.apply(R.ClusterResourceSet, crs("lambda", [{ kind: "Secret", name: "lambda-cni-manifest" }]));
    await createAll(client, labelled({ name: "lambda", namespace: CNI_NS, controlPlaneHostIds: ["3"] }));
    await waitFor(async () => (await kcpOf("lambda")).status?.initialized === true, { ...WAIT, message: "lambda initialized" });
    await new Promise(r => setTimeout(r, 1500));
    expect((await kcpOf("lambda")).status).toMatchObject({ initialized: true, ready: false, readyReplicas: 0 });
    const [machine] = await client.list<Machine>(R.Machine, { namespace: CNI_NS, labelSelector: `${LABEL.clusterName}=lambda` });
    expect(machine.status).toMatchObject({ phase: "Running", nodeRef: { name: "host-3" } });
    expect(cond(machine, "NodeHealthy")).toMatchObject({ status: "False", reason: "NodeConditionsFailed", severity: "Warning" });
    expect(await resourcesApplied("lambda-cni")).toMatchObject({
      status: "False",
      reason: "RetrievingResourceFailed",
      message: 'secrets "lambda-cni-manifest" not found',
    });
    expect((await client.get<Cluster>(R.Cluster, "lambda", CNI_NS)).status?.controlPlaneReady).toBe(false);

    await client.create(R.Secret, {
      metadata: { name: "lambda-cni-manifest", namespace: CNI_NS },
      type: "addons.cluster.x-k8s.io/resource-set",
      stringData: { "cni.yaml": "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n" },
    } as KubeObject);
    await waitFor(async () => (await kcpOf("lambda")).status?.readyReplicas === 1, { ...WAIT, message: "lambda ready" });
    expect(await resourcesApplied("lambda-cni")).toMatchObject({ status: "True" });
  });

  it("deletes the bindings with their clusters and sets, and frees the hosts", async () => {
    for (const name of ["kappa", "lambda"]) {
      await client.delete(R.Cluster, name, CNI_NS);
      await client.delete(R.ClusterResourceSet, `${name}-cni`, CNI_NS);
    }
    await waitFor(
      async () =>
        (await client.list(R.Cluster, { namespace: CNI_NS })).length === 0 &&
        (await client.list(R.ClusterResourceSet, { namespace: CNI_NS })).length === 0 &&
        (await client.list(BINDING, { namespace: CNI_NS })).length === 0,
      { ...WAIT, message: "clusters, sets and bindings gone" },
    );
    await waitFor(
      async () =>
        (await client.list<ByoHost>(R.ByoHost, { namespace: NS })).every(
          h => !h.metadata.labels?.[LABEL.clusterName] && !h.status?.machineRef,
        ),
      { ...WAIT, message: "all hosts free" },
    );
  });
});
