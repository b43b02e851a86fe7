import { mergeConditions, sameConditions } from "../../../kube/conditions";

describe("conditions", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = "2026-01-01T00:05:00Z";
  it("keeps lastTransitionTime while status and reason stay, moves it when either changes", () => {
    const first = mergeConditions(undefined, [{ type: "Ready", status: "False", reason: "A", message: "m1" }], t0);
    expect(first[0].lastTransitionTime).toBe(t0);
    const same = mergeConditions(first, [{ type: "Ready", status: "False", reason: "A", message: "m2" }], t1);
    expect(same[0].lastTransitionTime).toBe(t0);
    expect(same[0].message).toBe("m2");
    const reason = mergeConditions(first, [{ type: "Ready", status: "False", reason: "B", message: "m2" }], t1);
    expect(reason[0].lastTransitionTime).toBe(t1);
    const status = mergeConditions(first, [{ type: "Ready", status: "True", reason: "A", message: "m1" }], t1);
    expect(status[0].lastTransitionTime).toBe(t1);
  });

  it("compares condition lists without their times", () => {
    const a = mergeConditions(undefined, [{ type: "Ready", status: "True", reason: "A", message: "m" }], t0);
    const b = mergeConditions(undefined, [{ type: "Ready", status: "True", reason: "A", message: "m" }], t1);
    expect(sameConditions(a, b)).toBe(true);
    expect(sameConditions(a, [{ ...b[0], message: "other" }])).toBe(false);
  });
});
