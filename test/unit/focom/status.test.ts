import {
  ComputedStatus,
  computeStatus,
  FocomStatus,
  Observation,
  statusEvents,
  statusUpdate,
  unreachableSince,
} from "../../../capabilities/focom/status";
import { FPR_STATUS_POLICY } from "../../../capabilities/focom/status-writer";
import type { RemoteRequest } from "../../../capabilities/focom/remote";
import { nextStatus, sameStatus } from "../../../kube/status-writer";
import { FPR_CONDITION_TYPES } from "../../../api/vocabulary";

const REF = { name: "edge-o2ims", namespace: "smo" };
const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";

function remote(
  state?: string,
  over: { message?: string; generation?: number; observedGeneration?: number; deleting?: boolean; clusterId?: string } = {},
): RemoteRequest {
  return {
    metadata: {
      name: REF.name,
      namespace: REF.namespace,
      uid: "r1",
      generation: over.generation ?? 1,
      ...(over.deleting ? { deletionTimestamp: T0 } : {}),
    },
    status: state
      ? {
          observedGeneration: over.observedGeneration ?? over.generation ?? 1,
          provisioningStatus: {
            provisioningState: state as "pending",
            provisioningMessage: over.message,
            provisioningUpdateTime: T0,
          },
          ...(over.clusterId ? { provisionedResourceSet: { oCloudNodeClusterId: over.clusterId } } : {}),
        }
      : undefined,
  };
}

const compute = (observation: Observation, previous?: FocomStatus) =>
  computeStatus({ observation, ocloud: "edge-ocloud", remote: REF, generation: 2, previous });
const condition = (s: ComputedStatus | FocomStatus, type: string) =>
  (s.conditions as { type: string; status: string; reason: string; lastTransitionTime?: string }[]).find(c => c.type === type)!;
/** The status kube/status-writer would write for a computation (every condition type, times, lastUpdated). */
const written = (c: ComputedStatus, previous?: FocomStatus, now = T0) =>
  nextStatus(previous, statusUpdate(c), FPR_STATUS_POLICY, 2, now);
const statusChanged = (a: FocomStatus, b: FocomStatus) => !sameStatus(a, b, FPR_STATUS_POLICY);

describe("FOCOM status mapping", () => {
  it("Pending: the O-Cloud answered but the remote does not exist yet", () => {
    const s = compute({ kind: "mirrored" });
    expect(s.phase).toBe("Pending");
    expect(s.message).toBe("creating ProvisioningRequest smo/edge-o2ims on O-Cloud edge-ocloud");
    expect(condition(s, "RemoteCreated")).toMatchObject({ status: "False", reason: "NotCreated" });
    expect(s.conditions.map(c => c.type)).toEqual([...FPR_CONDITION_TYPES]);
  });

  it("Creating: the remote exists and its O2IMS has not reported yet", () => {
    const s = compute({ kind: "mirrored", remote: remote() });
    expect(s.phase).toBe("Creating");
    expect(s.remoteName).toBe("edge-o2ims");
    expect(condition(s, "RemoteCreated")).toMatchObject({ status: "True", reason: "Created", observedGeneration: 2 });
    expect(condition(s, "Synced")).toMatchObject({ status: "False", reason: "AwaitingState" });
  });

  it.each(["pending", "progressing"])("Creating: the remote is %s, its message mirrored", state => {
    const s = compute({ kind: "mirrored", remote: remote(state, { message: "control plane 0/1 ready" }) });
    expect(s.phase).toBe("Creating");
    expect(s.message).toBe(`ProvisioningRequest smo/edge-o2ims is ${state} on O-Cloud edge-ocloud: control plane 0/1 ready`);
    expect(condition(s, "Synced").reason).toBe(state === "pending" ? "Pending" : "Progressing");
    expect(s.remoteState).toEqual({
      provisioningState: state,
      provisioningMessage: "control plane 0/1 ready",
      provisioningUpdateTime: T0,
    });
  });

  it("Synced: the remote is fulfilled, with the cluster id", () => {
    const s = compute({ kind: "mirrored", remote: remote("fulfilled", { message: "cluster ready", clusterId: "c-1" }) });
    expect(s.phase).toBe("Synced");
    expect(condition(s, "Synced")).toMatchObject({ status: "True", reason: "Fulfilled" });
    expect(condition(s, "Ready")).toMatchObject({ status: "True", reason: "Fulfilled" });
    expect(s.remoteState).toEqual({
      provisioningState: "fulfilled",
      provisioningMessage: "cluster ready",
      provisioningUpdateTime: T0,
      oCloudNodeClusterId: "c-1",
    });
  });

  it("Ready is False with the phase as its reason until the remote is fulfilled", () => {
    for (const state of ["pending", "progressing", "failed"]) {
      const s = compute({ kind: "mirrored", remote: remote(state) });
      expect(condition(s, "Ready")).toMatchObject({ status: "False", reason: s.phase, message: s.message });
    }
  });

  it("Creating, not Synced, while the O-Cloud has not processed the latest spec (a scale just applied)", () => {
    const s = compute({ kind: "mirrored", remote: remote("fulfilled", { generation: 3, observedGeneration: 2 }) });
    expect(s.phase).toBe("Creating");
    expect(condition(s, "Synced").reason).toBe("UpdatePending");
  });

  it("Creating while someone deletes the remote on the O-Cloud (it is created again once gone)", () => {
    expect(compute({ kind: "mirrored", remote: remote("fulfilled", { deleting: true }) })).toMatchObject({ phase: "Creating" });
    expect(condition(compute({ kind: "mirrored", remote: remote("deleting") }), "Synced").reason).toBe("RemoteDeleting");
  });

  it("Failed: the remote failed, with its message", () => {
    const s = compute({ kind: "mirrored", remote: remote("failed", { message: "host target-9 failed bootstrap" }) });
    expect(s.phase).toBe("Failed");
    expect(s.message).toBe("ProvisioningRequest smo/edge-o2ims failed on O-Cloud edge-ocloud: host target-9 failed bootstrap");
    expect(condition(s, "Synced")).toMatchObject({ status: "False", reason: "RemoteFailed" });
  });

  it("Failed: a same-named remote of another request is a conflict, and not ours to report", () => {
    const s = compute({ kind: "conflict", owner: "other/edge" });
    expect(s.phase).toBe("Failed");
    expect(s.remoteName).toBeUndefined();
    expect(condition(s, "RemoteCreated")).toMatchObject({ status: "False", reason: "NameConflict" });
    expect(s.message).toMatch(
      /already exists on O-Cloud edge-ocloud and belongs to another request \(other\/edge\); it is not overwritten/,
    );
  });

  it("Failed: the O-Cloud rejected the create, with its message", () => {
    const s = compute({
      kind: "rejected",
      message: "O-Cloud edge-ocloud rejected the write of the ProvisioningRequest (HTTP 422): no ByoHost named x",
    });
    expect(s.phase).toBe("Failed");
    expect(s.message).toContain("no ByoHost named x");
    expect(condition(s, "RemoteCreated")).toMatchObject({ status: "False", reason: "Rejected" });
    expect(condition(s, "Synced")).toMatchObject({ status: "False", reason: "Rejected" });
  });

  it("Failed: the O-Cloud rejected an update; the remote that exists is still mirrored", () => {
    const s = compute({ kind: "rejected", message: "denied", remote: remote("fulfilled") });
    expect(s.phase).toBe("Failed");
    expect(s.remoteState?.provisioningState).toBe("fulfilled");
    expect(condition(s, "RemoteCreated").status).toBe("True");
    expect(condition(s, "Synced").reason).toBe("Rejected");
  });

  it.each(["OCloudNotFound", "TemplateNotFound", "InvalidParameters"] as const)("Failed: invalid request (%s)", reason => {
    const s = compute({ kind: "invalid", reason, message: "why" });
    expect(s.phase).toBe("Failed");
    expect(condition(s, "Validated")).toMatchObject({ status: "False", reason, message: "why" });
    const w = written(s);
    expect(w.conditions?.map(c => c.type)).toEqual([...FPR_CONDITION_TYPES]);
    expect(condition(w, "OCloudReachable")).toMatchObject({ status: "Unknown", reason: "NotChecked" });
  });

  it("Failed: bad credentials or configuration of the O-Cloud", () => {
    const s = compute(
      { kind: "disconnected", failure: { kind: "misconfigured", reason: "SecretNotFound", message: "Secret smo/k not found" } },
      { phase: "Synced" },
    );
    expect(s.phase).toBe("Failed");
    expect(condition(s, "OCloudReachable")).toMatchObject({ status: "False", reason: "SecretNotFound" });
  });

  it("unreachable: phase unchanged, OCloudReachable False/Unreachable, other conditions and remote state carried", () => {
    const synced = written(compute({ kind: "mirrored", remote: remote("fulfilled", { clusterId: "c-1" }) }));
    const failure = {
      kind: "unreachable" as const,
      reason: "Unreachable",
      message: "cannot reach O-Cloud edge-ocloud: connect ECONNREFUSED 127.0.0.1:6443",
    };
    const s = compute({ kind: "disconnected", failure }, synced);
    expect(s.phase).toBe("Synced");
    expect(s.message).toBe(`${failure.message}; retrying`);
    expect(s.remoteState).toEqual(synced.remoteState);
    expect(condition(s, "OCloudReachable")).toMatchObject({ status: "False", reason: "Unreachable" });
    expect(condition(written(s, synced), "Synced")).toMatchObject({ status: "True", reason: "Fulfilled" });
    expect(compute({ kind: "disconnected", failure }).phase).toBe("Pending"); // nothing exists yet
  });

  it("Deleting: waiting for the remote, then gone", () => {
    const waiting = compute({
      kind: "deleting",
      remote: remote("deleting", { message: "deleting cluster edge" }),
      message: "waiting",
    });
    expect(waiting.phase).toBe("Deleting");
    expect(condition(waiting, "RemoteCreated")).toMatchObject({ status: "True", reason: "Deleting" });
    expect(condition(waiting, "Synced")).toMatchObject({ status: "False", reason: "Deleting", message: "waiting" });
    expect(waiting.remoteState?.provisioningMessage).toBe("deleting cluster edge");
    const gone = compute({ kind: "deleting", remote: null, message: "gone" }, written(waiting));
    expect(condition(gone, "RemoteCreated")).toMatchObject({ status: "False", reason: "Deleted" });
    expect(gone.remoteState).toBeUndefined();
    expect(gone.remoteName).toBe("edge-o2ims");
  });

  it("Deleting while the O-Cloud is unreachable: the remote state stays as last seen", () => {
    const before = written(compute({ kind: "mirrored", remote: remote("fulfilled") }));
    const s = compute(
      { kind: "deleting", message: "waiting", failure: { kind: "unreachable", reason: "Unreachable", message: "down" } },
      before,
    );
    expect(s.phase).toBe("Deleting");
    expect(condition(s, "OCloudReachable")).toMatchObject({ status: "False", reason: "Unreachable" });
    expect(condition(written(s, before), "RemoteCreated")).toMatchObject({ status: "True", reason: "Created" });
    expect(s.remoteState?.provisioningState).toBe("fulfilled");
  });
});

describe("FOCOM status writing", () => {
  it("keeps lastUpdated and transition times when nothing changed, and reports no change", () => {
    const first = written(compute({ kind: "mirrored", remote: remote("progressing", { message: "a" }) }), undefined, T0);
    const again = written(compute({ kind: "mirrored", remote: remote("progressing", { message: "a" }) }, first), first, T1);
    expect(statusChanged(first, again)).toBe(false);
    expect(again.lastUpdated).toBe(T0);
    expect(again.observedGeneration).toBe(2);
  });

  it("moves lastUpdated on a change and a condition's transition time only when its status changes", () => {
    const first = written(compute({ kind: "mirrored", remote: remote("progressing", { message: "a" }) }), undefined, T0);
    const second = written(compute({ kind: "mirrored", remote: remote("progressing", { message: "b" }) }, first), first, T1);
    expect(statusChanged(first, second)).toBe(true);
    expect(second.lastUpdated).toBe(T1);
    expect(condition(second, "RemoteCreated").lastTransitionTime).toBe(T0);
    expect(condition(second, "Synced").lastTransitionTime).toBe(T0); // message changed, status did not
    const third = written(compute({ kind: "mirrored", remote: remote("fulfilled") }, second), second, T1);
    expect(condition(third, "Synced").lastTransitionTime).toBe(T1);
  });

  it("drops remoteState keys the remote no longer has", () => {
    const first = written(compute({ kind: "mirrored", remote: remote("fulfilled", { message: "x", clusterId: "c" }) }));
    const second = written(compute({ kind: "deleting", remote: null, message: "gone" }, first), first, T1);
    expect(second).not.toHaveProperty("remoteState");
  });

  it("records an Event per phase change (Warning for Failed) and when the O-Cloud goes away or comes back", () => {
    const pending = written(compute({ kind: "mirrored" }));
    expect(statusEvents(undefined, pending)).toEqual([{ type: "Normal", reason: "Pending", message: pending.message }]);
    const failed = written(compute({ kind: "mirrored", remote: remote("failed", { message: "boom" }) }, pending), pending);
    expect(statusEvents(pending, failed).map(e => [e.type, e.reason])).toEqual([["Warning", "Failed"]]);
    const down = written(
      compute({ kind: "disconnected", failure: { kind: "unreachable", reason: "Unreachable", message: "down" } }, failed),
      failed,
    );
    expect(statusEvents(failed, down).map(e => [e.type, e.reason])).toEqual([["Warning", "OCloudUnreachable"]]);
    const back = written(compute({ kind: "mirrored", remote: remote("fulfilled") }, down), down);
    expect(statusEvents(down, back).map(e => [e.type, e.reason])).toEqual([
      ["Normal", "Synced"],
      ["Normal", "OCloudReachable"],
    ]);
    expect(statusEvents(back, back)).toEqual([]);
  });

  it("says since when the O-Cloud has been failing", () => {
    const down = written(
      compute({ kind: "disconnected", failure: { kind: "unreachable", reason: "Unreachable", message: "down" } }),
      undefined,
      T0,
    );
    expect(unreachableSince(down)).toBe(T0);
    expect(unreachableSince(written(compute({ kind: "mirrored" })))).toBeUndefined();
  });
});
