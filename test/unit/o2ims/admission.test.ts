import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { AdmissionView, defaultRequest, denialMessage, validateRequest } from "../../../capabilities/o2ims/admission";
import type { PRObject, TemplateObject } from "../../../capabilities/o2ims/cache";
import type { KubeObject } from "../../../kube/types";
import { listView } from "./list-view";

const template = load(
  fs.readFileSync(path.join(__dirname, "../../../templates/byoh-workload-cluster.yaml"), "utf8"),
) as TemplateObject;

const byoHost = (
  name: string,
  id: string,
  labels: Record<string, string> = {},
  status: Record<string, unknown> = {},
): KubeObject => ({
  metadata: { name, namespace: "hosts", uid: `uid-${name}`, labels: { "host-id": id, ...labels } },
  status,
});

const view = (hosts: KubeObject[], requests: PRObject[] = []): AdmissionView => listView(template, hosts, requests);

const params = (masters: number[], workers: number[], extra: Record<string, unknown> = {}) => ({
  clusterName: "edge",
  controlPlaneEndpoint: "10.0.0.100",
  hosts: {
    masters: masters.map(i => ({ hostId: i, hostName: `h${i}` })),
    workers: workers.map(i => ({ hostId: i, hostName: `h${i}` })),
  },
  ...extra,
});
const spec = (p: Record<string, unknown>, templateVersion?: string) => ({
  templateName: "byoh-workload-cluster",
  templateVersion,
  templateParameters: p,
});
const hosts = [1, 2, 3, 4, 5].map(i => byoHost(`h${i}`, String(i)));
const create = (p: Record<string, unknown>, v = view(hosts)) =>
  validateRequest({ operation: "CREATE", namespace: "ns", name: "req", spec: spec(p) }, v);
const rules = (vs: { rule: string }[]) => vs.map(v => v.rule);

describe("ProvisioningRequest defaulting", () => {
  it("fills the template version and the template's parameter defaults without overwriting given values", () => {
    const out = defaultRequest(spec(params([1], [2], { podCIDR: "10.200.0.0/16" })), view(hosts))!;
    expect(out.templateVersion).toBe("v1");
    expect(out.templateParameters).toMatchObject({
      k8sVersion: "v1.32.0",
      clusterProvisioner: "byoh",
      podCIDR: "10.200.0.0/16",
      serviceCIDR: "10.128.0.0/12",
    });
  });
  it("leaves an unknown template alone (validation denies it)", () => {
    expect(defaultRequest({ templateName: "nope", templateParameters: {} }, view(hosts))).toBeUndefined();
  });
});

describe("ProvisioningRequest validation", () => {
  it("accepts a valid request whose hosts are registered, labelled and free", () => {
    expect(create(params([1], [2, 3]))).toEqual([]);
  });

  it("names unknown templates and versions with what exists", () => {
    const v = validateRequest(
      { operation: "CREATE", namespace: "ns", name: "r", spec: { templateName: "nope", templateParameters: {} } },
      view(hosts),
    );
    expect(denialMessage(v)).toBe(
      'ProvisioningRequest rejected: spec.templateName: no ClusterTemplate named "nope"; available templates: byoh-workload-cluster/v1',
    );
    const v2 = validateRequest(
      { operation: "CREATE", namespace: "ns", name: "r", spec: spec(params([1], []), "v2") },
      view(hosts),
    );
    expect(v2[0].message).toBe('ClusterTemplate byoh-workload-cluster has no version "v2"; available versions: v1');
  });

  it("denies a host with no ByoHost, naming the field", () => {
    const v = create(params([1], [9]));
    expect(rules(v)).toEqual(["host-registered"]);
    expect(v[0].field).toBe("spec.templateParameters.hosts.workers[0].hostName");
  });

  it("denies a ByoHost whose pinning label does not match, without offering to relabel it", () => {
    const v = create(params([1], [2]), view([byoHost("h1", "1"), byoHost("h2", "7")]));
    expect(rules(v)).toEqual(["host-pinning-label"]);
    expect(v[0].message).toContain("has label host-id=7");
    expect(v[0].message).toContain("--label host-id=2");
  });

  it("denies a host already attached to a machine", () => {
    const taken = byoHost(
      "h2",
      "2",
      { "cluster.x-k8s.io/cluster-name": "other", "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": "x.m" },
      { machineRef: { name: "m" } },
    );
    const v = create(params([1], [2]), view([byoHost("h1", "1"), taken]));
    expect(rules(v)).toEqual(["host-free"]);
    expect(v[0].message).toContain("of cluster other");
  });

  it("denies a host pinned by another live request, but not by one being deleted", () => {
    const other = (deleting: boolean): PRObject => ({
      metadata: { name: "other", namespace: "ns2", ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
      spec: spec(params([2], [], { clusterName: "o" })),
    });
    expect(rules(create(params([1], [2]), view(hosts, [other(false)])))).toEqual(["host-not-pinned-elsewhere"]);
    expect(create(params([1], [2]), view(hosts, [other(true)]))).toEqual([]);
  });

  it("denies a clusterName already requested in the namespace", () => {
    const other: PRObject = { metadata: { name: "first", namespace: "ns" }, spec: spec(params([3], [])) };
    const v = create(params([1], [2]), view(hosts, [other]));
    expect(rules(v)).toEqual(["cluster-name-unique"]);
    expect(v[0].message).toContain('cluster "edge" is already requested in namespace ns by ProvisioningRequest first');
  });

  it("runs the parameter rules before any host lookup", () => {
    expect(rules(create(params([1, 2], [])))).toContain("masters-odd");
  });

  describe("updates", () => {
    const attached = (i: number) =>
      byoHost(
        `h${i}`,
        String(i),
        { "cluster.x-k8s.io/cluster-name": "edge", "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": `ns.m${i}` },
        { machineRef: { name: `m${i}` } },
      );
    const live = [attached(1), attached(2), byoHost("h3", "3")];
    const update = (
      before: Record<string, unknown>,
      after: Record<string, unknown>,
      extra: Partial<ReturnType<typeof spec>> = {},
    ) =>
      validateRequest(
        {
          operation: "UPDATE",
          namespace: "ns",
          name: "req",
          spec: { ...spec(after, "v1"), ...extra },
          oldSpec: spec(before, "v1"),
        },
        view(live),
      );

    it("allows adding a worker; its own attached hosts are not 'taken'", () => {
      expect(update(params([1], [2]), params([1], [2, 3]))).toEqual([]);
    });
    it("allows a metadata-only update without looking at anything", () => {
      expect(
        validateRequest({ operation: "UPDATE", namespace: "ns", name: "req", spec: spec({}), oldSpec: spec({}) }, view([])),
      ).toEqual([]);
    });
    it("rejects a template change as immutable", () => {
      const v = update(params([1], [2]), params([1], [2]), { templateVersion: "v2" });
      expect(rules(v)).toEqual(["immutable"]);
    });
    it("rejects a changed clusterName as immutable", () => {
      expect(rules(update(params([1], [2]), params([1], [2], { clusterName: "other" })))).toContain("immutable");
    });
  });
});
