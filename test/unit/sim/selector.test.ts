import { candidatePairs, matchesSelector, selectorString } from "../../../local/sim/selector";

describe("matchesSelector", () => {
  const labels = { "host-id": "3", site: "edge", rack: "r1" };

  it("treats an absent or empty selector as matching everything (BYOH nil selector)", () => {
    expect(matchesSelector(undefined, labels)).toBe(true);
    expect(matchesSelector({}, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: null, matchExpressions: null }, {})).toBe(true);
  });

  it("requires every matchLabels pair", () => {
    expect(matchesSelector({ matchLabels: { "host-id": "3" } }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { "host-id": "3", site: "core" } }, labels)).toBe(false);
    expect(matchesSelector({ matchLabels: { "host-id": "3" } }, undefined)).toBe(false);
  });

  it("implements In, NotIn, Exists and DoesNotExist", () => {
    expect(matchesSelector({ matchExpressions: [{ key: "host-id", operator: "In", values: ["1", "3"] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "host-id", operator: "In", values: ["1"] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "missing", operator: "In", values: ["1"] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "host-id", operator: "NotIn", values: ["1"] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "host-id", operator: "NotIn", values: ["3"] }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: "missing", operator: "NotIn", values: ["3"] }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "rack", operator: "Exists" }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "gpu", operator: "Exists" }] }, labels)).toBe(false);
    expect(
      matchesSelector({ matchExpressions: [{ key: "cluster.x-k8s.io/cluster-name", operator: "DoesNotExist" }] }, labels),
    ).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: "site", operator: "DoesNotExist" }] }, labels)).toBe(false);
  });

  it("ANDs matchLabels and matchExpressions", () => {
    const sel = { matchLabels: { site: "edge" }, matchExpressions: [{ key: "host-id", operator: "In" as const, values: ["3"] }] };
    expect(matchesSelector(sel, labels)).toBe(true);
    expect(matchesSelector(sel, { ...labels, site: "core" })).toBe(false);
  });

  it("rejects an unknown operator", () => {
    expect(matchesSelector({ matchExpressions: [{ key: "site", operator: "Gt" as never }] }, labels)).toBe(false);
  });
});

describe("candidatePairs", () => {
  it("picks the narrowest positive requirement for an index lookup", () => {
    expect(candidatePairs({ matchLabels: { site: "edge", "host-id": "3" } })).toEqual(["site=edge"]);
    expect(
      candidatePairs({
        matchExpressions: [{ key: "host-id", operator: "In", values: ["1", "2"] }],
        matchLabels: { site: "edge" },
      }),
    ).toEqual(["site=edge"]);
    expect(candidatePairs({ matchExpressions: [{ key: "host-id", operator: "In", values: ["1", "2"] }] })).toEqual([
      "host-id=1",
      "host-id=2",
    ]);
  });

  it("gives undefined (scan every host) without a positive requirement", () => {
    expect(candidatePairs(undefined)).toBeUndefined();
    expect(candidatePairs({ matchExpressions: [{ key: "x", operator: "NotIn", values: ["1"] }] })).toBeUndefined();
  });
});

describe("selectorString", () => {
  it("renders a labelSelector query", () => {
    expect(
      selectorString({
        matchLabels: { b: "2", a: "1" },
        matchExpressions: [
          { key: "c", operator: "In", values: ["y", "x"] },
          { key: "d", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("a=1,b=2,c in (x,y),!d");
  });
});
