/** The post-build fixes of Pepr's chart and manifest (scripts/build/artifacts.ts), on inputs shaped as Pepr 1.1.4 writes them. */
import { dump, load, loadAll } from "js-yaml";
import {
  clusterTemplateChartTemplate,
  fixChartYaml,
  fixManifest,
  fixValues,
  fixValuesSchema,
  fixWatcherTemplate,
  FOCOM_CALLBACK_DEFAULTS,
  focomCallbackChartTemplate,
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
      "Service", // FOCOM's notification callback
      "ClusterTemplate",
    ]);
    for (const d of docs.filter(x => x.kind === "Deployment")) {
      expect(d.spec.template.spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      expect(d.spec.template.spec.containers[0].securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    }
    expect(docs[3].spec.template.spec.containers[0].resources).toEqual(WATCHER_RESOURCES);
  });

  it("gives the watcher (only) FOCOM's callback port, its setting and a Service to it", () => {
    const docs = loadAll(fixManifest(pepr, [crd], template)) as Obj[];
    const [admission, watcher] = docs.filter(d => d.kind === "Deployment").map(d => d.spec.template.spec.containers[0]);
    expect(watcher.ports).toEqual([{ name: "focom-callback", containerPort: 3002 }]);
    expect(watcher.env).toEqual([{ name: "OCP_FOCOM_CALLBACK_PORT", value: "3002" }]);
    expect(admission.ports).toBeUndefined();
    const service = docs.find(d => d.kind === "Service")!;
    expect(service.metadata.name).toBe("pepr-o-cloud-provisioner-focom-callback");
    expect(service.spec).toEqual({
      type: "ClusterIP",
      selector: { app: "pepr-o-cloud-provisioner-watcher", "pepr.dev/controller": "watcher" },
      ports: [{ name: "focom-callback", port: 3002, targetPort: "focom-callback" }],
    });
  });

  it("is idempotent (a second run adds nothing)", () => {
    const once = fixManifest(pepr, [crd], template);
    expect(fixManifest(once, [crd], template)).toBe(once);
  });
});

describe("FOCOM's callback in the chart", () => {
  // The lines of Pepr 1.1.4's watcher-deployment.yaml the fix anchors on.
  const WATCHER = `          ports:
            - containerPort: 3000
          env:
            {{- toYaml .Values.watcher.env | nindent 12 }}
            - name: PEPR_WATCH_MODE
              value: "true"
            {{- if .Values.additionalIgnoredNamespaces }}
`;

  it("adds the port, OCP_FOCOM_CALLBACK_PORT and, when focomCallback.url is set, OCP_FOCOM_CALLBACK_URL to the watcher", () => {
    const fixed = fixWatcherTemplate(WATCHER);
    expect(fixed).toContain(
      "            - name: focom-callback\n              containerPort: {{ .Values.focomCallback.port }}\n          env:",
    );
    expect(fixed).toContain('              value: "true"\n            - name: OCP_FOCOM_CALLBACK_PORT\n');
    expect(fixed).toContain(
      "            {{- if .Values.focomCallback.url }}\n            - name: OCP_FOCOM_CALLBACK_URL\n              value: {{ .Values.focomCallback.url | quote }}\n            {{- end }}\n",
    );
    expect(fixWatcherTemplate(fixed)).toBe(fixed);
  });

  it("fails loudly when Pepr's template changes", () => {
    expect(() => fixWatcherTemplate(WATCHER.replace("3000", "8080"))).toThrow(/has Pepr's chart layout changed/);
  });

  it("renders the Service from the values, and declares them (url http(s) or empty, port, service type)", () => {
    const service = focomCallbackChartTemplate();
    expect(service).toMatch(/^\{\{- if \.Values\.watcher\.enabled \}\}\n/);
    expect(service).toContain("port: {{ .Values.focomCallback.port }}\n");
    expect(service).toContain("type: {{ .Values.focomCallback.serviceType }}\n");
    const values = load(fixValues(dump({ admission: podValues(), watcher: podValues() }))) as Obj;
    expect(values.focomCallback).toEqual(FOCOM_CALLBACK_DEFAULTS);
    const def = (props: Obj) => ({ type: "object", additionalProperties: false, properties: props });
    const schema = JSON.parse(
      fixValuesSchema(
        JSON.stringify({ definitions: { Values: def({}), SecurityContext: def({}), ContainerSecurityContext: def({}) } }),
      ),
    ) as Obj;
    const url = new RegExp(schema.definitions.Values.properties.focomCallback.properties.url.pattern);
    expect(["", "https://smo.example:3002", "http://10.0.0.1:3002/base"].every(u => url.test(u))).toBe(true);
    expect(["ftp://smo", "https://u:p@smo", "https://smo?x=1"].some(u => url.test(u))).toBe(false);
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
