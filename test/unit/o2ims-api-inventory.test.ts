/**
 * The inventory's pure mapping (ByoHost -> Resource, Namespace -> ResourcePool, Cluster -> DeploymentManager), its
 * answers validated against o2ims-api/openapi/inventory.yaml with openapi-backend (the library the server routes and
 * validates with), and the document's agreement with the service's operations.
 */
import fs from "node:fs";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import OpenAPIBackend, { type Document } from "openapi-backend";
import { createInventoryService, INVENTORY_DOCUMENT } from "../../o2ims-api/inventory";
import {
  attachedClusterKey,
  BYOH_HOST_TYPE_ID,
  cloudInfo,
  RESOURCE_TYPES,
  toDeploymentManager,
  toResource,
  toResourcePool,
} from "../../o2ims-api/inventory/mappers";
import type { ByoHost, CapiCluster } from "../../o2ims-api/inventory/model";
import { PROVISIONING_SUBSCRIPTIONS_DOCUMENT, createSubscriptionService } from "../../o2ims-api/subscriptions";
import { mount } from "../../o2ims-api/server";
import type { ServiceContext } from "../../o2ims-api/contract";
import type { KubeClient } from "../../kube/client";
import { readSubscriptionSettings } from "../../o2ims-api/subscriptions/settings";

const freeHost: ByoHost = {
  metadata: { name: "host-3", namespace: "site-a", uid: "u-host-3", labels: { "host-id": "3", rack: "r1" } },
  status: {
    hostinfo: { osname: "linux", osimage: "Ubuntu 22.04.4 LTS", architecture: "amd64" },
    network: [
      { networkInterfaceName: "eth0", ipAddrs: ["10.0.0.3/24", "fd00::3/64"], macAddr: "02:00:00:00:00:03", isDefault: true },
      { networkInterfaceName: "eth1", ipAddrs: [], macAddr: "02:00:00:00:01:03" },
    ],
    conditions: [{ type: "K8sNodeBootstrapSucceeded", status: "False", reason: "WaitingForMachineRefToBeAssigned" }],
  },
};

const attachedHost: ByoHost = {
  metadata: {
    name: "host-4",
    namespace: "site-a",
    uid: "u-host-4",
    labels: {
      "host-id": "4",
      "cluster.x-k8s.io/cluster-name": "edge",
      "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": "o2ims.edge-cp-abcde",
    },
  },
  status: {
    machineRef: { kind: "ByoMachine", namespace: "o2ims", name: "edge-cp-abcde", uid: "m1" },
    conditions: [{ type: "K8sNodeBootstrapSucceeded", status: "True" }],
  },
};

const cluster: CapiCluster = {
  metadata: {
    name: "edge",
    namespace: "o2ims",
    uid: "u-cluster",
    annotations: { "o2ims.provisioning.oran.org/request": "o2ims/5f0c8a8e-2b53-4b8e-9a52-0c8f3f1c2d11" },
  },
  spec: { controlPlaneEndpoint: { host: "10.0.0.100", port: 6443 } },
  status: { phase: "Provisioned", controlPlaneReady: true, infrastructureReady: true },
};

const doc = load(fs.readFileSync(INVENTORY_DOCUMENT, "utf8")) as Document;
const api = new OpenAPIBackend({
  definition: doc,
  apiRoot: "/o2ims-infrastructureInventory/v1",
  strict: true,
  customizeAjv: ajv => {
    addFormats(ajv);
    return ajv;
  },
});
beforeAll(() => api.init());

function expectValid(operationId: string, status: number, body: unknown) {
  const r = api.validateResponse(body, operationId, status);
  expect(r.errors ?? []).toEqual([]);
}

describe("ByoHost -> Resource", () => {
  it("a free host: pinning value, addresses without prefix length, host details, bootstrap state", () => {
    const r = toResource(freeHost, "u-ns", null);
    expect(r.resourceId).toBe("u-host-3");
    expect(r.resourcePoolId).toBe("u-ns");
    expect(r.resourceTypeId).toBe(BYOH_HOST_TYPE_ID);
    expect(r.extensions.pinning).toEqual({ label: "host-id", value: "3" });
    expect(r.extensions.addresses).toEqual([
      { interface: "eth0", address: "10.0.0.3", macAddress: "02:00:00:00:00:03", isDefault: true },
      { interface: "eth0", address: "fd00::3", macAddress: "02:00:00:00:00:03", isDefault: true },
    ]);
    expect(r.extensions.state).toBe("free");
    expect(r.extensions.cluster).toBeNull();
    expect(r.extensions.machineRef).toBeNull();
    expect(r.extensions.hostDetails).toEqual({ osName: "linux", osImage: "Ubuntu 22.04.4 LTS", architecture: "amd64" });
    expect(r.extensions.bootstrap).toEqual({ status: "False", reason: "WaitingForMachineRefToBeAssigned", message: "" });
    expectValid("getResource", 200, r);
  });

  it("an attached host names its cluster (in the machine's namespace) and the cluster's deploymentManagerId", () => {
    const r = toResource(attachedHost, "u-ns", "u-cluster");
    expect(r.extensions.state).toBe("attached");
    expect(r.extensions.cluster).toEqual({ namespace: "o2ims", name: "edge", deploymentManagerId: "u-cluster" });
    expect(r.extensions.machineRef).toEqual({ kind: "ByoMachine", namespace: "o2ims", name: "edge-cp-abcde" });
    expect(attachedClusterKey(attachedHost)).toBe("o2ims/edge");
    expect(attachedClusterKey(freeHost)).toBeUndefined();
    expectValid("getResource", 200, r);
    // The mapping copies: changing the host afterwards does not change the answer.
    attachedHost.metadata.labels!.extra = "x";
    expect(r.extensions.labels.extra).toBeUndefined();
    delete attachedHost.metadata.labels!.extra;
  });

  it("a host without the pinning label has pinning null; a schema violation would be caught", () => {
    const r = toResource({ metadata: { name: "h", namespace: "n", uid: "u" } }, "p", null);
    expect(r.extensions.pinning).toBeNull();
    expect(r.extensions.addresses).toEqual([]);
    expectValid("getResources", 200, [r]);
    // The validator is not vacuous: a wrong type fails it.
    const bad = { ...r, extensions: { ...r.extensions, state: "busy" } };
    expect(api.validateResponse(bad, "getResource", 200).errors?.length).toBeGreaterThan(0);
  });
});

describe("Namespace -> ResourcePool, Cluster -> DeploymentManager, CloudInfo, resource types", () => {
  it("a pool is named after its namespace and identified by its UID", () => {
    const p = toResourcePool({ metadata: { name: "site-a", uid: "u-ns" } }, "u-kube-system");
    expect(p).toMatchObject({ resourcePoolId: "u-ns", name: "site-a", oCloudId: "u-kube-system" });
    expectValid("getResourcePool", 200, p);
  });

  it("a Cluster's endpoint is its serviceUri, with its request; no credential field exists", () => {
    const d = toDeploymentManager(cluster, "oc");
    expect(d.deploymentManagerId).toBe("u-cluster");
    expect(d.serviceUri).toBe("https://10.0.0.100:6443");
    expect(d.extensions.provisioningRequest).toEqual({ namespace: "o2ims", name: "5f0c8a8e-2b53-4b8e-9a52-0c8f3f1c2d11" });
    expect(JSON.stringify(d)).not.toMatch(/token|password|kubeconfig|secret/i);
    expectValid("getDeploymentManager", 200, d);
  });

  it("a Cluster without an endpoint yet has an empty serviceUri; an IPv6 endpoint is bracketed", () => {
    expect(toDeploymentManager({ metadata: { name: "c", namespace: "n", uid: "u" } }, "oc").serviceUri).toBe("");
    const v6 = toDeploymentManager({ ...cluster, spec: { controlPlaneEndpoint: { host: "fd00::1", port: 6443 } } }, "oc");
    expect(v6.serviceUri).toBe("https://[fd00::1]:6443");
  });

  it("CloudInfo and the resource types validate", () => {
    expectValid(
      "getCloudInfo",
      200,
      cloudInfo({ oCloudId: "a", globalCloudId: "a", name: "o", description: "d", serviceUri: "https://x" }),
    );
    expectValid("getResourceTypes", 200, RESOURCE_TYPES);
    expectValid("getResourceType", 200, RESOURCE_TYPES[0]);
  });
});

describe("the documents and the services agree", () => {
  const ctx: ServiceContext = {
    client: {} as KubeClient,
    namespace: "o2ims",
    ownNamespace: "pepr-system",
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  const settings = readSubscriptionSettings({});

  it("every documented operation of inventory.yaml is implemented, and routed under its root", async () => {
    const m = await mount(createInventoryService(ctx, { subscriptions: settings }));
    expect(m.root).toBe("/o2ims-infrastructureInventory/v1");
    const op = (method: string, path: string) => m.api.router.matchOperation({ method, path, headers: {} })?.operationId;
    expect(op("get", "/o2ims-infrastructureInventory/v1")).toBe("getCloudInfo");
    expect(op("get", "/o2ims-infrastructureInventory/v1/resourcePools/p/resources/r")).toBe("getResource");
    expect(op("post", "/o2ims-infrastructureInventory/v1/subscriptions")).toBe("createSubscription");
  });

  it("the provisioning subscriptions document is mounted at .../subscriptions, so it wins over provisioning's root", async () => {
    const m = await mount(createSubscriptionService(ctx, { subscriptions: settings }));
    expect(m.root).toBe("/o2ims-infrastructureProvisioning/v1/subscriptions");
    expect(PROVISIONING_SUBSCRIPTIONS_DOCUMENT).toMatch(/provisioning-subscriptions\.yaml$/);
    const op = (method: string, path: string) => m.api.router.matchOperation({ method, path, headers: {} })?.operationId;
    expect(op("get", "/o2ims-infrastructureProvisioning/v1/subscriptions")).toBe("listProvisioningSubscriptions");
    expect(op("delete", "/o2ims-infrastructureProvisioning/v1/subscriptions/abc")).toBe("deleteProvisioningSubscription");
  });
});
