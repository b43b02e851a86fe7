/** The post-build fixes of Pepr's chart and manifest (scripts/build/artifacts.ts), on inputs shaped as Pepr 1.1.4 writes them. */
import { dump, load, loadAll } from "js-yaml";
import {
  clusterTemplateChartTemplate,
  fixChartYaml,
  fixManifest,
  fixValues,
  fixValuesSchema,
  WATCHER_RESOURCES,
} from "../../../scripts/build/artifacts";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const pkg = { version: "1.2.3", description: "Pepr module: O-RAN FOCOM / O2 IMS provisioning" };
const PEPR_CHART = `apiVersion: v2
name: o-cloud-provisioner
description: Pepr module: O-RAN FOCOM / O2 IMS provisioning

# A chart can be either an 'application' or a 'library' chart.
type: application
version: 0.1.0
appVersion: "1.16.0"
`;

describe("Chart.yaml", () => {
  it("Pepr's output is not valid YAML (why the fix exists)", () => {
    expect(() => load(PEPR_CHART)).toThrow();
  });

  it("is rewritten valid, with the description quoted and the module's version as version and appVersion", () => {
    const chart = load(fixChartYaml(PEPR_CHART, pkg)) as Obj;
    expect(chart).toEqual({
      apiVersion: "v2",
      name: "o-cloud-provisioner",
      description: pkg.description,
      type: "application",
      version: "1.2.3",
      appVersion: "1.2.3",
    });
  });
});

const podValues = () => ({
  securityContext: { runAsNonRoot: true },
  containerSecurityContext: { allowPrivilegeEscalation: false },
  resources: { limits: { memory: "512Mi" } },
});

describe("values", () => {
  it("add seccomp RuntimeDefault to both pods, size the watcher, and switch the default ClusterTemplate on", () => {
    const values = load(fixValues(dump({ admission: podValues(), watcher: podValues() }))) as Obj;
    for (const role of ["admission", "watcher"]) {
      expect(values[role].securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      expect(values[role].containerSecurityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      expect(values[role].containerSecurityContext.allowPrivilegeEscalation).toBe(false);
    }
    expect(values.watcher.resources).toEqual(WATCHER_RESOURCES);
    expect(values.defaultClusterTemplate).toEqual({ enabled: true });
  });

  it("fail loudly when Pepr's layout changes", () => {
    expect(() => fixValues(dump({ watcher: podValues() }))).toThrow(/no admission section/);
  });

  it("schema declares every added value (it forbids unknown keys)", () => {
    const def = (props: Obj) => ({ type: "object", additionalProperties: false, properties: props });
    const schema = {
      definitions: {
        Values: def({ admission: {} }),
        SecurityContext: def({ runAsUser: {} }),
        ContainerSecurityContext: def({ runAsUser: {} }),
      },
    };
    const fixed = JSON.parse(fixValuesSchema(JSON.stringify(schema))) as Obj;
    expect(Object.keys(fixed.definitions.Values.properties)).toContain("defaultClusterTemplate");
    expect(Object.keys(fixed.definitions.SecurityContext.properties)).toContain("seccompProfile");
    expect(Object.keys(fixed.definitions.ContainerSecurityContext.properties)).toContain("seccompProfile");
  });
});

describe("manifest", () => {
  const deployment = (name: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "pepr-system" },
    spec: { template: { spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: "c", securityContext: {} }] } } },
  });
  const pepr = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "pepr-system" } },
    deployment("m"),
    deployment("m-watcher"),
  ]
    .map(d => dump(d))
    .join("---\n");
  const crd = dump({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "x.example" } });
  const template = dump({ apiVersion: "o2ims.provisioning.oran.org/v1alpha1", kind: "ClusterTemplate", metadata: { name: "t" } });

  it("puts the CRDs first and the ClusterTemplate last, and hardens both Deployments", () => {
    const docs = loadAll(fixManifest(pepr, [crd], template)) as Obj[];
    expect(docs.map(d => d.kind)).toEqual([
      "CustomResourceDefinition",
      "Namespace",
      "Deployment",
      "Deployment",
      // the Secret readers of the default OCloud namespace (o2ims), with that namespace
      "Namespace",
      "Role",
      "RoleBinding",
      "ClusterTemplate",
    ]);
    for (const d of docs.filter(x => x.kind === "Deployment")) {
      expect(d.spec.template.spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      expect(d.spec.template.spec.containers[0].securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    }
    expect(docs[3].spec.template.spec.containers[0].resources).toEqual(WATCHER_RESOURCES);
  });

  it("is idempotent (a second run adds nothing)", () => {
    const once = fixManifest(pepr, [crd], template);
    expect(fixManifest(once, [crd], template)).toBe(once);
  });
});

describe("the default ClusterTemplate in the chart", () => {
  it("is gated by a value", () => {
    expect(clusterTemplateChartTemplate("kind: ClusterTemplate\n")).toBe(
      "{{- if .Values.defaultClusterTemplate.enabled }}\nkind: ClusterTemplate\n{{- end }}\n",
    );
  });
  it("refuses text Helm would render", () => {
    expect(() => clusterTemplateChartTemplate("a: '{{ x }}'")).toThrow(/Helm would render/);
  });
});
