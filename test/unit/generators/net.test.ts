import { cidrContains, cidrsOverlap, formatIp, parseCidr, parseIp } from "../../../generators/net";
import { compareK8sVersions, needsSuperAdminConf, parseK8sVersion } from "../../../generators/versions";

const cidr = (s: string) => {
  const r = parseCidr(s);
  if (!("cidr" in r)) throw new Error(`${s}: ${r.error}`);
  return r.cidr;
};
const ip = (s: string) => parseIp(s)!;

describe("parseIp", () => {
  test.each([
    "0.0.0.0",
    "255.255.255.255",
    "10.1.2.3",
    "::",
    "::1",
    "2001:db8::7",
    "fe80::1:2:3:4",
    "::ffff:10.0.0.1",
    "1:2:3:4:5:6:7:8",
  ])("accepts %s", s => expect(parseIp(s)).toBeDefined());
  test.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.1",
    "01.2.3.4",
    "1.2.3.-4",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7::8",
    "fe80::1%eth0",
    "g::1",
    "host.example",
  ])("rejects %s", s => expect(parseIp(s)).toBeUndefined());

  test("round-trips through formatIp in canonical form", () => {
    for (const [input, canonical] of [
      ["10.0.0.1", "10.0.0.1"],
      ["2001:0db8:0000:0000:0000:0000:0000:0007", "2001:db8::7"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
      ["::", "::"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ]) {
      expect(formatIp(ip(input))).toBe(canonical);
    }
  });
});

describe("CIDRs", () => {
  test("parse networks, reject host bits and bad prefixes with the reason", () => {
    expect(cidr("10.96.0.0/12")).toMatchObject({ family: 4, prefix: 12 });
    expect(cidr("fd00::/8")).toMatchObject({ family: 6, prefix: 8 });
    expect(parseCidr("10.96.0.1/12")).toEqual({ error: expect.stringContaining("10.96.0.0/12") });
    expect(parseCidr("10.0.0.0/33")).toEqual({ error: expect.stringContaining("prefix") });
    expect(parseCidr("10.0.0.0")).toEqual({ error: expect.stringContaining("address/prefix") });
  });

  test("containment and overlap, per family", () => {
    expect(cidrContains(cidr("10.96.0.0/12"), ip("10.111.255.255"))).toBe(true);
    expect(cidrContains(cidr("10.96.0.0/12"), ip("10.112.0.0"))).toBe(false);
    expect(cidrContains(cidr("::/0"), ip("10.0.0.1"))).toBe(false);
    expect(cidrsOverlap(cidr("10.0.0.0/8"), cidr("10.96.0.0/12"))).toBe(true);
    expect(cidrsOverlap(cidr("10.0.0.0/9"), cidr("10.128.0.0/9"))).toBe(false);
    expect(cidrsOverlap(cidr("0.0.0.0/0"), cidr("::/0"))).toBe(false);
  });
});

describe("Kubernetes versions", () => {
  test("parse, compare and decide on super-admin.conf", () => {
    expect(parseK8sVersion("v1.32.0")).toEqual({ major: 1, minor: 32, patch: 0 });
    expect(parseK8sVersion("1.32.0")).toBeUndefined();
    expect(compareK8sVersions(parseK8sVersion("v1.32.10")!, parseK8sVersion("v1.32.9")!)).toBeGreaterThan(0);
    expect(needsSuperAdminConf(parseK8sVersion("v1.28.15")!)).toBe(false);
    expect(needsSuperAdminConf(parseK8sVersion("v1.29.0")!)).toBe(true);
  });
});
