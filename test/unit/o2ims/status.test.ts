import { computeStatus, ObservedCluster } from "../../../capabilities/o2ims/status";
import type { KubeObject } from "../../../kube/types";

const NOW = new Date("2026-01-01T00:10:00Z");
const obj = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, generation: 1 },
  ...extra,
});

const host = (name: string, id: string, attachedTo?: string, condition?: { status: string; reason: string; message?: string }) =>
  obj(name, {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: {
        "host-id": id,
        ...(attachedTo
          ? {
              "cluster.x-k8s.io/cluster-name": attachedTo,
              "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": `ns.${name}-m`,
            }
          : {}),
      },
    },
    status: {
      ...(attachedTo ? { machineRef: { name: `${name}-m` } } : {}),
      conditions: condition ? [{ type: "K8sNodeBootstrapSucceeded", ...condition }] : [],
    },
  });

const kcp = (ready: number, updated = ready, version = "v1.32.0") =>
  obj("edge-control-plane", { status: { readyReplicas: ready, updatedReplicas: updated, version, observedGeneration: 1 } });
const md = (name: string, ready: number) =>
  obj(name, { spec: { replicas: 1 }, status: { readyReplicas: ready, updatedReplicas: 1, observedGeneration: 1 } });
const cluster = (cpReady: boolean) =>
  obj("edge", { status: { controlPlaneReady: cpReady, infrastructureReady: true, phase: "Provisioned" } });

function observed(over: Partial<ObservedCluster> = {}): ObservedCluster {
  return {
    namespace: "ns",
    clusterName: "edge",
    k8sVersion: "v1.32.0",
    pinningLabel: "host-id",
    hosts: [
      { hostId: "3", hostName: "target-3", role: "master" },
      { hostId: "4", hostName: "target-4", role: "worker" },
    ],
    machineDeployments: new Map([["edge-worker-4", undefined]]),
    byoHosts: [host("target-3", "3"), host("target-4", "4")],
    timeouts: { hostsSeconds: 600, controlPlaneSeconds: 600, workersSeconds: 600 },
    now: NOW,
    ...over,
  };
}

const ready = (o: ReturnType<typeof computeStatus>) => o.conditions.find(c => c.type === "Ready")!;

describe("computeStatus", () => {
  it("is pending while the cluster objects do not exist", () => {
    const s = computeStatus(observed());
    expect(s.state).toBe("pending");
    expect(s.stage).toBe("Creating");
    expect(s.clusterId).toBeUndefined();
  });

  it("waits for control-plane hosts before anything is attached", () => {
    const s = computeStatus(observed({ cluster: cluster(false), controlPlane: kcp(0) }));
    expect(s.state).toBe("progressing");
    expect(s.stage).toBe("WaitingForControlPlaneHosts");
    expect(s.message).toBe("control plane 0/1 ready; waiting for hosts target-3");
    expect(s.clusterId).toBe("uid-edge");
  });

  it("does not call a cluster fulfilled because its phase says Provisioned (BYOH reports that at once)", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4")],
      }),
    );
    expect(s.state).toBe("progressing");
    expect(s.stage).toBe("ControlPlaneProvisioning");
    expect(s.message).toBe("control plane 0/1 ready");
  });

  it("moves to the workers once the control plane is ready, and names the hosts it waits for", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(true),
        controlPlane: kcp(1),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4")],
        machineDeployments: new Map([["edge-worker-4", md("edge-worker-4", 0)]]),
      }),
    );
    expect(s.stage).toBe("WaitingForWorkerHosts");
    expect(s.message).toBe("control plane 1/1 ready, workers 0/1 ready; waiting for hosts target-4");
    expect(s.conditions.find(c => c.type === "ControlPlaneReady")!.status).toBe("True");
  });

  it("is fulfilled only when the control plane and every worker are ready, with stable ids", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(true),
        controlPlane: kcp(1),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4", "edge")],
        machineDeployments: new Map([["edge-worker-4", md("edge-worker-4", 1)]]),
      }),
    );
    expect(s.state).toBe("fulfilled");
    expect(ready(s).status).toBe("True");
    expect(s.hostIds).toEqual(["uid-target-3", "uid-target-4"]);
    expect(s.timeoutInMs).toBeUndefined();
  });

  it("is not fulfilled while a worker MachineDeployment does not exist yet", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(true),
        controlPlane: kcp(1),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4", "edge")],
      }),
    );
    expect(s.state).toBe("progressing");
    expect(s.stage).toBe("WorkersProvisioning");
  });

  it("reports an upgrade in progress until every control-plane replica runs the new version", () => {
    const s = computeStatus(
      observed({
        k8sVersion: "v1.32.4",
        cluster: cluster(true),
        controlPlane: kcp(1, 0, "v1.32.0"),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4", "edge")],
      }),
    );
    expect(s.stage).toBe("ControlPlaneProvisioning");
    expect(s.message).toBe("control plane upgrading to v1.32.4: 0/1 updated");
  });

  it("fails with the reason when an attached host fails bootstrap", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [
          host("target-3", "3", "edge", { status: "False", reason: "CloudInitExecutionFailed", message: "kubeadm init failed" }),
          host("target-4", "4"),
        ],
      }),
    );
    expect(s.state).toBe("failed");
    expect(ready(s).reason).toBe("HostBootstrapFailed");
    expect(s.message).toBe("host target-3 failed bootstrap (CloudInitExecutionFailed): kubeadm init failed");
  });

  it("ignores a bootstrap condition that is only waiting (severity Info)", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [
          host("target-3", "3", "edge", { status: "False", reason: "WaitingForMachineRefToBeAssigned" }),
          host("target-4", "4"),
        ],
      }),
    );
    expect(s.state).toBe("progressing");
  });

  it("fails when a pinned host is attached to another cluster", () => {
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [host("target-3", "3", "other"), host("target-4", "4")],
      }),
    );
    expect(s.state).toBe("failed");
    expect(ready(s).reason).toBe("HostUnavailable");
    expect(s.message).toContain("target-3 is attached to another cluster");
  });

  it("times out a stage that lasts longer than the template allows, naming the missing hosts", () => {
    const started = new Date(NOW.getTime() - 601_000).toISOString();
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [host("target-4", "4")],
        previousStage: { stage: "WaitingForControlPlaneHosts", since: started },
      }),
    );
    expect(s.state).toBe("failed");
    expect(ready(s).reason).toBe("StageTimedOut");
    expect(s.message).toBe(
      "timed out after 600s in stage WaitingForControlPlaneHosts: control plane 0/1 ready; waiting for hosts target-3; no ByoHost registered for target-3",
    );
  });

  it("measures the timeout from when the current stage began, and says when to look again", () => {
    const started = new Date(NOW.getTime() - 100_000).toISOString();
    const s = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        previousStage: { stage: "WaitingForControlPlaneHosts", since: started },
      }),
    );
    expect(s.state).toBe("progressing");
    expect(s.timeoutInMs).toBe(500_000);
    const other = computeStatus(
      observed({ cluster: cluster(false), controlPlane: kcp(0), previousStage: { stage: "Creating", since: started } }),
    );
    expect(other.timeoutInMs).toBe(600_000);
  });
});
