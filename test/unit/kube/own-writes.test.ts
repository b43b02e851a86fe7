import { isLater, OwnWrites } from "../../../kube/own-writes";
import type { KubeObject } from "../../../kube/types";

const obj = (rv: string, extra: Partial<KubeObject> & { status?: unknown } = {}): KubeObject & { status?: unknown } => ({
  apiVersion: "v1",
  kind: "Thing",
  ...extra,
  metadata: { name: "a", namespace: "ns", uid: "u1", resourceVersion: rv, ...(extra.metadata ?? {}) },
});

describe("OwnWrites", () => {
  it("answers our write while the informer lags, and the informer's copy once it has delivered that write", () => {
    const w = new OwnWrites();
    const cached = obj("10", { status: "old" });
    expect(w.latest("ns/a", cached)).toBe(cached); // nothing written: the cache
    const written = obj("12", { status: "new" });
    w.record(written);
    expect(w.latest("ns/a", cached)).toBe(written); // the informer still has 10
    const between = obj("11", { status: "someone else" });
    w.observe("MODIFIED", between);
    expect(w.latest("ns/a", between)).toBe(written); // 11 is older than our 12
    const echo = obj("12", { status: "new" });
    w.observe("MODIFIED", echo);
    expect(w.latest("ns/a", echo)).toBe(echo);
    const later = obj("13", { status: "later" });
    expect(w.latest("ns/a", later)).toBe(later);
  });

  it("tells the echo of our own write from any other event, also after the informer delivered it", () => {
    const w = new OwnWrites();
    w.record(obj("12"));
    expect(w.isEcho(obj("12"))).toBe(true);
    expect(w.isEcho(obj("11"))).toBe(false);
    expect(w.isEcho(obj("13"))).toBe(false);
    expect(w.isEcho(obj("12", { metadata: { name: "b", namespace: "ns" } }))).toBe(false);
    w.observe("MODIFIED", obj("12"));
    expect(w.isEcho(obj("12"))).toBe(true); // Pepr's own watch may deliver it after the informer
    w.observe("DELETED", obj("14"));
    expect(w.isEcho(obj("12"))).toBe(false);
  });

  it("never answers a record about an object deleted and created again under the same name", () => {
    const w = new OwnWrites();
    w.record(obj("12"));
    const recreated = obj("5", { metadata: { name: "a", namespace: "ns", uid: "u2" } });
    expect(w.latest("ns/a", recreated)).toBe(recreated);
  });

  it("keeps the newer of two recorded writes, and a relist that skipped our version still ends the record", () => {
    const w = new OwnWrites();
    const newer = obj("20");
    w.record(newer);
    w.record(obj("19"));
    expect(w.latest("ns/a", obj("18"))).toBe(newer);
    const relisted = obj("25");
    w.observe("MODIFIED", relisted);
    const stale = obj("18");
    expect(w.latest("ns/a", stale)).toBe(stale); // record dropped: the cache answers
    expect(w.latest("ns/a", relisted)).toBe(relisted);
  });

  it("compares resourceVersions only when both are decimal integers", () => {
    expect(isLater("100", "99")).toBe(true);
    expect(isLater("99", "100")).toBe(false);
    expect(isLater("abc", "1")).toBe(false);
    expect(isLater(undefined, "1")).toBe(false);
  });
});
