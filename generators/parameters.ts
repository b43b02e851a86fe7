/**
 * Parameters of the byoh-workload-cluster template: defaulting and every validation rule, shared by the render CLI,
 * the FOCOM admission and the O2IMS admission. Pure: no I/O, inputs are never mutated.
 *
 * Parameters arrive as untyped JSON (templateParameters preserves unknown fields), so every rule guards its own
 * types and never throws. The template's JSON Schema runs first; a rule is skipped for a field the schema already
 * reported, so one problem gives one message.
 */
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../api/generated/types";
import { checkJsonSchema } from "./json-schema";
import { isDns1123Label, isDns1123Subdomain, isLabelValue, MAX_LABEL_VALUE_LENGTH } from "./formats";
import { hostIdSegment, longestDerivedLabelValue, maxClusterNameLength } from "./names";
import { Cidr, cidrContains, cidrsOverlap, Ip, parseCidr, parseIp } from "./net";
import { compareK8sVersions, parseK8sVersion } from "./versions";

export type Violation = {
  /** JSON-path-ish location, e.g. "spec.templateParameters.hosts.masters[1].hostIp". */
  field: string;
  /** Short rule id, e.g. "ip". */
  rule: string;
  /** Names the parameter and the rule. */
  message: string;
};

/** One line per violation, `<field>: <message>`, as admission denials, status messages and the render CLI print them. */
export const formatViolations = (violations: Violation[], separator = "; ") =>
  violations.map(v => `${v.field}: ${v.message}`).join(separator);

export interface ValidateOptions {
  /** Namespace the cluster objects are created in (limits the cluster name, see names.ts). */
  namespace: string;
  /** Where the parameters sit in the request; default "spec.templateParameters". */
  fieldPrefix?: string;
}

export const DEFAULT_FIELD_PREFIX = "spec.templateParameters";
export const SUPPORTED_PROVISIONER = "byoh";

const PARAMETER_KEYS = [
  "clusterName",
  "clusterProvisioner",
  "k8sVersion",
  "controlPlaneEndpoint",
  "podCIDR",
  "serviceCIDR",
  "hosts",
];
const HOSTS_KEYS = ["masters", "workers"];
const HOST_KEYS = ["hostId", "hostName", "hostIp"];
const ROLES = ["masters", "workers"] as const;
type Role = (typeof ROLES)[number];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const quote = (v: unknown) => JSON.stringify(v);

/** A hostId as the label value it pins to: strings as they are, integers in decimal; anything else is invalid. */
const hostIdText = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" && Number.isInteger(v) ? String(v) : undefined;

// ---- defaults ---------------------------------------------------------------------------------------------

/**
 * The one defaults merge (render, FOCOM and O2IMS admission, the O2IMS reconciler): defaults under the given value.
 * Objects merge recursively and anything given wins, so a request may override one field of a nested default
 * without restating the rest; arrays and scalars are replaced whole (merging lists by index would invent entries).
 * An absent given value (undefined or null) takes the default; an absent default is no default. Never mutates.
 */
export function mergeDefaults(defaults: unknown, given: unknown): unknown {
  if (absent(given)) return absent(defaults) ? given : structuredClone(defaults);
  if (!isObject(defaults) || !isObject(given)) return structuredClone(given);
  const out: Obj = {};
  for (const [k, v] of Object.entries(defaults)) if (!absent(v)) out[k] = structuredClone(v);
  for (const [k, v] of Object.entries(given)) out[k] = mergeDefaults(defaults[k], v);
  return out;
}

/**
 * The template's defaults merged under the parameters (mergeDefaults), controlPlaneEndpoint from the first master's
 * hostIp when absent, and integer hostIds turned into strings (label values). The result is typed for convenience
 * only: validate it before trusting it.
 */
export function applyDefaults(params: unknown, template: ClusterTemplateSpec): ByohTemplateParameters {
  const out = mergeDefaults(template.defaults ?? {}, isObject(params) ? params : {}) as Obj;
  if (isObject(out.hosts)) {
    for (const role of ROLES) {
      const list = out.hosts[role];
      if (!Array.isArray(list)) continue;
      for (const host of list) {
        if (isObject(host) && typeof host.hostId === "number" && Number.isInteger(host.hostId)) host.hostId = String(host.hostId);
      }
    }
  }
  const firstIp = firstMasterIp(out);
  if (absent(out.controlPlaneEndpoint) && firstIp) out.controlPlaneEndpoint = firstIp;
  return out as unknown as ByohTemplateParameters;
}

function firstMasterIp(params: Obj): string | undefined {
  const masters = isObject(params.hosts) ? params.hosts.masters : undefined;
  const first: unknown = Array.isArray(masters) ? masters[0] : undefined;
  return isObject(first) && typeof first.hostIp === "string" && first.hostIp !== "" ? first.hostIp : undefined;
}

// ---- violations -------------------------------------------------------------------------------------------

/** Collects violations with full field paths; rules yield to the schema on the same field. */
class Report {
  readonly violations: Violation[] = [];
  private readonly schemaFields = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(private readonly prefix: string) {}

  private field(path: string) {
    if (!path) return this.prefix;
    return path.startsWith("[") ? `${this.prefix}${path}` : `${this.prefix}.${path}`;
  }

  private push(path: string, rule: string, message: string): void {
    const v = { field: this.field(path), rule, message };
    const key = `${v.field}\u0000${v.rule}\u0000${v.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.violations.push(v);
  }

  schema(path: string, rule: string, message: string): void {
    this.schemaFields.add(path);
    this.push(path, rule, message);
  }

  rule(path: string, rule: string, message: string): void {
    if (this.schemaFields.has(path)) return;
    this.push(path, rule, message);
  }

  reported(path: string): boolean {
    return this.violations.some(v => v.field === this.field(path));
  }
}

// ---- JSON Schema (the template's parameterSchema) ----------------------------------------------------------

function checkSchema(params: unknown, template: ClusterTemplateSpec, report: Report): void {
  if (!isObject(template.parameterSchema)) return;
  for (const issue of checkJsonSchema(template.parameterSchema, params)) report.schema(issue.path, issue.rule, issue.message);
}

// ---- built-in rules ---------------------------------------------------------------------------------------

interface HostEntry {
  role: Role;
  path: string;
  host: Obj;
  hostId?: string;
  ip?: Ip;
}

function checkUnknownKeys(obj: Obj, path: string, known: string[], what: string, report: Report): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const p = path ? `${path}.${key}` : key;
    report.rule(p, "unknown-parameter", `unknown parameter "${p}": ${what} are ${known.join(", ")}`);
  }
}

function checkClusterName(params: Obj, report: Report): string | undefined {
  const name = params.clusterName;
  if (absent(name) || name === "") {
    report.rule("clusterName", "required", "clusterName is required");
  } else if (typeof name !== "string") {
    report.rule("clusterName", "type", "clusterName must be a string");
  } else if (!isDns1123Label(name)) {
    report.rule(
      "clusterName",
      "dns1123-label",
      `clusterName ${quote(name)} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending ` +
        `with a letter or digit, at most ${MAX_LABEL_VALUE_LENGTH} characters`,
    );
  } else {
    return name;
  }
  return undefined;
}

function checkProvisioner(params: Obj, report: Report): void {
  const p = params.clusterProvisioner;
  if (!absent(p) && p !== SUPPORTED_PROVISIONER) {
    report.rule(
      "clusterProvisioner",
      "provisioner",
      `clusterProvisioner must be "${SUPPORTED_PROVISIONER}" (the only provisioner), not ${quote(p)}`,
    );
  }
}

function checkK8sVersion(params: Obj, template: ClusterTemplateSpec, report: Report): void {
  const v = params.k8sVersion;
  if (absent(v)) return;
  if (typeof v !== "string" || !parseK8sVersion(v)) {
    report.rule("k8sVersion", "k8s-version-format", `k8sVersion ${quote(v)} must look like vMAJOR.MINOR.PATCH, e.g. v1.32.0`);
  } else if (!template.supportedK8sVersions.includes(v)) {
    report.rule(
      "k8sVersion",
      "k8s-version-supported",
      `k8sVersion ${quote(v)} is not supported by template ${template.templateName} ${template.templateVersion}; ` +
        `supported versions: ${template.supportedK8sVersions.join(", ")}`,
    );
  }
}

/** Shape of hosts, per-host fields, uniqueness; returns the well-formed entries for the network rules. */
function checkHosts(params: Obj, report: Report): HostEntry[] {
  const hosts = params.hosts;
  if (absent(hosts)) {
    report.rule("hosts", "required", "hosts is required: hosts.masters must list at least one control-plane host");
    return [];
  }
  if (!isObject(hosts)) {
    report.rule("hosts", "type", "hosts must be an object with masters and workers lists");
    return [];
  }
  checkUnknownKeys(hosts, "hosts", HOSTS_KEYS, "the lists of hosts", report);

  const entries: HostEntry[] = [];
  for (const role of ROLES) {
    const list = hosts[role];
    const listPath = `hosts.${role}`;
    if (absent(list)) continue;
    if (!Array.isArray(list)) {
      report.rule(listPath, "type", `${listPath} must be a list of hosts`);
      continue;
    }
    list.forEach((host, i) => {
      const path = `${listPath}[${i}]`;
      if (!isObject(host)) report.rule(path, "type", `${path} must be an object with hostId, hostName and hostIp`);
      else entries.push(checkHost(role, path, host, report));
    });
  }

  const masters = hosts.masters;
  const masterCount = Array.isArray(masters) ? masters.length : 0;
  if (masterCount === 0) {
    report.rule("hosts.masters", "masters-required", "hosts.masters must list at least one control-plane host");
  } else if (masterCount % 2 === 0) {
    report.rule(
      "hosts.masters",
      "masters-odd",
      `hosts.masters must list an odd number of hosts (stacked etcd needs a majority), not ${masterCount}`,
    );
  }
  checkUnique(entries, e => e.hostId, "hostId", "host-id-unique", report);
  checkUnique(
    entries,
    e => (typeof e.host.hostName === "string" ? e.host.hostName : undefined),
    "hostName",
    "host-name-unique",
    report,
  );
  checkWorkerNames(entries, report);
  return entries;
}

function checkHost(role: Role, path: string, host: Obj, report: Report): HostEntry {
  const entry: HostEntry = { role, path, host };
  checkUnknownKeys(host, path, HOST_KEYS, "the fields of a host", report);

  const id = host.hostId;
  const idText = hostIdText(id);
  if (absent(id) || id === "") {
    report.rule(`${path}.hostId`, "required", `${path}.hostId is required (the value of the host's pinning label)`);
  } else if (idText === undefined) {
    report.rule(`${path}.hostId`, "type", `${path}.hostId must be a string or an integer`);
  } else if (!isLabelValue(idText)) {
    report.rule(
      `${path}.hostId`,
      "label-value",
      `${path}.hostId ${quote(idText)} must be a valid label value: at most ${MAX_LABEL_VALUE_LENGTH} characters, ` +
        `letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
    );
  } else {
    entry.hostId = idText;
  }

  const name = host.hostName;
  if (absent(name) || name === "") {
    report.rule(`${path}.hostName`, "required", `${path}.hostName is required (the ByoHost's name, i.e. the host's hostname)`);
  } else if (typeof name !== "string") {
    report.rule(`${path}.hostName`, "type", `${path}.hostName must be a string`);
  } else if (!isDns1123Subdomain(name)) {
    report.rule(
      `${path}.hostName`,
      "dns1123-subdomain",
      `${path}.hostName ${quote(name)} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.'), as ByoHost names are`,
    );
  }

  const ip = host.hostIp;
  if (!absent(ip)) {
    const parsed = typeof ip === "string" ? parseIp(ip) : undefined;
    if (!parsed) report.rule(`${path}.hostIp`, "ip", `${path}.hostIp ${quote(ip)} must be a valid IPv4 or IPv6 address`);
    entry.ip = parsed;
  }
  return entry;
}

function checkUnique(
  entries: HostEntry[],
  key: (e: HostEntry) => string | undefined,
  fieldName: string,
  rule: string,
  report: Report,
) {
  const first = new Map<string, HostEntry>();
  for (const e of entries) {
    const k = key(e);
    if (k === undefined) continue;
    const earlier = first.get(k);
    if (!earlier) first.set(k, e);
    else
      report.rule(
        `${e.path}.${fieldName}`,
        rule,
        `${e.path}.${fieldName} ${quote(k)} is also used by ${earlier.path}; every host's ${fieldName} must be unique`,
      );
  }
}

/** Distinct hostIds can only map to one worker name through the hashed form (names.ts); reject rather than merge. */
function checkWorkerNames(entries: HostEntry[], report: Report): void {
  const bySegment = new Map<string, HostEntry>();
  for (const e of entries) {
    if (e.role !== "workers" || e.hostId === undefined) continue;
    const segment = hostIdSegment(e.hostId);
    const earlier = bySegment.get(segment);
    if (!earlier) bySegment.set(segment, e);
    else if (earlier.hostId !== e.hostId) {
      report.rule(
        `${e.path}.hostId`,
        "worker-name-unique",
        `${e.path}.hostId ${quote(e.hostId)} gives the same worker object names ("…-worker-${segment}") as ${earlier.path}.hostId ${quote(earlier.hostId)}; change one of them`,
      );
    }
  }
}

/** A cluster network as given or, when absent, as the template defaults it; with its description for messages. */
interface Network {
  cidr: Cidr;
  text: string;
}

function checkCidr(
  params: Obj,
  key: "podCIDR" | "serviceCIDR",
  template: ClusterTemplateSpec,
  report: Report,
): Network | undefined {
  const given = !absent(params[key]);
  const value = given ? params[key] : template.defaults?.[key];
  if (absent(value)) return undefined;
  const result = typeof value === "string" ? parseCidr(value) : { error: "is not a string" };
  if ("cidr" in result) return { cidr: result.cidr, text: `${key} ${quote(value)}${given ? "" : " (template default)"}` };
  if (given) report.rule(key, "cidr", `${key} ${quote(value)} must be a valid CIDR (address/prefix): it ${result.error}`);
  return undefined;
}

function checkNetwork(params: Obj, template: ClusterTemplateSpec, entries: HostEntry[], report: Report): void {
  const endpoint = params.controlPlaneEndpoint;
  let endpointIp: Ip | undefined;
  if (!absent(endpoint)) {
    endpointIp = typeof endpoint === "string" ? parseIp(endpoint) : undefined;
    if (!endpointIp) {
      report.rule(
        "controlPlaneEndpoint",
        "ip",
        `controlPlaneEndpoint ${quote(endpoint)} must be a valid IPv4 or IPv6 address (the kube-vip VIP of the API server)`,
      );
    }
  } else {
    const first = entries.find(e => e.path === "hosts.masters[0]");
    if (first && absent(first.host.hostIp)) {
      report.rule(
        "controlPlaneEndpoint",
        "endpoint-required",
        "controlPlaneEndpoint is required because hosts.masters[0] has no hostIp to default it from: give the API server's VIP (a free address on the hosts' network)",
      );
    }
  }

  const pods = checkCidr(params, "podCIDR", template, report);
  const services = checkCidr(params, "serviceCIDR", template, report);
  if (pods && services && cidrsOverlap(pods.cidr, services.cidr)) {
    report.rule(
      "serviceCIDR",
      "cidr-overlap",
      `${services.text} overlaps ${pods.text}; pod and service networks must be disjoint`,
    );
  }
  const addresses = [
    ...(endpointIp ? [{ path: "controlPlaneEndpoint", ip: endpointIp, raw: endpoint }] : []),
    ...entries.filter(e => e.ip).map(e => ({ path: `${e.path}.hostIp`, ip: e.ip!, raw: e.host.hostIp })),
  ];
  for (const a of addresses) {
    for (const n of [pods, services]) {
      if (n && cidrContains(n.cidr, a.ip)) {
        report.rule(
          a.path,
          "address-in-cidr",
          `${a.path} ${quote(a.raw)} lies inside ${n.text}; host and VIP addresses must be outside the cluster's pod and service networks`,
        );
      }
    }
  }
}

function checkNameLength(clusterName: string, namespace: string, entries: HostEntry[], report: Report): void {
  const workerIds = entries.filter(e => e.role === "workers" && e.hostId !== undefined).map(e => e.hostId!);
  const longest = longestDerivedLabelValue(clusterName, namespace, workerIds);
  if (longest.value.length <= MAX_LABEL_VALUE_LENGTH) return;
  const max = maxClusterNameLength(namespace, workerIds);
  const advice = max >= 1 ? `use at most ${max} characters` : `namespace ${quote(namespace)} itself is too long for BYOH`;
  report.rule(
    "clusterName",
    "name-length",
    `clusterName ${quote(clusterName)} is too long in namespace ${quote(namespace)}: label ${longest.key} of ${longest.what} ` +
      `can be ${longest.value.length} characters (${quote(longest.value)}, x = random characters added by Cluster API), ` +
      `over the limit of ${MAX_LABEL_VALUE_LENGTH}; ${advice}`,
  );
}

/** Every rule on one set of parameters (creation, or the new side of an update). Empty when valid. */
export function validateParameters(params: unknown, template: ClusterTemplateSpec, opts: ValidateOptions): Violation[] {
  const report = new Report(opts.fieldPrefix ?? DEFAULT_FIELD_PREFIX);
  checkSchema(params, template, report);
  if (!isObject(params)) {
    report.rule("", "type", "templateParameters must be an object");
    return report.violations;
  }
  checkUnknownKeys(params, "", PARAMETER_KEYS, "the template's parameters", report);
  const clusterName = checkClusterName(params, report);
  checkProvisioner(params, report);
  checkK8sVersion(params, template, report);
  const entries = checkHosts(params, report);
  checkNetwork(params, template, entries, report);
  if (clusterName && !report.reported("clusterName")) checkNameLength(clusterName, opts.namespace, entries, report);
  return report.violations;
}

// ---- updates ----------------------------------------------------------------------------------------------

type HostShape = { hostId: string; hostName?: unknown; hostIp?: unknown };

function hostsByRole(params: ByohTemplateParameters, role: Role): HostShape[] {
  const hosts = (params as unknown as Obj).hosts;
  const list = isObject(hosts) ? hosts[role] : undefined;
  if (!Array.isArray(list)) return [];
  return list
    .filter(isObject)
    .map(h => ({ hostId: hostIdText(h.hostId) ?? quote(h.hostId), hostName: h.hostName, hostIp: h.hostIp }));
}

const sameHost = (a: HostShape, b: HostShape) => a.hostId === b.hostId && a.hostName === b.hostName && a.hostIp === b.hostIp;
const hostList = (hosts: HostShape[]) => `[${hosts.map(h => h.hostId).join(", ") || "none"}]`;

const IMMUTABLE: { key: keyof ByohTemplateParameters; why: string }[] = [
  { key: "clusterName", why: "it names every Cluster API object of the cluster" },
  { key: "clusterProvisioner", why: "the provisioner cannot be switched on a live cluster" },
  { key: "controlPlaneEndpoint", why: "it is in every certificate and kubeconfig of the cluster" },
  { key: "podCIDR", why: "the pod network cannot be renumbered on a live cluster" },
  { key: "serviceCIDR", why: "the service network cannot be renumbered on a live cluster" },
];

/**
 * What may change on an existing request: workers may be added or removed, k8sVersion may be raised by at most one
 * minor version; everything else is immutable. The new parameters must also pass validateParameters.
 */
export function validateUpdate(
  oldParams: unknown,
  newParams: unknown,
  template: ClusterTemplateSpec,
  opts: ValidateOptions,
): Violation[] {
  const prefix = opts.fieldPrefix ?? DEFAULT_FIELD_PREFIX;
  const field = (path: string) => `${prefix}.${path}`;
  const before = applyDefaults(oldParams, template);
  const after = applyDefaults(newParams, template);
  const out: Violation[] = [];

  for (const { key, why } of IMMUTABLE) {
    if (quote(before[key]) !== quote(after[key])) {
      out.push({
        field: field(key),
        rule: "immutable",
        message: `${key} is immutable: ${why} (was ${quote(before[key]) ?? "unset"}, now ${quote(after[key]) ?? "unset"})`,
      });
    }
  }

  const byId = (hosts: HostShape[]) => [...hosts].sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  const oldMasters = byId(hostsByRole(before, "masters"));
  const newMasters = byId(hostsByRole(after, "masters"));
  if (oldMasters.length !== newMasters.length || oldMasters.some((h, i) => !sameHost(h, newMasters[i]))) {
    out.push({
      field: field("hosts.masters"),
      rule: "immutable",
      message:
        `hosts.masters is immutable: control-plane hosts cannot be added, removed or changed on a live cluster ` +
        `(was ${hostList(oldMasters)}, now ${hostList(newMasters)}; compare hostId, hostName and hostIp)`,
    });
  }

  const oldWorkers = new Map(hostsByRole(before, "workers").map(h => [h.hostId, h]));
  hostsByRole(after, "workers").forEach((h, i) => {
    const was = oldWorkers.get(h.hostId);
    if (was && !sameHost(was, h)) {
      out.push({
        field: field(`hosts.workers[${i}]`),
        rule: "immutable",
        message:
          `hosts.workers[${i}] is immutable: worker hostId ${quote(h.hostId)} changed its hostName or hostIp; ` +
          `remove the worker and add a new entry instead`,
      });
    }
  });

  const versionViolations = checkVersionChange(before.k8sVersion, after.k8sVersion, field("k8sVersion"));
  out.push(...versionViolations);
  if (versionViolations.length === 0 && before.k8sVersion !== after.k8sVersion && newMasters.length < 3) {
    // KubeadmControlPlane allows maxSurge 0 only from 3 replicas; below that a rollout first adds a machine, which
    // needs a spare host matching the control-plane selector, and pinning leaves none: the upgrade would hang.
    out.push({
      field: field("k8sVersion"),
      rule: "upgrade-needs-3-masters",
      message:
        `k8sVersion cannot be raised on a control plane of ${newMasters.length} master(s): KubeadmControlPlane rolls out ` +
        `by adding a machine first (maxSurge 0 needs 3 replicas) and every control-plane host is pinned; provision 3 masters to upgrade in place`,
    });
  }
  return [...out, ...validateParameters(newParams, template, opts)];
}

function checkVersionChange(from: string | undefined, to: string | undefined, field: string): Violation[] {
  const a = from ? parseK8sVersion(from) : undefined;
  const b = to ? parseK8sVersion(to) : undefined;
  if (!a || !b || compareK8sVersions(a, b) === 0) return [];
  if (compareK8sVersions(b, a) < 0) {
    return [
      { field, rule: "k8s-downgrade", message: `k8sVersion cannot be downgraded (from ${from} to ${to}); kubeadm only upgrades` },
    ];
  }
  if (b.major !== a.major || b.minor > a.minor + 1) {
    return [
      {
        field,
        rule: "k8s-minor-skip",
        message: `k8sVersion can be raised by one minor version at a time (from ${from} to v${a.major}.${a.minor + 1}.x), not to ${to}`,
      },
    ];
  }
  return [];
}
