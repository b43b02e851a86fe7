/**
 * O2IMS admission with host claims: a host claimed by another live request is denied naming it; the request's own
 * claim (an update) is not; a ProvisioningRequest name too long for its Events is denied.
 */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { validateRequest } from "../../../capabilities/o2ims/admission";
import type { PRObject, TemplateObject } from "../../../capabilities/o2ims/cache";
import { MAX_PROVISIONING_REQUEST_NAME } from "../../../generators/names";
import { listView } from "./list-view";

const template = load(
  fs.readFileSync(path.join(__dirname, "../../../templates/byoh-workload-cluster.yaml"), "utf8"),
) as TemplateObject;
const hosts = [1, 2].map(i => ({ metadata: { name: `h${i}`, namespace: "hosts", labels: { "host-id": String(i) } } }));
const spec = {
  templateName: "byoh-workload-cluster",
  templateParameters: {
    clusterName: "edge",
    controlPlaneEndpoint: "10.0.0.100",
    hosts: { masters: [{ hostId: 1, hostName: "h1" }] },
  },
};
const holder = (name: string): PRObject => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}` },
  spec: { templateName: "x", templateParameters: {} },
});
const claimedBy = (pr: PRObject) => ({ ...listView(template, hosts), claimHolder: () => pr });

describe("admission and host claims", () => {
  it("denies a host whose claim another live request holds, naming it", () => {
    const vs = validateRequest({ operation: "CREATE", namespace: "ns", name: "late", spec }, claimedBy(holder("winner")));
    expect(vs).toEqual([
      expect.objectContaining({
        field: "spec.templateParameters.hosts.masters[0].hostId",
        rule: "host-claimed",
        message: "host h1 (hostId 1) is claimed by ProvisioningRequest ns/winner",
      }),
    ]);
  });

  it("does not deny a request on its own claim", () => {
    const oldSpec = { ...spec, templateParameters: { ...spec.templateParameters, k8sVersion: "v1.32.0" } };
    const update = { ...spec, templateParameters: { ...oldSpec.templateParameters, podCIDR: "10.200.0.0/16" } };
    const vs = validateRequest(
      { operation: "UPDATE", namespace: "ns", name: "me", spec: update, oldSpec },
      claimedBy(holder("me")),
    );
    expect(vs.map(v => v.rule)).not.toContain("host-claimed");
  });

  it("denies a name that leaves no room for the request's Events", () => {
    const name = "a".repeat(MAX_PROVISIONING_REQUEST_NAME + 1);
    const vs = validateRequest({ operation: "CREATE", namespace: "ns", name, spec }, listView(template, hosts));
    expect(vs.map(v => v.rule)).toContain("derived-name-length");
  });
});
