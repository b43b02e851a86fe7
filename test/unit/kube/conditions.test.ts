import { completeConditions, mergeConditions } from "../../../kube/conditions";

describe("conditions", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = "2026-01-01T00:05:00Z";
  it("moves lastTransitionTime only when the status changes, not the reason or the message", () => {
    const first = mergeConditions(undefined, [{ type: "Ready", status: "False", reason: "A", message: "m1" }], t0);
    expect(first[0].lastTransitionTime).toBe(t0);
    const message = mergeConditions(first, [{ type: "Ready", status: "False", reason: "A", message: "m2" }], t1);
    expect(message[0]).toMatchObject({ lastTransitionTime: t0, message: "m2" });
    const reason = mergeConditions(first, [{ type: "Ready", status: "False", reason: "B", message: "m2" }], t1);
    expect(reason[0]).toMatchObject({ lastTransitionTime: t0, reason: "B" });
    const status = mergeConditions(first, [{ type: "Ready", status: "True", reason: "A", message: "m1" }], t1);
    expect(status[0].lastTransitionTime).toBe(t1);
  });

  it("completes the set: wanted, else carried as it was, else Unknown/NotChecked, in the kind's order", () => {
    const previous = mergeConditions(
      undefined,
      [{ type: "B", status: "True", reason: "Old", message: "old", observedGeneration: 1 }],
      t0,
    );
    const set = completeConditions(["A", "B", "C"], previous, [{ type: "C", status: "False", reason: "X", message: "x" }], 2);
    expect(set).toEqual([
      { type: "A", status: "Unknown", reason: "NotChecked", message: "not checked yet", observedGeneration: 2 },
      { type: "B", status: "True", reason: "Old", message: "old", observedGeneration: 1 },
      { type: "C", status: "False", reason: "X", message: "x", observedGeneration: 2 },
    ]);
    expect(() => completeConditions(["A"], undefined, [{ type: "Z", status: "True", reason: "R", message: "" }], 1)).toThrow(
      "condition type Z is not one of A",
    );
  });
});
