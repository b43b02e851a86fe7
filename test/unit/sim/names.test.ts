import {
  compareVersions,
  generateName,
  hostFromProviderId,
  ipFor,
  lowestVersion,
  macFor,
  providerIdFor,
  resolveIntOrPercent,
  shortHash,
} from "../../../local/sim/names";
import { attachedMachineKey } from "../../../local/sim/reconcilers/agent";

describe("names", () => {
  it("generates <base>-<5> names that stay within 63 characters", () => {
    expect(generateName("edge-control-plane")).toMatch(/^edge-control-plane-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(generateName("x".repeat(80))).toHaveLength(63);
  });

  it("builds and parses BYOH providerIDs", () => {
    const id = providerIdFor("host-7");
    expect(id).toMatch(/^byoh:\/\/host-7\/[a-z]{6}$/);
    expect(hostFromProviderId(id)).toBe("host-7");
    expect(hostFromProviderId(undefined)).toBeUndefined();
  });

  it("hashes independent of key order", () => {
    expect(shortHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(shortHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(shortHash({ a: 1 })).not.toBe(shortHash({ a: 2 }));
  });

  it("orders Kubernetes versions numerically", () => {
    expect(compareVersions("v1.9.0", "v1.10.0")).toBeLessThan(0);
    expect(compareVersions("v1.32.0", "v1.32.0")).toBe(0);
    expect(lowestVersion(["v1.33.1", undefined, "v1.32.4", "v1.32.10"])).toBe("v1.32.4");
  });

  it("resolves int-or-percent values", () => {
    expect(resolveIntOrPercent(undefined, 4, true, 7)).toBe(7);
    expect(resolveIntOrPercent(2, 4, true, 0)).toBe(2);
    expect(resolveIntOrPercent("30%", 4, true, 0)).toBe(2);
    expect(resolveIntOrPercent("30%", 4, false, 0)).toBe(1);
  });
});

describe("hosts", () => {
  it("derives stable addresses", () => {
    expect(ipFor("host-1")).toBe(ipFor("host-1"));
    expect(ipFor("host-1")).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(macFor("host-1")).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });

  it("finds the ByoMachine a host is attached to from machineRef or label", () => {
    expect(
      attachedMachineKey({
        metadata: { name: "h", namespace: "hosts" },
        status: { machineRef: { name: "bm", namespace: "ns" } },
      }),
    ).toBe("ns/bm");
    expect(
      attachedMachineKey({
        metadata: { name: "h", labels: { "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": "ns.bm.x" } },
      }),
    ).toBe("ns/bm.x");
    expect(attachedMachineKey({ metadata: { name: "h" } })).toBeUndefined();
  });
});
