import { desiredRemote, isOwnedBy, needsApply, remoteRefOf, requestOf } from "../../../capabilities/focom/remote";
import { classifyFailure, OCloudConfigError } from "../../../capabilities/focom/errors";
import type { FPRObject } from "../../../capabilities/focom/cache";
import { KubeError } from "../../../kube/client";
import { ocloud } from "./fixtures";

const fpr = (over: Partial<FPRObject["spec"]> = {}, generation = 1): FPRObject => ({
  apiVersion: "focom.nephio.org/v1alpha1",
  kind: "FocomProvisioningRequest",
  metadata: { name: "edge-cluster-request", namespace: "smo", uid: "u-1", generation },
  spec: {
    oCloudId: "edge-ocloud",
    oCloudNamespace: "clusters",
    name: "edge",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: { clusterName: "edge" },
    ...over,
  },
});

describe("the remote ProvisioningRequest", () => {
  it("is <name>-o2ims in oCloudNamespace, spec copied, labelled and annotated back to the request and OCloud", () => {
    const r = desiredRemote(fpr(), ocloud("edge-ocloud", "kc"));
    expect(remoteRefOf(fpr())).toEqual({ name: "edge-cluster-request-o2ims", namespace: "clusters" });
    expect(r.metadata).toEqual({
      name: "edge-cluster-request-o2ims",
      namespace: "clusters",
      labels: {
        "focom.nephio.org/request-name": "edge-cluster-request",
        "focom.nephio.org/request-namespace": "smo",
        "focom.nephio.org/request-uid": "u-1",
      },
      annotations: {
        "focom.nephio.org/request": "smo/edge-cluster-request",
        "focom.nephio.org/ocloud": "smo/edge-ocloud",
        "focom.nephio.org/request-generation": "1",
      },
    });
    expect(r.spec).toEqual({
      name: "edge",
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: { clusterName: "edge" },
    });
  });

  it("defaults its namespace to the request's and omits what the request omits", () => {
    const r = desiredRemote(
      fpr({ oCloudNamespace: undefined, name: undefined, templateVersion: undefined }),
      ocloud("edge-ocloud"),
    );
    expect(r.metadata.namespace).toBe("smo");
    expect(r.spec).toEqual({ templateName: "byoh-workload-cluster", templateParameters: { clusterName: "edge" } });
  });

  it("belongs to the request with the same uid only", () => {
    const r = desiredRemote(fpr(), ocloud("edge-ocloud"));
    expect(isOwnedBy(r, fpr())).toBe(true);
    expect(isOwnedBy(r, { ...fpr(), metadata: { ...fpr().metadata, uid: "u-2" } })).toBe(false);
    expect(isOwnedBy({ metadata: { name: "x" } }, fpr())).toBe(false);
    expect(requestOf(r)).toEqual({ key: "smo/edge-cluster-request", uid: "u-1" });
    expect(requestOf({ metadata: { name: "x" } })).toBeUndefined();
  });

  it("needs an apply when the request's generation moved on or a link was removed, not otherwise", () => {
    const applied = desiredRemote(fpr(), ocloud("edge-ocloud"));
    const live = {
      ...applied,
      metadata: { ...applied.metadata, labels: { ...applied.metadata.labels, extra: "x" }, resourceVersion: "9" },
    };
    expect(needsApply(live, desiredRemote(fpr(), ocloud("edge-ocloud")))).toBe(false);
    expect(needsApply(live, desiredRemote(fpr({}, 2), ocloud("edge-ocloud")))).toBe(true);
    const unlabelled = { ...live, metadata: { ...live.metadata, labels: {} } };
    expect(needsApply(unlabelled, applied)).toBe(true);
  });
});

describe("O-Cloud failures", () => {
  it.each([
    [new KubeError(503, "etcd unavailable"), "read", "unreachable", "Unreachable"],
    [new KubeError(429, "slow down"), "write", "unreachable", "Unreachable"],
    [new Error("connect ECONNREFUSED 127.0.0.1:6443"), "read", "unreachable", "Unreachable"],
    [new KubeError(401, "Unauthorized"), "write", "unauthorized", "Unauthorized"],
    [new KubeError(403, "cannot get provisioningrequests"), "read", "unauthorized", "Forbidden"],
    [new KubeError(403, 'admission webhook "x" denied the request'), "write", "rejected", "Rejected"],
    [new KubeError(422, "spec.templateParameters.hosts.masters: odd"), "write", "rejected", "Rejected"],
    [new KubeError(404, 'namespaces "clusters" not found'), "write", "rejected", "Rejected"],
    [new OCloudConfigError("SecretNotFound", "Secret smo/kc not found"), "read", "misconfigured", "SecretNotFound"],
  ] as const)("%s on %s -> %s (%s)", (e, op, kind, reason) => {
    const f = classifyFailure(e, "edge-ocloud", op);
    expect([f.kind, f.reason]).toEqual([kind, reason]);
    expect(f.message).toContain(e.message);
  });
});
