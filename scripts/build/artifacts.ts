/**
 * Where Pepr's generated artifacts are wrong or incomplete for this module, and how they are fixed (pure
 * transforms; scripts/post-build.ts applies them to dist/ after `pepr build`). Each fix says why:
 * - Chart.yaml: Pepr writes package.json's description unquoted ("Pepr module: O-RAN …" is not valid YAML there, so
 *   `helm lint` and `helm install` fail) and leaves appVersion at Helm's placeholder; the chart is re-serialised with
 *   a YAML library and versioned with the module.
 * - CRDs and the default ClusterTemplate ship with the module (three manual steps before): the chart carries the
 *   CRDs in crds/ (Helm installs those first) and the ClusterTemplate as a template behind a value; the manifest
 *   carries both, CRDs first, the ClusterTemplate last.
 * - Pod security: seccompProfile RuntimeDefault (Pod Security "restricted" rejects pods without it). The root
 *   filesystem stays writable: Pepr 1.1.4's controller image writes the decompressed module to /app at start
 *   (node_modules/pepr/dist/controller.js), and /app also holds the image's node_modules, so no emptyDir can cover it.
 * - Memory: the watcher's limit is sized from `npm run bench` (peak RSS 421 MB at N = 500) with headroom.
 * - Secrets: the module reads only the kubeconfig Secret each OCloud names, and an OCloud may name only a Secret of
 *   its own namespace (admission), so Secrets are readable in the namespaces configured for OClouds only: a Role +
 *   RoleBinding per namespace (chart value ocloudSecretNamespaces, templated; the manifest carries the default
 *   list), never a cluster-wide rule (package.json's pepr.rbac has none, and a unit test keeps it so).
 */
import { dump, load, loadAll } from "js-yaml";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const SECCOMP = { type: "RuntimeDefault" } as const;
/** Bench peak 421 MB (watcher, N = 500): request above the idle footprint, limit with ~80 % headroom. */
export const WATCHER_RESOURCES = { requests: { memory: "512Mi", cpu: "200m" }, limits: { memory: "768Mi", cpu: "1" } };
/** Admission replicas hold informers over templates, ByoHosts and requests only. */
export const ADMISSION_RESOURCES = { requests: { memory: "256Mi", cpu: "200m" }, limits: { memory: "512Mi", cpu: "500m" } };

/** Where OClouds and their kubeconfig Secrets live by default (seed 002's namespace); chart value ocloudSecretNamespaces. */
export const DEFAULT_OCLOUD_SECRET_NAMESPACES = ["o2ims"];
/** The module's ServiceAccount as Pepr 1.1.4 names it (pepr-<uuid> in pepr-system). */
export const MODULE_SERVICE_ACCOUNT = { name: "pepr-o-cloud-provisioner", namespace: "pepr-system" } as const;
const SECRET_READER = `${MODULE_SERVICE_ACCOUNT.name}-ocloud-secrets`;
const SECRET_RULE = { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] };

/** The Role + RoleBinding that let the module read Secrets in one namespace (and nowhere else). */
export function secretReaderRbac(namespace: string): Obj[] {
  const metadata = { name: SECRET_READER, namespace, labels: { "app.kubernetes.io/part-of": "o-cloud-provisioner" } };
  return [
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata, rules: [SECRET_RULE] },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: SECRET_READER },
      subjects: [{ kind: "ServiceAccount", ...MODULE_SERVICE_ACCOUNT }],
    },
  ];
}

/** The same per namespace of .Values.ocloudSecretNamespaces, as a chart template. */
export function secretReaderChartTemplate(): string {
  const [role, binding] = secretReaderRbac("__NS__").map(o => dump(o, { lineWidth: -1, noRefs: true }));
  const body = `${role}---\n${binding}`.replace(/__NS__/g, "{{ $ns }}");
  return `{{- range $ns := .Values.ocloudSecretNamespaces }}\n---\n${body}{{- end }}\n`;
}

/**
 * Pepr's readinessProbe asks /healthz, which is OK whenever the server is up; the module's own /readyz
 * (capabilities/health.ts) fails while a CRD it needs is missing or a watch is disconnected.
 */
export const READINESS_PORT = 3001;
export const READINESS_PROBE = {
  httpGet: { path: "/readyz", port: READINESS_PORT, scheme: "HTTP" },
  initialDelaySeconds: 10,
};

const YAML_OPTS = { lineWidth: -1, noRefs: true } as const;

/** Chart.yaml is rewritten from its scalar lines: as Pepr writes it, it is not valid YAML (see above). */
export function fixChartYaml(text: string, pkg: { version: string; description: string }): string {
  const field = (key: string) =>
    text
      .match(new RegExp(`^${key}:\\s*(.+)$`, "m"))?.[1]
      .trim()
      .replace(/^"(.*)"$/, "$1");
  const name = field("name");
  if (!name) throw new Error("Chart.yaml has no name: has Pepr's chart layout changed?");
  const chart = {
    apiVersion: field("apiVersion") ?? "v2",
    name,
    description: pkg.description,
    type: field("type") ?? "application",
    version: pkg.version,
    appVersion: pkg.version,
  };
  return dump(chart, YAML_OPTS);
}

/**
 * values.schema.json forbids unknown keys (additionalProperties: false everywhere), so every value this step adds
 * is declared there too.
 */
export function fixValuesSchema(text: string): string {
  const schema = JSON.parse(text) as { definitions: Record<string, Obj & { properties?: Obj }> };
  const def = (name: string) => {
    const d = schema.definitions[name];
    if (!d?.properties) throw new Error(`values.schema.json has no ${name} definition: has Pepr's chart layout changed?`);
    return d.properties;
  };
  const seccomp = { type: "object", properties: { type: { type: "string" } }, additionalProperties: false };
  def("SecurityContext").seccompProfile = seccomp;
  def("ContainerSecurityContext").seccompProfile = seccomp;
  def("Values").ocloudSecretNamespaces = { type: "array", items: { type: "string" } };
  def("Values").defaultClusterTemplate = {
    type: "object",
    properties: { enabled: { type: "boolean" } },
    additionalProperties: false,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** values.yaml: seccomp on both pods, sized resources, and the switch for the default ClusterTemplate. */
export function fixValues(text: string): string {
  const values = load(text) as Obj;
  for (const [role, resources] of [
    ["admission", ADMISSION_RESOURCES],
    ["watcher", WATCHER_RESOURCES],
  ] as const) {
    const v = values[role];
    if (!isObj(v)) throw new Error(`values.yaml has no ${role} section: has Pepr's chart layout changed?`);
    v.securityContext = { ...(isObj(v.securityContext) ? v.securityContext : {}), seccompProfile: SECCOMP };
    v.containerSecurityContext = {
      ...(isObj(v.containerSecurityContext) ? v.containerSecurityContext : {}),
      seccompProfile: SECCOMP,
    };
    v.resources = resources;
    v.readinessProbe = READINESS_PROBE;
  }
  values.defaultClusterTemplate = { enabled: true };
  // Namespaces whose Secrets the module may read: those of the OClouds (and so of their kubeconfig Secrets).
  values.ocloudSecretNamespaces = DEFAULT_OCLOUD_SECRET_NAMESPACES;
  return dump(values, YAML_OPTS);
}

/** The default ClusterTemplate as a chart template, installed unless defaultClusterTemplate.enabled is false. */
export function clusterTemplateChartTemplate(templateYaml: string): string {
  if (templateYaml.includes("{{")) throw new Error("the default ClusterTemplate contains '{{', which Helm would render");
  return `{{- if .Values.defaultClusterTemplate.enabled }}\n${templateYaml.trimEnd()}\n{{- end }}\n`;
}

/**
 * The manifest: CRDs first, Pepr's objects with the pod fixes, the Secret readers of the default OCloud namespaces
 * (with those namespaces), the default ClusterTemplate last.
 */
export function fixManifest(
  manifest: string,
  crds: string[],
  clusterTemplate: string,
  secretNamespaces: string[] = DEFAULT_OCLOUD_SECRET_NAMESPACES,
): string {
  // Idempotent: what an earlier run added is dropped before it is added again.
  const added = (d: Obj) =>
    d.kind === "CustomResourceDefinition" ||
    d.kind === "ClusterTemplate" ||
    (isObj(d.metadata) &&
      (d.metadata.name === SECRET_READER ||
        (d.metadata.labels as Obj | undefined)?.["app.kubernetes.io/part-of"] === "o-cloud-provisioner"));
  const docs = (loadAll(manifest) as unknown[]).filter(isObj).filter(d => !added(d));
  for (const d of docs) {
    if (d.kind !== "Deployment") continue;
    const spec = ((d.spec as Obj).template as Obj).spec as Obj;
    const role = ((d.metadata as Obj).name as string).endsWith("-watcher") ? "watcher" : "admission";
    spec.securityContext = { ...(spec.securityContext as Obj), seccompProfile: SECCOMP };
    for (const c of spec.containers as Obj[]) {
      c.securityContext = { ...(c.securityContext as Obj), seccompProfile: SECCOMP };
      c.readinessProbe = READINESS_PROBE;
      c.resources = role === "watcher" ? WATCHER_RESOURCES : ADMISSION_RESOURCES;
    }
  }
  const secretNs = secretNamespaces.flatMap(ns => [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: { "app.kubernetes.io/part-of": "o-cloud-provisioner" } },
    },
    ...secretReaderRbac(ns),
  ]);
  const parts = [...crds.map(c => load(c) as Obj), ...docs, ...secretNs, load(clusterTemplate) as Obj];
  return parts.map(p => dump(p, YAML_OPTS)).join("---\n");
}
