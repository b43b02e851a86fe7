import { classifyWriteFailure, ObjectWriteError } from "../../../capabilities/o2ims/errors";
import { PR_STATUS_POLICY } from "../../../capabilities/o2ims/reconciler";
import {
  clusterStatus,
  computeStatus,
  deletingStatus,
  invalidStatus,
  lastApplySucceeded,
  ObservedCluster,
  PRStatus,
  statusEvents,
} from "../../../capabilities/o2ims/status";
import { PR_CONDITION_TYPES } from "../../../api/vocabulary";
import { KubeError } from "../../../kube/client";
import { nextStatus, StatusUpdate } from "../../../kube/status-writer";
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
        previousStage: { name: "WaitingForControlPlaneHosts", since: started },
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
        previousStage: { name: "WaitingForControlPlaneHosts", since: started },
      }),
    );
    expect(s.state).toBe("progressing");
    expect(s.timeoutInMs).toBe(500_000);
    const other = computeStatus(
      observed({ cluster: cluster(false), controlPlane: kcp(0), previousStage: { name: "Creating", since: started } }),
    );
    expect(other.timeoutInMs).toBe(600_000);
  });
});

describe("the stage clock (status.stage)", () => {
  it("keeps the stage's start while the stage stays, and restarts it on a new stage", () => {
    const started = new Date(NOW.getTime() - 100_000).toISOString();
    const same = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        previousStage: { name: "WaitingForControlPlaneHosts", since: started },
      }),
    );
    expect(same.stageSince).toBe(started);
    const next = computeStatus(
      observed({
        cluster: cluster(false),
        controlPlane: kcp(0),
        byoHosts: [host("target-3", "3", "edge"), host("target-4", "4")],
        previousStage: { name: "WaitingForControlPlaneHosts", since: started },
      }),
    );
    expect(next.stage).toBe("ControlPlaneProvisioning");
    expect(next.stageSince).toBe(NOW.toISOString());
  });
});

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";
const write = (update: StatusUpdate<PRStatus>, previous?: PRStatus, now = T0) =>
  nextStatus(previous, update, PR_STATUS_POLICY, 1, now);
const cond = (s: PRStatus, type: string) => s.conditions!.find(c => c.type === type)!;
const denial = new ObjectWriteError(
  "apply",
  { kind: "KubeadmControlPlane", name: "edge-control-plane", namespace: "ns" },
  new KubeError(403, 'admission webhook "validation.kubeadmcontrolplane" denied the request: spec.replicas: Forbidden'),
);

describe("ProvisioningRequest status updates", () => {
  const progressing = computeStatus(observed({ cluster: cluster(false), controlPlane: kcp(0) }));

  it("carries every condition type on every path (normal, invalid, deleting, apply failure)", () => {
    const normal = write(clusterStatus(progressing, undefined, T0, "applied"));
    const invalid = write(invalidStatus("InvalidParameters", "bad", normal, T1), normal, T1);
    const deleting = write(deletingStatus("WaitingForClusterDeletion", "bye", normal, T1), normal, T1);
    const failed = write(clusterStatus(progressing, normal, T1, classifyWriteFailure(denial)), normal, T1);
    for (const s of [normal, invalid, deleting, failed]) expect(s.conditions!.map(c => c.type)).toEqual([...PR_CONDITION_TYPES]);
    expect(cond(normal, "Applied")).toMatchObject({ status: "True", reason: "Applied" });
    expect(cond(normal, "Deleting")).toMatchObject({ status: "False", reason: "NotDeleting" });
    expect(cond(invalid, "Validated")).toMatchObject({ status: "False", reason: "InvalidParameters" });
    expect(cond(invalid, "HostsAttached")).toEqual(cond(normal, "HostsAttached")); // not evaluated: carried as it was
    expect(cond(deleting, "Deleting")).toMatchObject({ status: "True", reason: "WaitingForClusterDeletion" });
    expect(cond(deleting, "Ready")).toMatchObject({ status: "False", reason: "Deleting" });
    expect(deleting.stage).toEqual(normal.stage);
    const fresh = write(invalidStatus("TemplateNotFound", "no template", undefined, T0));
    expect(cond(fresh, "Applied")).toMatchObject({ status: "Unknown", reason: "NotChecked" });
  });

  it("records the stage and its start in status.stage, and moves provisioningUpdateTime only with state or message", () => {
    const first = write(clusterStatus(progressing, undefined, T0, "applied"));
    expect(first.stage).toEqual({ name: "WaitingForControlPlaneHosts", since: NOW.toISOString() });
    expect(first.provisioningStatus?.provisioningUpdateTime).toBe(T0);
    const again = write(clusterStatus(progressing, first, T1), first, T1);
    expect(again.provisioningStatus?.provisioningUpdateTime).toBe(T0);
    expect(cond(again, "Applied")).toEqual(cond(first, "Applied")); // nothing applied this time: carried
  });

  it("a refused write fails the request with the object and the server's message; success recovers it", () => {
    const before = write(clusterStatus(progressing, undefined, T0, "applied"));
    const failure = classifyWriteFailure(denial);
    expect(failure).toMatchObject({ permanent: true, reason: "ApplyRejected", status: 403 });
    const failed = write(clusterStatus(progressing, before, T1, failure), before, T1);
    expect(failed.provisioningStatus?.provisioningState).toBe("failed");
    expect(failed.provisioningStatus?.provisioningMessage).toBe(
      'apply of KubeadmControlPlane ns/edge-control-plane was refused (HTTP 403): admission webhook "validation.kubeadmcontrolplane" denied the request: spec.replicas: Forbidden',
    );
    expect(cond(failed, "Applied")).toMatchObject({ status: "False", reason: "ApplyRejected", message: failure.message });
    expect(cond(failed, "Ready")).toMatchObject({ status: "False", reason: "ApplyRejected" });
    expect(lastApplySucceeded(failed)).toBe(false);
    const events = statusEvents(before, failed);
    expect(events).toEqual([{ type: "Warning", reason: "ApplyRejected", message: failure.message }]); // one, not two
    const recovered = write(clusterStatus(progressing, failed, T1, "applied"), failed, T1);
    expect(recovered.provisioningStatus?.provisioningState).toBe("progressing");
    expect(lastApplySucceeded(recovered)).toBe(true);
    expect(statusEvents(failed, recovered)).toEqual([{ type: "Normal", reason: "Progressing", message: progressing.message }]);
  });

  it("a passing failure keeps the state, says the last error in Applied, with a Warning once per new error", () => {
    const before = write(clusterStatus(progressing, undefined, T0, "applied"));
    const failure = classifyWriteFailure(
      new ObjectWriteError("apply", { kind: "Cluster", name: "edge" }, new KubeError(503, "etcdserver: leader changed")),
    );
    expect(failure).toMatchObject({ permanent: false, reason: "ApplyFailed" });
    const s = write(clusterStatus(progressing, before, T1, failure), before, T1);
    expect(s.provisioningStatus).toEqual(before.provisioningStatus);
    expect(cond(s, "Applied")).toMatchObject({ status: "False", reason: "ApplyFailed" });
    expect(cond(s, "Applied").message).toBe("apply of Cluster edge failed (HTTP 503), retrying: etcdserver: leader changed");
    expect(statusEvents(before, s)).toEqual([{ type: "Warning", reason: "ApplyFailed", message: cond(s, "Applied").message }]);
    expect(statusEvents(s, write(clusterStatus(progressing, s, T1, failure), s, T1))).toEqual([]);
  });

  it.each([
    [400, true],
    [403, true],
    [404, true],
    [422, true],
    [408, false],
    [409, false],
    [429, false],
    [500, false],
    [503, false],
  ])("classifies HTTP %i as permanent: %s", (status, permanent) => {
    expect(classifyWriteFailure(new KubeError(status, "x")).permanent).toBe(permanent);
  });

  it("classifies a network failure as passing, naming the object and the operation", () => {
    const f = classifyWriteFailure(
      new ObjectWriteError(
        "delete",
        { kind: "MachineDeployment", name: "edge-worker-4", namespace: "ns" },
        new Error("connect ECONNREFUSED"),
      ),
    );
    expect(f).toEqual({
      permanent: false,
      reason: "ApplyFailed",
      message: "delete of MachineDeployment ns/edge-worker-4 failed, retrying: connect ECONNREFUSED",
    });
  });

  it("records an Event per state change, a Warning for failed", () => {
    const pending = write(clusterStatus(computeStatus(observed()), undefined, T0, "applied"));
    expect(statusEvents(undefined, pending)).toEqual([
      { type: "Normal", reason: "Pending", message: "creating the cluster objects" },
    ]);
    const invalid = write(invalidStatus("TemplateNotFound", "ClusterTemplate x/v1 not found", pending, T1), pending, T1);
    expect(statusEvents(pending, invalid)).toEqual([
      { type: "Warning", reason: "Failed", message: "ClusterTemplate x/v1 not found" },
    ]);
    expect(statusEvents(invalid, invalid)).toEqual([]);
  });
});
