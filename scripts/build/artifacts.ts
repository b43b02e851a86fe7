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
 * - The O2 IMS REST server (o2ims-api/) ships in both, behind the chart value o2imsApi.enabled: its own
 *   ServiceAccount and ClusterRole (o2ims-api/rbac.ts), a Deployment running the module's bundle with
 *   OCP_COMPONENT=o2ims-api, a Service on 8443 and its OpenAPI documents in a ConfigMap (see o2imsApiObjects).
 * - FOCOM's notification callback (capabilities/focom/callbacks.ts): Pepr's watcher exposes only its port 3000, so
 *   the callback port (OCP_FOCOM_CALLBACK_PORT, chart value focomCallback.port) is added to the watcher's container,
 *   with a Service of its own (focomCallback.serviceType) and, when focomCallback.url says how O-Clouds reach it,
 *   OCP_FOCOM_CALLBACK_URL; without a URL FOCOM polls (see focomCallbackObjects).
 * - Secrets: the module reads only the kubeconfig Secret each OCloud names, and an OCloud may name only a Secret of
 *   its own namespace (admission), so Secrets are readable in the namespaces configured for OClouds only: a Role +
 *   RoleBinding per namespace (chart value ocloudSecretNamespaces, templated; the manifest carries the default
 *   list), never a cluster-wide rule (package.json's pepr.rbac has none, and a unit test keeps it so).
 */
import { dump, load, loadAll } from "js-yaml";
import { O2IMS_API_IDENTITY, O2IMS_API_RULES } from "../../o2ims-api/rbac";

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
  def("Values").o2imsApi = {
    type: "object",
    properties: { enabled: { type: "boolean" }, namespace: { type: "string" }, tlsSecretName: { type: "string" } },
    additionalProperties: false,
  };
  def("Values").focomCallback = {
    type: "object",
    properties: {
      url: { type: "string", pattern: "^(https?://[^/?#@]+(/[^?#]*)?)?$" },
      port: { type: "integer", minimum: 1, maximum: 65535 },
      serviceType: { type: "string", enum: ["ClusterIP", "NodePort", "LoadBalancer"] },
    },
    additionalProperties: false,
  };
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
  // FOCOM's notification callback: served on this port; url is how O-Clouds reach it (empty: FOCOM polls).
  values.focomCallback = FOCOM_CALLBACK_DEFAULTS;
  // The O2 IMS REST server (o2ims-api/); its TLS Secret (tls.crt, tls.key) is the installer's to provide.
  values.o2imsApi = { enabled: true, ...O2IMS_API_DEFAULTS };
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
  /** The O2 IMS REST server's OpenAPI documents (file name -> text); without them the server is left out. */
  o2imsApiDocuments?: Record<string, string>,
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
      if (role === "watcher") addFocomCallbackPort(c, FOCOM_CALLBACK_DEFAULTS.port);
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
  const api = o2imsApiDocuments
    ? o2imsApiObjects({ ...moduleRuntimeOf(docs), ...O2IMS_API_DEFAULTS, documents: o2imsApiDocuments })
    : [];
  const callback = focomCallbackService(FOCOM_CALLBACK_DEFAULTS.port, FOCOM_CALLBACK_DEFAULTS.serviceType);
  const parts = [...crds.map(c => load(c) as Obj), ...docs, ...secretNs, callback, ...api, load(clusterTemplate) as Obj];
  return parts.map(p => dump(p, YAML_OPTS)).join("---\n");
}

// ---- FOCOM's notification callback endpoint (capabilities/focom/callbacks.ts), served by the watcher ----

export const FOCOM_CALLBACK_DEFAULTS = { url: "", port: 3002, serviceType: "ClusterIP" } as const;
const FOCOM_CALLBACK_SERVICE = `${MODULE_SERVICE_ACCOUNT.name}-focom-callback`;
/** The watcher pods' labels as Pepr 1.1.4 sets them (its Deployment's selector). */
const WATCHER_SELECTOR = { app: `${MODULE_SERVICE_ACCOUNT.name}-watcher`, "pepr.dev/controller": "watcher" };

/** The watcher container's callback port and OCP_FOCOM_CALLBACK_PORT (idempotent); the URL is the installer's to set. */
function addFocomCallbackPort(container: Obj, port: number): void {
  const ports = ((container.ports as Obj[] | undefined) ?? []).filter(p => p.name !== "focom-callback");
  container.ports = [...ports, { name: "focom-callback", containerPort: port }];
  const env = ((container.env as Obj[] | undefined) ?? []).filter(e => e.name !== "OCP_FOCOM_CALLBACK_PORT");
  container.env = [...env, { name: "OCP_FOCOM_CALLBACK_PORT", value: String(port) }];
}

/** The Service O-Clouds' O2 IMS servers POST notifications to (directly, or behind an Ingress or a LoadBalancer). */
export function focomCallbackService(port: number | string, type: string): Obj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: FOCOM_CALLBACK_SERVICE,
      namespace: MODULE_SERVICE_ACCOUNT.namespace,
      labels: { "app.kubernetes.io/part-of": "o-cloud-provisioner", "app.kubernetes.io/component": "focom-callback" },
    },
    spec: { type, selector: WATCHER_SELECTOR, ports: [{ name: "focom-callback", port, targetPort: "focom-callback" }] },
  };
}

/** The Service as a chart template (with the watcher), port and type from focomCallback values. */
export function focomCallbackChartTemplate(): string {
  const body = dump(focomCallbackService(0, "__TYPE__"), YAML_OPTS)
    .replace(/port: 0\n/, "port: {{ .Values.focomCallback.port }}\n")
    .replace(/__TYPE__/, "{{ .Values.focomCallback.serviceType }}");
  return `{{- if .Values.watcher.enabled }}\n${body}{{- end }}\n`;
}

/**
 * Pepr's watcher Deployment template with the callback port and settings: after its one containerPort, the named
 * callback port; after PEPR_WATCH_MODE, OCP_FOCOM_CALLBACK_PORT and (when set) OCP_FOCOM_CALLBACK_URL. Idempotent.
 */
export function fixWatcherTemplate(text: string): string {
  const MARK = "# focom-callback (scripts/build/artifacts.ts)";
  if (text.includes(MARK)) return text;
  const port = /^( +)- containerPort: 3000\n/m;
  const env = /^( +)- name: PEPR_WATCH_MODE\n\1 {2}value: "true"\n/m;
  if (!port.test(text) || !env.test(text))
    throw new Error(
      "the watcher Deployment template has no containerPort 3000 or PEPR_WATCH_MODE: has Pepr's chart layout changed?",
    );
  return text
    .replace(
      port,
      (line, indent: string) =>
        `${line}${indent}${MARK}\n${indent}- name: focom-callback\n${indent}  containerPort: {{ .Values.focomCallback.port }}\n`,
    )
    .replace(
      env,
      (lines, indent: string) =>
        `${lines}${indent}- name: OCP_FOCOM_CALLBACK_PORT\n${indent}  value: {{ .Values.focomCallback.port | quote }}\n` +
        `${indent}{{- if .Values.focomCallback.url }}\n` +
        `${indent}- name: OCP_FOCOM_CALLBACK_URL\n${indent}  value: {{ .Values.focomCallback.url | quote }}\n` +
        `${indent}{{- end }}\n`,
    );
}

// ---- The O2 IMS REST server (o2ims-api/): its own identity, Deployment, Service and OpenAPI documents ----
//
// It runs from the module's own bundle and the Pepr controller image, as the watcher does, but not through
// Pepr's controller.js: that first applies the PeprStore CRD, which the server's least-privilege identity may not.
// Its loader does what controller.js does with the module Secret (gunzip, check the SHA-256 against the build's
// hash, run) and sets OCP_COMPONENT=o2ims-api; NODE_PATH lets the bundle's externals (pepr, its client) resolve
// from the image's /app/node_modules although the bundle is written to the emptyDir /tmp (read-only root).

export const O2IMS_API_PORT = 8443;
const O2IMS_API_TLS_DIR = "/etc/o2ims-api/tls";
const O2IMS_API_DOCS_DIR = "/etc/o2ims-api/openapi";
export const O2IMS_API_DEFAULTS = {
  namespace: "o2ims",
  tlsSecretName: `${O2IMS_API_IDENTITY}-tls`,
} as const;
const O2IMS_API_LABELS = { "app.kubernetes.io/part-of": "o-cloud-provisioner", "app.kubernetes.io/component": "o2ims-api" };
export const O2IMS_API_RESOURCES = { requests: { memory: "128Mi", cpu: "100m" }, limits: { memory: "384Mi", cpu: "500m" } };

/** node -e: gunzip the module Secret's bundle, verify its hash (argv[1]), run it (see above). */
export const O2IMS_API_LOADER = [
  'const fs=require("fs"),zlib=require("zlib"),crypto=require("crypto");const h=process.argv[1];',
  "const code=zlib.gunzipSync(fs.readFileSync(`/app/load/module-${h}.js.gz`));",
  'if(crypto.createHash("sha256").update(code).digest("hex")!==h)throw new Error("module bundle hash mismatch");',
  'fs.writeFileSync("/tmp/o2ims-api.js",code);require("/tmp/o2ims-api.js");',
].join("");

export interface O2imsApiOptions {
  image: string;
  /** The bundle's hash, as in the watcher's args. */
  hash: string;
  moduleSecret: string;
  /** The namespace whose ProvisioningRequests the API serves. */
  namespace: string;
  tlsSecretName: string;
  /** File name -> text of every o2ims-api/openapi/*.yaml. */
  documents: Record<string, string>;
}

/** The server's objects: ServiceAccount, ClusterRole + binding (o2ims-api/rbac.ts), ConfigMap, Deployment, Service. */
export function o2imsApiObjects(o: O2imsApiOptions): Obj[] {
  const ns = MODULE_SERVICE_ACCOUNT.namespace;
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels: O2IMS_API_LABELS,
  });
  const docsConfigMap = `${O2IMS_API_IDENTITY}-openapi`;
  const selector = { app: O2IMS_API_IDENTITY };
  const probe = (delay: number) => ({
    httpGet: { path: "/healthz", port: O2IMS_API_PORT, scheme: "HTTPS" },
    initialDelaySeconds: delay,
  });
  const env: Record<string, string> = {
    OCP_COMPONENT: "o2ims-api",
    NODE_PATH: "/app/node_modules",
    OCP_O2IMS_API_PORT: String(O2IMS_API_PORT),
    OCP_O2IMS_API_NAMESPACE: o.namespace,
    OCP_O2IMS_API_OWN_NAMESPACE: ns,
    OCP_O2IMS_API_TLS_CERT: `${O2IMS_API_TLS_DIR}/tls.crt`,
    OCP_O2IMS_API_TLS_KEY: `${O2IMS_API_TLS_DIR}/tls.key`,
    OCP_O2IMS_API_DOCUMENTS: O2IMS_API_DOCS_DIR,
  };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(O2IMS_API_IDENTITY) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta(O2IMS_API_IDENTITY, false),
      rules: O2IMS_API_RULES,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta(O2IMS_API_IDENTITY, false),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: O2IMS_API_IDENTITY },
      subjects: [{ kind: "ServiceAccount", name: O2IMS_API_IDENTITY, namespace: ns }],
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta(docsConfigMap), data: o.documents },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(O2IMS_API_IDENTITY),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, ...O2IMS_API_LABELS } },
          spec: {
            serviceAccountName: O2IMS_API_IDENTITY,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: SECCOMP },
            containers: [
              {
                name: "o2ims-api",
                image: o.image,
                imagePullPolicy: "IfNotPresent",
                command: ["node", "-e", O2IMS_API_LOADER, o.hash],
                env: Object.entries(env).map(([name, value]) => ({ name, value })),
                ports: [{ name: "https", containerPort: O2IMS_API_PORT }],
                readinessProbe: probe(5),
                livenessProbe: probe(15),
                resources: O2IMS_API_RESOURCES,
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: SECCOMP,
                },
                volumeMounts: [
                  { name: "module", mountPath: "/app/load", readOnly: true },
                  { name: "tls", mountPath: O2IMS_API_TLS_DIR, readOnly: true },
                  { name: "openapi", mountPath: O2IMS_API_DOCS_DIR, readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "module", secret: { secretName: o.moduleSecret } },
              { name: "tls", secret: { secretName: o.tlsSecretName } },
              { name: "openapi", configMap: { name: docsConfigMap } },
              { name: "tmp", emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(O2IMS_API_IDENTITY),
      spec: { selector, ports: [{ name: "https", port: O2IMS_API_PORT, targetPort: O2IMS_API_PORT }] },
    },
  ];
}

/** The watcher Deployment's image and bundle hash (args [controller.js, hash]) and module Secret, from a manifest. */
export function moduleRuntimeOf(docs: Obj[]): { image: string; hash: string; moduleSecret: string } {
  const watcher = docs.find(d => d.kind === "Deployment" && String((d.metadata as Obj).name).endsWith("-watcher"));
  const spec = watcher && (((watcher.spec as Obj).template as Obj).spec as Obj);
  const container = spec && (spec.containers as Obj[])[0];
  const args = container?.args as string[] | undefined;
  const secret = (spec?.volumes as Obj[] | undefined)?.find(v => v.name === "module")?.secret as Obj | undefined;
  if (!container || !args?.[1] || !secret)
    throw new Error("the manifest's watcher Deployment has no image, hash or module Secret: has Pepr's layout changed?");
  return { image: container.image as string, hash: args[1], moduleSecret: secret.secretName as string };
}

/**
 * The same objects as a chart template behind o2imsApi.enabled; image, hash and module Secret as the watcher's
 * values, the served namespace and the TLS Secret from o2imsApi values.
 */
export function o2imsApiChartTemplate(documents: Record<string, string>): string {
  for (const [f, text] of Object.entries(documents))
    if (text.includes("{{")) throw new Error(`o2ims-api/openapi/${f} contains '{{', which Helm would render`);
  const objs = o2imsApiObjects({
    image: "__IMAGE__",
    hash: "__HASH__",
    moduleSecret: "__MODULE_SECRET__",
    namespace: "__SERVED_NS__",
    tlsSecretName: "__TLS_SECRET__",
    documents,
  });
  const body = objs
    .map(o => dump(o, YAML_OPTS))
    .join("---\n")
    .replace(/__IMAGE__/g, "{{ .Values.watcher.image }}")
    .replace(/__HASH__/g, '"{{ .Values.hash }}"')
    .replace(/__MODULE_SECRET__/g, "{{ .Values.uuid }}-module")
    .replace(/__SERVED_NS__/g, "{{ .Values.o2imsApi.namespace | quote }}")
    .replace(/__TLS_SECRET__/g, "{{ .Values.o2imsApi.tlsSecretName }}");
  return `{{- if .Values.o2imsApi.enabled }}\n${body}{{- end }}\n`;
}
