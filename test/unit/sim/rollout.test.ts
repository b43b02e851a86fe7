import { planRollout, SetState, Strategy } from "../../../local/sim/rollout";

const pinned: Strategy = { type: "RollingUpdate", maxSurge: 0, maxUnavailable: 1 };
const surge: Strategy = { type: "RollingUpdate", maxSurge: 1, maxUnavailable: 0 };
const set = (name: string, replicas: number, machines: number, running: number): SetState => ({
  name,
  replicas,
  machines,
  running,
});

describe("planRollout", () => {
  it("gives a first revision all replicas", () => {
    expect(planRollout(3, pinned, set("new", 0, 0, 0), [])).toEqual({ newReplicas: 3, oldReplicas: new Map() });
  });

  it("maxSurge 0: removes the old machine first, creates the new one only once the old one is gone", () => {
    // 1. old machine running: scale old to 0, new stays 0
    let plan = planRollout(1, pinned, set("new", 0, 0, 0), [set("old", 1, 1, 1)]);
    expect(plan.newReplicas).toBe(0);
    expect(plan.oldReplicas.get("old")).toBe(0);
    // 2. old machine still being deleted: nothing to do
    plan = planRollout(1, pinned, set("new", 0, 0, 0), [set("old", 0, 1, 0)]);
    expect(plan.newReplicas).toBe(0);
    expect(plan.oldReplicas.size).toBe(0);
    // 3. old machine gone: the new set gets its replica
    plan = planRollout(1, pinned, set("new", 0, 0, 0), [set("old", 0, 0, 0)]);
    expect(plan.newReplicas).toBe(1);
  });

  it("maxSurge 0 with 3 replicas keeps 2 available at every step", () => {
    let plan = planRollout(3, pinned, set("new", 0, 0, 0), [set("old", 3, 3, 3)]);
    expect([plan.newReplicas, plan.oldReplicas.get("old")]).toEqual([0, 2]);
    // the removed machine still exists: wait
    plan = planRollout(3, pinned, set("new", 0, 0, 0), [set("old", 2, 3, 3)]);
    expect([plan.newReplicas, plan.oldReplicas.size]).toEqual([0, 0]);
    plan = planRollout(3, pinned, set("new", 0, 0, 0), [set("old", 2, 2, 2)]);
    expect([plan.newReplicas, plan.oldReplicas.size]).toEqual([1, 0]);
    // new machine not running yet: old may not shrink
    plan = planRollout(3, pinned, set("new", 1, 1, 0), [set("old", 2, 2, 2)]);
    expect(plan.oldReplicas.size).toBe(0);
    plan = planRollout(3, pinned, set("new", 1, 1, 1), [set("old", 2, 2, 2)]);
    expect(plan.oldReplicas.get("old")).toBe(1);
  });

  it("maxSurge 1 creates the new machine first and keeps the old until it runs (hangs with pinned hosts)", () => {
    let plan = planRollout(1, surge, set("new", 0, 0, 0), [set("old", 1, 1, 1)]);
    expect([plan.newReplicas, plan.oldReplicas.size]).toEqual([1, 0]);
    plan = planRollout(1, surge, set("new", 1, 1, 0), [set("old", 1, 1, 1)]);
    expect([plan.newReplicas, plan.oldReplicas.size]).toEqual([1, 0]);
    plan = planRollout(1, surge, set("new", 1, 1, 1), [set("old", 1, 1, 1)]);
    expect(plan.oldReplicas.get("old")).toBe(0);
  });

  it("removes old machines that are not running without waiting for availability", () => {
    // one of two old machines is not running: it may go although only one stays available
    const plan = planRollout(2, pinned, set("new", 0, 0, 0), [set("old", 2, 2, 1)]);
    expect(plan.oldReplicas.get("old")).toBe(1);
  });

  it("OnDelete: old sets shrink only as their machines disappear", () => {
    const onDelete: Strategy = { type: "OnDelete", maxSurge: 0, maxUnavailable: 1 };
    expect(planRollout(2, onDelete, set("new", 0, 0, 0), [set("old", 2, 2, 2)])).toEqual({
      newReplicas: 0,
      oldReplicas: new Map(),
    });
    expect(planRollout(2, onDelete, set("new", 0, 0, 0), [set("old", 2, 1, 1)])).toEqual({
      newReplicas: 1,
      oldReplicas: new Map([["old", 1]]),
    });
  });
});
