import {
  falseCondition,
  mirror,
  nowTime,
  sameConditions,
  setConditions,
  summary,
  trueCondition,
} from "../../../local/sim/conditions";

const T0 = "2024-01-01T00:00:00Z";
const T1 = "2024-01-01T00:01:00Z";

describe("setConditions", () => {
  it("orders Ready first, then alphabetically, and drops severity on True", () => {
    const out = setConditions(
      undefined,
      [trueCondition("Zeta"), { type: "Alpha", status: "True", severity: "Info" }, trueCondition("Ready")],
      T0,
    );
    expect(out.map(c => c.type)).toEqual(["Ready", "Alpha", "Zeta"]);
    expect(out[1].severity).toBeUndefined();
  });

  it("keeps lastTransitionTime unless the status flips, and keeps unmentioned types", () => {
    const first = setConditions(undefined, [falseCondition("A", "Waiting"), trueCondition("B")], T0);
    const second = setConditions(first, [falseCondition("A", "OtherReason", "Warning")], T1);
    expect(second.find(c => c.type === "A")).toEqual({
      type: "A",
      status: "False",
      severity: "Warning",
      reason: "OtherReason",
      lastTransitionTime: T0,
    });
    expect(second.find(c => c.type === "B")?.lastTransitionTime).toBe(T0);
    const third = setConditions(second, [trueCondition("A")], T1);
    expect(third.find(c => c.type === "A")).toEqual({ type: "A", status: "True", lastTransitionTime: T1 });
  });
});

describe("summary", () => {
  it("is True when every part is True, skipping missing parts", () => {
    expect(summary("Ready", [trueCondition("A"), undefined])).toEqual({ type: "Ready", status: "True" });
  });

  it("takes the most severe False part", () => {
    const s = summary("Ready", [
      falseCondition("A", "Slow", "Info"),
      falseCondition("B", "Broken", "Error", "it broke"),
      falseCondition("C", "Meh", "Warning"),
    ]);
    expect(s).toEqual({ type: "Ready", status: "False", severity: "Error", reason: "Broken", message: "it broke" });
  });
});

describe("mirror", () => {
  it("copies the source condition under a new type, or uses the fallback", () => {
    const src = { type: "Ready", status: "False" as const, severity: "Info" as const, reason: "X", lastTransitionTime: T0 };
    expect(mirror("InfrastructureReady", src, trueCondition(""))).toEqual({
      type: "InfrastructureReady",
      status: "False",
      severity: "Info",
      reason: "X",
    });
    expect(mirror("InfrastructureReady", undefined, falseCondition("", "Waiting"))).toEqual({
      type: "InfrastructureReady",
      status: "False",
      severity: "Info",
      reason: "Waiting",
    });
  });
});

describe("sameConditions / nowTime", () => {
  it("ignores transition times", () => {
    expect(
      sameConditions(setConditions(undefined, [trueCondition("A")], T0), setConditions(undefined, [trueCondition("A")], T1)),
    ).toBe(true);
    expect(
      sameConditions(
        setConditions(undefined, [trueCondition("A")], T0),
        setConditions(undefined, [falseCondition("A", "R")], T0),
      ),
    ).toBe(false);
  });

  it("formats times at seconds precision", () => {
    expect(nowTime(new Date("2024-05-06T07:08:09.123Z"))).toBe("2024-05-06T07:08:09Z");
  });
});
