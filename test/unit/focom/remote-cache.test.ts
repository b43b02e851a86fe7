import { RemoteCache } from "../../../capabilities/focom/remote-cache";
import type { RemoteRequest } from "../../../capabilities/focom/remote";

const remote = (rv: string, state?: "progressing" | "fulfilled"): RemoteRequest => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata: { name: "edge-o2ims", namespace: "o2ims", uid: "r1", resourceVersion: rv, managedFields: [{ manager: "x" }] },
  spec: { templateName: "t", templateParameters: {} },
  status: state ? { provisioningStatus: { provisioningState: state } } : undefined,
});

describe("RemoteCache", () => {
  it("answers nothing until its watch has synced, and again nothing once the watch fails", () => {
    const c = new RemoteCache();
    c.apply("ADDED", remote("5"));
    expect(c.lookup("o2ims", "edge-o2ims")).toBeUndefined(); // read live meanwhile
    c.setHealthy(true);
    expect(c.lookup("o2ims", "edge-o2ims")?.remote?.metadata.resourceVersion).toBe("5");
    expect(c.lookup("o2ims", "other")).toEqual({ remote: undefined }); // known not to exist
    c.setHealthy(false);
    expect(c.lookup("o2ims", "edge-o2ims")).toBeUndefined();
  });

  it("keeps identity, links and status but neither spec nor managedFields", () => {
    const c = new RemoteCache();
    c.setHealthy(true);
    c.apply("ADDED", remote("5", "progressing"));
    const got = c.lookup("o2ims", "edge-o2ims")!.remote!;
    expect(got.status?.provisioningStatus?.provisioningState).toBe("progressing");
    expect(got.spec).toBeUndefined();
    expect(got.metadata.managedFields).toBeUndefined();
  });

  it("answers its own apply until the watch delivers it, and a deletion seen after it", () => {
    const c = new RemoteCache();
    c.setHealthy(true);
    c.record(remote("7")); // created by our apply; the watch has not seen it yet
    expect(c.lookup("o2ims", "edge-o2ims")?.remote?.metadata.resourceVersion).toBe("7");
    c.apply("ADDED", remote("7"));
    c.apply("MODIFIED", remote("9", "fulfilled"));
    expect(c.lookup("o2ims", "edge-o2ims")?.remote?.status?.provisioningStatus?.provisioningState).toBe("fulfilled");
    c.apply("DELETED", remote("10"));
    expect(c.lookup("o2ims", "edge-o2ims")).toEqual({ remote: undefined });
  });
});
