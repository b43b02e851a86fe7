import { findCondition, setConditions, trueCondition } from "../../../local/sim/conditions";
import { ByoCluster, ByoMachine, Cluster, KubeadmControlPlane, Machine, MachineDeployment } from "../../../local/sim/model";
import { bootstrapWaitReason, kubeadmConfigSpec } from "../../../local/sim/reconcilers/bootstrap";
import { strategyOf } from "../../../local/sim/reconcilers/machinedeployment";
import { clusterStatus, kcpStatus, machineDeploymentStatus, machineStatus, statusDiffers } from "../../../local/sim/status";

const NOW = "2024-01-01T00:00:00Z";

/** running: the Node exists and is Ready (NodeHealthy True); "not-ready": it exists, NotReady (no CNI yet). */
const machine = (
  name: string,
  version: string,
  running: boolean | "not-ready",
  extra: Partial<Machine["metadata"]> = {},
): Machine => ({
  metadata: { name, namespace: "ns", ...extra },
  spec: { version, clusterName: "c" },
  status: running
    ? {
        phase: "Running",
        nodeRef: { kind: "Node", name },
        conditions: ["Ready", "NodeHealthy"].map(type =>
          running === true
            ? { type, status: "True" as const, lastTransitionTime: NOW }
            : {
                type,
                status: "False" as const,
                severity: "Warning" as const,
                reason: "NodeConditionsFailed",
                lastTransitionTime: NOW,
              },
        ),
      }
    : { phase: "Provisioning" },
});

describe("kcpStatus", () => {
  const kcp = (version: string, replicas = 1, status?: KubeadmControlPlane["status"]): KubeadmControlPlane => ({
    metadata: { name: "cp", namespace: "ns", generation: 2 },
    spec: { replicas, version },
    status,
  });

  it("is not initialized and not ready before the first machine runs", () => {
    const s = kcpStatus(kcp("v1.32.0"), [machine("m1", "v1.32.0", false)], "c", NOW);
    expect(s).toMatchObject({
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 0,
      unavailableReplicas: 1,
      initialized: false,
      ready: false,
      observedGeneration: 2,
    });
    expect(s.version).toBeUndefined();
    expect(findCondition(s.conditions, "Available")).toMatchObject({ status: "False", reason: "WaitingForKubeadmInit" });
    expect(findCondition(s.conditions, "Ready")?.status).toBe("False");
    expect(s.selector).toBe("cluster.x-k8s.io/cluster-name=c,cluster.x-k8s.io/control-plane");
  });

  it("is ready with Available/MachinesReady True once its machines run", () => {
    const s = kcpStatus(kcp("v1.32.0"), [machine("m1", "v1.32.0", true)], "c", NOW);
    expect(s).toMatchObject({ readyReplicas: 1, unavailableReplicas: 0, initialized: true, ready: true, version: "v1.32.0" });
    for (const t of ["Ready", "Available", "MachinesReady", "Resized", "CertificatesAvailable"])
      expect(findCondition(s.conditions, t)?.status).toBe("True");
    // As KCP v1.10 (conformance): no MachinesSpecUpToDate before a first rollout, True after one.
    expect(findCondition(s.conditions, "MachinesSpecUpToDate")).toBeUndefined();
    const rolled = setConditions(
      undefined,
      [{ type: "MachinesSpecUpToDate", status: "False", reason: "RollingUpdateInProgress" }],
      NOW,
    );
    const after = kcpStatus(kcp("v1.32.0", 1, { conditions: rolled }), [machine("m1", "v1.32.0", true)], "c", NOW);
    expect(findCondition(after.conditions, "MachinesSpecUpToDate")?.status).toBe("True");
  });

  it("during an upgrade counts only new-version machines as updated/ready and reports the lowest running version", () => {
    const machines = [machine("m1", "v1.32.0", true), machine("m2", "v1.33.1", true), machine("m3", "v1.32.0", true)];
    const s = kcpStatus(kcp("v1.33.1", 3, { initialized: true }), machines, "c", NOW);
    expect(s).toMatchObject({ replicas: 3, updatedReplicas: 1, readyReplicas: 1, version: "v1.32.0", initialized: true });
    expect(findCondition(s.conditions, "MachinesSpecUpToDate")).toMatchObject({
      status: "False",
      reason: "RollingUpdateInProgress",
      severity: "Warning",
    });
  });

  it("is initialized but not ready while its first Node is NotReady (no CNI yet)", () => {
    const s = kcpStatus(kcp("v1.32.0"), [machine("m1", "v1.32.0", "not-ready")], "c", NOW);
    expect(s).toMatchObject({ readyReplicas: 0, unavailableReplicas: 1, initialized: true, ready: false, version: "v1.32.0" });
    expect(findCondition(s.conditions, "Available")?.status).toBe("True");
    expect(findCondition(s.conditions, "MachinesReady")).toMatchObject({ status: "False", reason: "NodeConditionsFailed" });
    expect(findCondition(s.conditions, "Ready")).toMatchObject({ status: "False", severity: "Warning" });
  });

  it("keeps initialized and the last version while no machine runs (1-replica rollout)", () => {
    const s = kcpStatus(kcp("v1.33.1", 1, { initialized: true, version: "v1.32.0" }), [], "c", NOW);
    expect(s).toMatchObject({ initialized: true, ready: false, version: "v1.32.0", readyReplicas: 0 });
  });
});

describe("clusterStatus", () => {
  const cluster = (spec: Cluster["spec"], status?: Cluster["status"], deleting = false): Cluster => ({
    metadata: { name: "c", namespace: "ns", generation: 1, ...(deleting ? { deletionTimestamp: NOW } : {}) },
    spec,
    status,
  });
  const refs = {
    infrastructureRef: { kind: "ByoCluster", name: "c" },
    controlPlaneRef: { kind: "KubeadmControlPlane", name: "cp" },
  };
  const byoCluster: ByoCluster = {
    metadata: { name: "c" },
    status: { ready: true, conditions: setConditions(undefined, [trueCondition("Ready")], NOW) },
  };

  it("goes Pending -> Provisioning -> Provisioned and mirrors infrastructure/control plane", () => {
    expect(clusterStatus(cluster({}), { now: NOW }).phase).toBe("Pending");
    expect(clusterStatus(cluster(refs), { now: NOW }).phase).toBe("Provisioning");
    const s = clusterStatus(cluster({ ...refs, controlPlaneEndpoint: { host: "10.0.0.1", port: 6443 } }), {
      byoCluster,
      now: NOW,
    });
    expect(s).toMatchObject({ phase: "Provisioned", infrastructureReady: true, controlPlaneReady: false, observedGeneration: 1 });
    expect(findCondition(s.conditions, "InfrastructureReady")?.status).toBe("True");
    expect(findCondition(s.conditions, "ControlPlaneInitialized")).toMatchObject({
      status: "False",
      reason: "WaitingForControlPlaneProviderInitialized",
    });
    expect(findCondition(s.conditions, "Ready")).toMatchObject({ status: "False", reason: "WaitingForControlPlane" });
  });

  it("is Ready with the control plane ready, and ControlPlaneInitialized never flips back", () => {
    const kcp: KubeadmControlPlane = {
      metadata: { name: "cp" },
      status: { ready: true, initialized: true, conditions: setConditions(undefined, [trueCondition("Ready")], NOW) },
    };
    const s = clusterStatus(cluster(refs), { byoCluster, kcp, now: NOW });
    expect(s.controlPlaneReady).toBe(true);
    expect(findCondition(s.conditions, "Ready")?.status).toBe("True");
    const later = clusterStatus(cluster(refs, s), {
      byoCluster,
      kcp: { metadata: { name: "cp" }, status: { ready: false, initialized: false } },
      now: NOW,
    });
    expect(findCondition(later.conditions, "ControlPlaneInitialized")?.status).toBe("True");
    expect(later.controlPlaneReady).toBe(false);
  });

  it("reports Deleting while being deleted", () => {
    expect(clusterStatus(cluster(refs, undefined, true), { byoCluster, now: NOW }).phase).toBe("Deleting");
  });
});

describe("machineDeploymentStatus", () => {
  const md: MachineDeployment = { metadata: { name: "md", namespace: "ns", generation: 3 }, spec: { replicas: 1 } };

  it("is ScalingUp until the machine runs, then Running", () => {
    let s = machineDeploymentStatus(md, {
      machines: [machine("a", "v1", false)],
      newMachines: [machine("a", "v1", false)],
      maxUnavailable: 0,
      selector: "x=y",
      now: NOW,
    });
    expect(s).toMatchObject({
      phase: "ScalingUp",
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: 1,
      observedGeneration: 3,
    });
    expect(findCondition(s.conditions, "Available")?.status).toBe("False");
    s = machineDeploymentStatus(md, {
      machines: [machine("a", "v1", true)],
      newMachines: [machine("a", "v1", true)],
      maxUnavailable: 0,
      selector: "x=y",
      now: NOW,
    });
    expect(s).toMatchObject({ phase: "Running", readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 0 });
    expect(findCondition(s.conditions, "Available")?.status).toBe("True");
  });

  it("counts only machines of the new MachineSet as updated", () => {
    const old = machine("old", "v1", true);
    const s = machineDeploymentStatus(md, { machines: [old], newMachines: [], maxUnavailable: 1, selector: "", now: NOW });
    expect(s).toMatchObject({ updatedReplicas: 0, readyReplicas: 1, phase: "Running" });
  });

  it("is Failed when a machine reports a failure", () => {
    const failed = machine("a", "v1", false);
    failed.status!.failureReason = "CreateError";
    expect(
      machineDeploymentStatus(md, { machines: [failed], newMachines: [failed], maxUnavailable: 0, selector: "", now: NOW }).phase,
    ).toBe("Failed");
  });
});

describe("machineStatus", () => {
  const m = (dataSecretName?: string): Machine => ({
    metadata: { name: "m", namespace: "ns", generation: 1 },
    spec: { clusterName: "c", version: "v1.32.0", bootstrap: { dataSecretName } },
  });

  it("walks Pending -> Provisioning -> Running with nodeRef from the providerID", () => {
    expect(machineStatus(m(), { now: NOW, bootstrapWaitReason: "WaitingForControlPlaneAvailable" })).toMatchObject({
      phase: "Pending",
      bootstrapReady: false,
    });
    expect(machineStatus(m("s"), { now: NOW }).phase).toBe("Provisioning");
    const bm: ByoMachine = { metadata: { name: "m" }, spec: { providerID: "byoh://host-3/abcdef" }, status: { ready: true } };
    const s = machineStatus(m("s"), { byoMachine: bm, now: NOW });
    expect(s).toMatchObject({ phase: "Running", infrastructureReady: true, nodeRef: { kind: "Node", name: "host-3" } });
    expect((s.nodeInfo as { kubeletVersion: string }).kubeletVersion).toBe("v1.32.0");
    expect(findCondition(s.conditions, "Ready")?.status).toBe("True");
  });

  it("has a Node but NodeHealthy False until the CNI reached the cluster; a Ready Node stays Ready", () => {
    const bm: ByoMachine = { metadata: { name: "m" }, spec: { providerID: "byoh://host-3/abcdef" }, status: { ready: true } };
    const notReady = machineStatus(m("s"), { byoMachine: bm, nodeReady: false, now: NOW });
    expect(notReady).toMatchObject({ phase: "Running", nodeRef: { name: "host-3" } });
    expect(findCondition(notReady.conditions, "NodeHealthy")).toMatchObject({
      status: "False",
      reason: "NodeConditionsFailed",
      severity: "Warning",
      message: "Node condition Ready is False",
    });
    expect(findCondition(notReady.conditions, "Ready")).toMatchObject({ status: "False", reason: "NodeConditionsFailed" });
    const ready = machineStatus({ ...m("s"), status: notReady }, { byoMachine: bm, nodeReady: true, now: NOW });
    expect(findCondition(ready.conditions, "NodeHealthy")?.status).toBe("True");
    const later = machineStatus({ ...m("s"), status: ready }, { byoMachine: bm, nodeReady: false, now: NOW });
    expect(findCondition(later.conditions, "NodeHealthy")?.status).toBe("True");
  });
});

describe("MachineDeployment readiness without a CNI", () => {
  it("counts a machine whose Node is NotReady as neither ready nor available", () => {
    const md: MachineDeployment = { metadata: { name: "md", namespace: "ns", generation: 1 }, spec: { replicas: 1 } };
    const m = machine("w", "v1", "not-ready");
    const s = machineDeploymentStatus(md, { machines: [m], newMachines: [m], maxUnavailable: 0, selector: "", now: NOW });
    expect(s).toMatchObject({ readyReplicas: 0, availableReplicas: 0, phase: "ScalingUp" });
  });
});

describe("bootstrap gating", () => {
  const cluster = (infra: boolean, initialized: boolean): Cluster => ({
    metadata: { name: "c" },
    status: {
      infrastructureReady: infra,
      conditions: initialized ? setConditions(undefined, [trueCondition("ControlPlaneInitialized")], NOW) : [],
    },
  });

  it("lets the first control-plane machine go once infrastructure is ready, workers only after initialisation", () => {
    expect(bootstrapWaitReason(true, cluster(false, false))).toBe("WaitingForClusterInfrastructure");
    expect(bootstrapWaitReason(true, cluster(true, false))).toBeUndefined();
    expect(bootstrapWaitReason(false, cluster(true, false))).toBe("WaitingForControlPlaneAvailable");
    expect(bootstrapWaitReason(false, cluster(true, true))).toBeUndefined();
  });

  it("cuts the KCP kubeadmConfigSpec to init or join", () => {
    const spec = { clusterConfiguration: {}, initConfiguration: {}, joinConfiguration: {}, files: [] };
    expect(Object.keys(kubeadmConfigSpec(spec, "init")).sort()).toEqual(["clusterConfiguration", "files", "initConfiguration"]);
    expect(Object.keys(kubeadmConfigSpec(spec, "join")).sort()).toEqual(["files", "joinConfiguration"]);
  });
});

describe("strategyOf", () => {
  it("defaults to maxSurge 0 / maxUnavailable 1 without a strategy, CAPI defaults inside one", () => {
    expect(strategyOf({ metadata: { name: "md" }, spec: {} })).toEqual({ type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 });
    expect(strategyOf({ metadata: { name: "md" }, spec: { strategy: { type: "RollingUpdate", rollingUpdate: {} } } })).toEqual({
      type: "RollingUpdate",
      maxSurge: 1,
      maxUnavailable: 0,
    });
    expect(
      strategyOf({
        metadata: { name: "md" },
        spec: { replicas: 4, strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: "50%" } } },
      }),
    ).toEqual({
      type: "RollingUpdate",
      maxSurge: 1,
      maxUnavailable: 2,
    });
  });
});

describe("statusDiffers", () => {
  it("ignores condition transition times and unmentioned fields", () => {
    const a = { ready: true, conditions: setConditions(undefined, [trueCondition("Ready")], NOW), other: 1 };
    expect(
      statusDiffers(a, { ready: true, conditions: setConditions(undefined, [trueCondition("Ready")], "2025-01-01T00:00:00Z") }),
    ).toBe(false);
    expect(statusDiffers(a, { ready: false })).toBe(true);
    expect(statusDiffers(undefined, { ready: true })).toBe(true);
  });
});
