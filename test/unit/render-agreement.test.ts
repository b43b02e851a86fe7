/**
 * `npm run render` decides as admission does. For every example and every unit fixture request, render and the
 * webhooks (Mutate, then Validate the mutated object, against a literal view holding the same templates, the
 * request's OCloud and matching ByoHosts) give the same verdict, the same violations (field + rule) and the same
 * defaulted parameters. A FocomProvisioningRequest is admitted by FOCOM, then its mirror (capabilities/focom/remote)
 * by O2IMS on the O-Cloud: the cluster render shows exists only when both admit.
 */
import fs from "node:fs";
import path from "node:path";
import { loadAll } from "js-yaml";
import type { ByohTemplateParameters, FocomProvisioningRequestSpec, ProvisioningRequestSpec } from "../../api/generated/types";
import * as focom from "../../capabilities/focom/admission";
import type { OCloudObject } from "../../capabilities/focom/cache";
import { desiredRemote } from "../../capabilities/focom/remote";
import * as o2ims from "../../capabilities/o2ims/admission";
import type { TemplateObject } from "../../capabilities/o2ims/cache";
import { hostsOf } from "../../capabilities/o2ims/hosts";
import { hostPinningLabel } from "../../generators/names";
import { Document, readRenderInput } from "../../generators/render";
import { TemplateInfoObject, templateInfoOf } from "../../generators/templates";
import type { KubeObject } from "../../kube/types";
import { byohParams, byohTemplateInfo } from "./focom/fixtures";
import { clusterParams, seedParams } from "./generators/fixtures";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => loadAll(fs.readFileSync(path.join(ROOT, file), "utf8")) as Document[];
const defaultTemplate = read("templates/byoh-workload-cluster.yaml")[0];

type Verdict = {
  admitted: boolean;
  violations: string[];
  params?: unknown;
  /** Where the cluster's objects go: the ProvisioningRequest's name and namespace. */
  at?: string;
};
const fieldsAndRules = (vs: { field: string; rule: string }[]) => vs.map(v => `${v.field} ${v.rule}`);

function rendered(docs: Document[]): Verdict {
  const result = readRenderInput(docs, defaultTemplate);
  if ("error" in result) throw new Error(result.error);
  if ("violations" in result) return { admitted: false, violations: fieldsAndRules(result.violations) };
  const { input } = result;
  return { admitted: true, violations: [], params: input.params, at: `${input.namespace}/${input.name}` };
}

/** The ByoHosts a request asks for, registered and labelled as its template pins them: the live checks pass. */
function matchingByoHosts(params: unknown, template: TemplateObject): KubeObject[] {
  const key = hostPinningLabel(template.spec);
  return hostsOf(params as Partial<ByohTemplateParameters>)
    .filter(({ host }) => typeof host.hostName === "string")
    .map(({ host }) => ({ metadata: { name: host.hostName, namespace: "hosts", labels: { [key]: String(host.hostId) } } }));
}

function admittedByO2ims(name: string, namespace: string, given: ProvisioningRequestSpec, templates: TemplateObject[]): Verdict {
  const view = (hosts: KubeObject[]): o2ims.AdmissionView => ({
    templates: () => templates,
    byoHostsNamed: n => hosts.filter(h => h.metadata.name === n),
    requestsPinning: () => [],
    requestsForCluster: () => [],
  });
  const spec = o2ims.defaultRequest(given, view([])) ?? given;
  const template = templates.find(
    t => t.spec.templateName === spec.templateName && t.spec.templateVersion === spec.templateVersion,
  );
  const hosts = template ? matchingByoHosts(spec.templateParameters, template) : [];
  const violations = o2ims.validateRequest({ operation: "CREATE", namespace, name, spec }, view(hosts));
  return violations.length > 0
    ? { admitted: false, violations: fieldsAndRules(violations) }
    : { admitted: true, violations: [], params: spec.templateParameters, at: `${namespace}/${name}` };
}

function admitted(docs: Document[]): Verdict {
  const request = docs.find(d => d.kind === "ProvisioningRequest" || d.kind === "FocomProvisioningRequest")!;
  const inFile = docs.filter(d => d.kind === "ClusterTemplate");
  const templates = (inFile.length ? inFile : [defaultTemplate]) as unknown as TemplateObject[];
  const namespace = request.metadata?.namespace || "default";
  const name = request.metadata?.name ?? "unnamed";
  if (request.kind === "ProvisioningRequest") {
    return admittedByO2ims(name, namespace, request.spec as ProvisioningRequestSpec, templates);
  }

  const given = request.spec as FocomProvisioningRequestSpec;
  const inNamespace = <T>(kind: string) =>
    docs.filter(d => d.kind === kind && (d.metadata?.namespace || "default") === namespace) as unknown as T[];
  const fileOClouds = inNamespace<OCloudObject>("OCloud");
  const fileInfos = inNamespace<TemplateInfoObject>("TemplateInfo");
  const ocloudName = given.oCloudId ?? given.ocloudRef?.name ?? "none";
  const view: focom.AdmissionView = {
    oClouds: () => (fileOClouds.length ? fileOClouds : [{ metadata: { name: ocloudName, namespace } }]),
    templateInfos: () => (fileInfos.length ? fileInfos : templates.map(t => templateInfoOf(t, namespace))),
  };
  const spec = focom.mutateRequest({ namespace, spec: given }, view);
  const violations = focom.validateRequest({ operation: "CREATE", namespace, name, spec }, view);
  if (violations.length > 0) return { admitted: false, violations: fieldsAndRules(violations) };
  const ocloud = view.oClouds().find(o => o.metadata.name === spec.oCloudId)!;
  const remote = desiredRemote({ metadata: { name, namespace, uid: "uid" }, spec }, ocloud);
  return admittedByO2ims(remote.metadata.name, remote.metadata.namespace!, remote.spec!, templates);
}

// ---- the cases -------------------------------------------------------------------------------------------------

const exampleFiles = [
  ...fs.readdirSync(path.join(ROOT, "examples")).map(f => `examples/${f}`),
  ...fs.readdirSync(path.join(ROOT, "examples/render")).map(f => `examples/render/${f}`),
].filter(f => f.endsWith(".yaml"));

const pr = (spec: Record<string, unknown>): Document => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata: { name: "req", namespace: "o2ims" },
  spec,
});
const fpr = (spec: Record<string, unknown>): Document => ({
  apiVersion: "focom.nephio.org/v1alpha1",
  kind: "FocomProvisioningRequest",
  metadata: { name: "req", namespace: "smo" },
  spec,
});
const byoh = { templateName: "byoh-workload-cluster" };
const focomCanonical = { oCloudId: "edge-ocloud", ...byoh };
const seedTemplateInfo = { ...byohTemplateInfo({}, "my-byoh"), kind: "TemplateInfo" } as Document;

/** The request fixtures of the unit tests (test/unit/focom/fixtures.ts, test/unit/generators/fixtures.ts), as requests. */
const fixtureCases: [string, Document[]][] = [
  ["PR seedParams", [pr({ ...byoh, templateParameters: seedParams() })]],
  ["PR clusterParams(1, 0)", [pr({ ...byoh, templateParameters: clusterParams(1, 0) })]],
  ["PR clusterParams(3, 2) v1", [pr({ ...byoh, templateVersion: "v1", templateParameters: clusterParams(3, 2) })]],
  ["PR clusterParams(2, 1): even masters", [pr({ ...byoh, templateParameters: clusterParams(2, 1) })]],
  ["PR unsupported k8sVersion", [pr({ ...byoh, templateParameters: clusterParams(1, 1, { k8sVersion: "v1.20.0" }) })]],
  ["PR unknown template", [pr({ templateName: "gpu", templateParameters: seedParams() })]],
  ["PR unknown version", [pr({ ...byoh, templateVersion: "v9", templateParameters: seedParams() })]],
  ["PR without parameters", [pr({ ...byoh })]],
  ["PR parameters not an object", [pr({ ...byoh, templateParameters: "hosts" })]],
  ["FPR byohParams", [fpr({ ...focomCanonical, templateParameters: byohParams() })]],
  ["FPR seedParams", [fpr({ ...focomCanonical, templateParameters: seedParams() })]],
  ["FPR clusterParams(3, 1)", [fpr({ ...focomCanonical, templateParameters: clusterParams(3, 1) })]],
  ["FPR bad clusterName", [fpr({ ...focomCanonical, templateParameters: byohParams({ clusterName: "Bad" }) })]],
  ["FPR unknown parameter", [fpr({ ...focomCanonical, templateParameters: byohParams({ color: "red" }) })]],
  // FOCOM's TemplateInfo lists no versions: the O-Cloud's ClusterTemplate denies this one.
  ["FPR unsupported k8sVersion", [fpr({ ...focomCanonical, templateParameters: byohParams({ k8sVersion: "v1.20.0" }) })]],
  ["FPR without oCloudId and templateName", [fpr({ templateParameters: byohParams() })]],
  ["FPR without parameters", [fpr({ ...focomCanonical })]],
  ["FPR parameters not an object", [fpr({ ...focomCanonical, templateParameters: [1] })]],
  ["FPR unknown template", [fpr({ ...focomCanonical, templateName: "gpu", templateParameters: byohParams() })]],
  [
    "FPR seed 002 aliases",
    [seedTemplateInfo, fpr({ ocloudRef: { name: "edge-ocloud" }, templateRef: { name: "my-byoh" }, parameters: byohParams() })],
  ],
  [
    "FPR seed 002 alias conflicting",
    [seedTemplateInfo, fpr({ ...focomCanonical, ocloudRef: { name: "other" }, templateParameters: byohParams() })],
  ],
  [
    "FPR templateRef naming nothing",
    [seedTemplateInfo, fpr({ oCloudId: "edge-ocloud", templateRef: { name: "nope" }, templateParameters: byohParams() })],
  ],
  [
    "FPR with a ClusterTemplate in the file",
    [{ ...defaultTemplate, metadata: { name: "custom" } }, fpr({ ...focomCanonical, templateParameters: byohParams() })],
  ],
];

describe.each([...exampleFiles.map(f => [f, read(f)] as [string, Document[]]), ...fixtureCases])("%s", (_, docs) => {
  test("render and admission agree: verdict, violations (field rule), defaulted parameters", () => {
    expect(rendered(docs)).toEqual(admitted(docs));
  });
});

test("the cases cover both verdicts and both kinds", () => {
  const all = [...exampleFiles.map(read), ...fixtureCases.map(([, d]) => d)];
  const verdicts = all.map(d => rendered(d).admitted);
  expect(verdicts).toContain(true);
  expect(verdicts).toContain(false);
  expect(exampleFiles.length).toBeGreaterThanOrEqual(10);
});
