/** IPv4-mapped IPv6 addresses are judged as the IPv4 address kubeadm and kube-vip will use (issue 12). */
import { validateParameters, Violation } from "../../../generators/parameters";
import { formatIp, parseIp } from "../../../generators/net";
import { clusterParams, defaultTemplate } from "./fixtures";

const validate = (params: unknown) => validateParameters(params, defaultTemplate(), { namespace: "default" });
const rulesAt = (violations: Violation[], field: string) =>
  violations.filter(v => v.field === `spec.templateParameters.${field}`).map(v => v.rule);

describe("IPv4-mapped IPv6 addresses", () => {
  it("parse as the IPv4 address they map, in every spelling", () => {
    for (const s of ["::ffff:192.168.3.3", "::FFFF:192.168.3.3", "0:0:0:0:0:ffff:c0a8:303", "::ffff:c0a8:303"]) {
      const ip = parseIp(s)!;
      expect(ip.family).toBe(4);
      expect(formatIp(ip)).toBe("192.168.3.3");
    }
  });

  it("leave other IPv6 addresses alone (::ffff:0:0/96 only)", () => {
    for (const s of ["::192.168.3.3", "64:ff9b::c0a8:303", "::fffe:c0a8:303"]) expect(parseIp(s)!.family).toBe(6);
  });

  it("a host address inside the pod network is rejected when written as a mapped address", () => {
    const p = clusterParams(1, 1);
    p.hosts.workers![0].hostIp = "::ffff:192.168.3.3"; // the default podCIDR is 192.168.0.0/16
    expect(rulesAt(validate(p), "hosts.workers[0].hostIp")).toContain("address-in-cidr");
  });

  it("a control-plane endpoint inside the service network is rejected when written as a mapped address", () => {
    const p = clusterParams(1, 0, {
      podCIDR: "10.244.0.0/16",
      serviceCIDR: "10.96.0.0/12",
      controlPlaneEndpoint: "::ffff:10.96.0.10",
    });
    expect(rulesAt(validate(p), "controlPlaneEndpoint")).toContain("address-in-cidr");
  });

  it("a mapped address outside the cluster networks is accepted", () => {
    const p = clusterParams(1, 0, { podCIDR: "10.244.0.0/16", controlPlaneEndpoint: "::ffff:192.168.1.5" });
    expect(validate(p)).toEqual([]);
  });
});
