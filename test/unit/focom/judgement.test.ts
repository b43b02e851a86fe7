/**
 * FOCOM admission's use of the O-Cloud's judgement (pure parts): which failed dry runs are denials, how the O-Cloud's
 * reasons read at the SMO, the namespaces the module ignores, and the ignored set as Pepr 1.1.4 computes it.
 */
import { isRemoteDenial, remoteDenialMessage, remoteReasons, unjudgedWarning } from "../../../capabilities/focom/admission";
import { admissionIgnoredNamespaces } from "../../../capabilities/environment";
import { KubeError } from "../../../kube/client";

describe("the O-Cloud's judgement at FOCOM admission", () => {
  const webhook =
    'admission webhook "pepr-o-cloud-provisioner.pepr.dev" denied the request: ProvisioningRequest rejected: ' +
    'spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "nowhere" is registered in any namespace';

  it("denies on the O-Cloud's refusals, admits on everything else", () => {
    expect(isRemoteDenial(new KubeError(422, webhook))).toBe(true);
    expect(isRemoteDenial(new KubeError(400, webhook))).toBe(true);
    expect(isRemoteDenial(new KubeError(404, 'namespaces "x" not found'))).toBe(true);
    expect(isRemoteDenial(new KubeError(403, webhook))).toBe(true);
    expect(isRemoteDenial(new KubeError(403, 'provisioningrequests is forbidden: User "smo" cannot create'))).toBe(false);
    for (const status of [401, 409, 429, 500, 503]) expect(isRemoteDenial(new KubeError(status, "x"))).toBe(false);
    expect(isRemoteDenial(new Error("connect ECONNREFUSED"))).toBe(false);
  });

  it("keeps the O-Cloud's reasons, drops its prefixes and renames the mirror's fields to the request's", () => {
    expect(remoteReasons(webhook)).toBe(
      'spec.templateParameters.hosts.masters[0].hostName: no ByoHost named "nowhere" is registered in any namespace',
    );
    expect(
      remoteReasons('ProvisioningRequest.o2ims.provisioning.oran.org "x-o2ims" is invalid: metadata.namespace: Invalid value'),
    ).toBe("spec.oCloudNamespace: Invalid value");
    const message = remoteDenialMessage("edge", { namespace: "o2ims", name: "x-o2ims" }, new KubeError(422, webhook));
    expect(message).toMatch(
      /^FocomProvisioningRequest rejected by O-Cloud edge \(server-side dry run of its ProvisioningRequest o2ims\/x-o2ims\): spec\.templateParameters/,
    );
    expect(unjudgedWarning("edge", "no answer within 2000 ms")).toContain("its status will report what the O-Cloud decides");
  });
});

describe("namespaces the module ignores (one set for webhooks, watcher and admission views)", () => {
  it("is Pepr's pair plus alwaysIgnore (which overrides admission.alwaysIgnore) plus PEPR_ADDITIONAL_IGNORED_NAMESPACES", () => {
    expect([...admissionIgnoredNamespaces({}, undefined)].sort()).toEqual(["kube-system", "pepr-system"]);
    const cfg = { alwaysIgnore: { namespaces: ["a"] }, admission: { alwaysIgnore: { namespaces: ["b"] } } };
    expect([...admissionIgnoredNamespaces(cfg, " c, ,d")].sort()).toEqual(["a", "c", "d", "kube-system", "pepr-system"]);
    const admissionOnly = { alwaysIgnore: { namespaces: [] }, admission: { alwaysIgnore: { namespaces: ["b"] } } };
    expect([...admissionIgnoredNamespaces(admissionOnly, "")].sort()).toEqual(["b", "kube-system", "pepr-system"]);
  });
});
