import { phaseOf, PrObject, toInfo, toObject, toSpec } from "../../o2ims-api/provisioning/mapper";

const pr = (over: Partial<PrObject> = {}): PrObject => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata: { name: "edge", namespace: "o2ims", creationTimestamp: "2026-12-01T10:00:00Z" },
  spec: {
    name: "Edge",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: { clusterName: "edge" },
  },
  ...over,
});

describe("ProvisioningRequest CR -> ProvisioningRequestInfo", () => {
  it("maps a fulfilled request with its provisioned resources", () => {
    const info = toInfo(
      pr({
        status: {
          provisioningStatus: {
            provisioningState: "fulfilled",
            provisioningMessage: "cluster edge ready",
            provisioningUpdateTime: "2026-12-01T10:05:00Z",
          },
          provisionedResourceSet: { oCloudNodeClusterId: "cluster-uid", oCloudInfrastructureResourceIds: ["h1", "h2"] },
        },
      }),
    );
    expect(info).toEqual({
      provisioningRequestId: "edge",
      name: "Edge",
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: { clusterName: "edge" },
      status: {
        provisioningPhase: "FULFILLED",
        message: "cluster edge ready",
        updateTime: "2026-12-01T10:05:00Z",
        provisionedResources: { oCloudNodeClusterId: "cluster-uid", oCloudInfrastructureResourceIds: ["h1", "h2"] },
      },
    });
  });

  it("a request without status yet is PENDING since its creation", () => {
    expect(toInfo(pr()).status).toEqual({ provisioningPhase: "PENDING", updateTime: "2026-12-01T10:00:00Z" });
  });

  it.each([
    ["pending", "PENDING"],
    ["progressing", "PROGRESSING"],
    ["failed", "FAILED"],
    ["deleting", "DELETING"],
  ] as const)("%s -> %s", (state, phase) => {
    expect(phaseOf(pr({ status: { provisioningStatus: { provisioningState: state } } }))).toBe(phase);
  });

  it("a settled state of an earlier spec is PROGRESSING until the O-Cloud has processed the latest (after a PUT)", () => {
    const settled = (state: "fulfilled" | "failed", observedGeneration: number) =>
      phaseOf({
        ...pr({ status: { observedGeneration, provisioningStatus: { provisioningState: state } } }),
        metadata: { name: "edge", generation: 2 },
      });
    expect(settled("fulfilled", 1)).toBe("PROGRESSING");
    expect(settled("failed", 1)).toBe("PROGRESSING");
    expect(settled("fulfilled", 2)).toBe("FULFILLED");
  });

  it("a request being deleted is DELETING whatever its last state", () => {
    const deleting = pr({ status: { provisioningStatus: { provisioningState: "fulfilled" } } });
    deleting.metadata.deletionTimestamp = "2026-12-01T11:00:00Z";
    expect(phaseOf(deleting)).toBe("DELETING");
  });

  it("leaves out provisionedResources while nothing is provisioned", () => {
    const info = toInfo(pr({ status: { provisionedResourceSet: { oCloudInfrastructureResourceIds: [] } } }));
    expect(info.status.provisionedResources).toBeUndefined();
  });
});

describe("ProvisioningRequestData -> CR", () => {
  const data = {
    provisioningRequestId: "0b6f1c5e-8d0a-4b57-9a43-6f3c2d1e0a01",
    name: "Edge",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: { clusterName: "edge" },
  };
  it("the id is the name in the served namespace; the rest is the spec", () => {
    expect(toObject(data, "o2ims")).toEqual({
      apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
      kind: "ProvisioningRequest",
      metadata: { name: data.provisioningRequestId, namespace: "o2ims" },
      spec: {
        name: "Edge",
        templateName: "byoh-workload-cluster",
        templateVersion: "v1",
        templateParameters: { clusterName: "edge" },
      },
    });
  });
  it("carries a description when given", () => {
    expect(toSpec({ ...data, description: "d" }).description).toBe("d");
  });
  it("round-trips through the CR", () => {
    const info = toInfo(toObject(data, "o2ims"));
    const { status: _s, ...rest } = info;
    expect(rest).toEqual(data);
  });
});
