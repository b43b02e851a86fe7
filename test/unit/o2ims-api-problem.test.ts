import { KubeError } from "../../kube/client";
import { Problem } from "../../o2ims-api/contract";
import { fromKubeError, invalidParamsOf, problemBody } from "../../o2ims-api/problem";

const WEBHOOK =
  'admission webhook "pepr-o-cloud-provisioner.pepr.dev" denied the request: ProvisioningRequest rejected: ' +
  "spec.templateParameters.hosts.masters: hosts.masters must list an odd number of hosts (stacked etcd needs a majority), not 2; " +
  'spec.templateParameters.clusterName: clusterName "Edge_Cluster" must be a DNS-1123 label';

describe("Kubernetes answers as problems", () => {
  it("a webhook denial (422) keeps its message and names the REST fields", () => {
    const p = fromKubeError(new KubeError(422, WEBHOOK), "ProvisioningRequest x");
    expect(p.status).toBe(422);
    expect(p.title).toBe("Unprocessable Entity");
    expect(p.detail).toBe(WEBHOOK);
    expect(p.extra.invalidParams).toEqual([
      {
        param: "templateParameters.hosts.masters",
        reason: "hosts.masters must list an odd number of hosts (stacked etcd needs a majority), not 2",
      },
      { param: "templateParameters.clusterName", reason: 'clusterName "Edge_Cluster" must be a DNS-1123 label' },
    ]);
  });

  it("metadata.name is the provisioningRequestId", () => {
    expect(invalidParamsOf("ProvisioningRequest rejected: metadata.name: too long")).toEqual([
      { param: "provisioningRequestId", reason: "too long" },
    ]);
  });

  it.each([
    [new KubeError(404, "not found"), 404, "ProvisioningRequest x not found"],
    [new KubeError(409, "exists", "AlreadyExists"), 409, "ProvisioningRequest x already exists"],
    [new KubeError(409, "the object has been modified", "Conflict"), 409, "ProvisioningRequest x: the object has been modified"],
    [new KubeError(503, "etcd down"), 503, "the Kubernetes API server failed for ProvisioningRequest x"],
    [new Error("ECONNREFUSED"), 503, "the Kubernetes API server could not be reached for ProvisioningRequest x"],
  ])("%s -> %i", (e, status, detail) => {
    const p = fromKubeError(e, "ProvisioningRequest x");
    expect([p.status, p.detail]).toEqual([status, detail]);
  });

  it("the server's own missing RBAC is a 500 for the operator, a webhook's 403 stays the caller's", () => {
    expect(fromKubeError(new KubeError(403, 'user "system:serviceaccount:x" cannot create'), "PR x").status).toBe(500);
    expect(fromKubeError(new KubeError(403, 'admission webhook "w" denied the request: no'), "PR x").status).toBe(403);
  });

  it("the body has the RFC 7807 members and the extras", () => {
    const body = problemBody(new Problem(400, "Bad Request", "filter: bad", { invalidParams: [] }), "/x");
    expect(body).toEqual({
      type: "about:blank",
      title: "Bad Request",
      status: 400,
      detail: "filter: bad",
      instance: "/x",
      invalidParams: [],
    });
  });
});
