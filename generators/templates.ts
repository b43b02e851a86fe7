/**
 * Templates (pure): which template a request names, how a FOCOM TemplateInfo reads, and the admission rules that
 * need no live object, for FocomProvisioningRequests and ProvisioningRequests. Both capabilities' admission and
 * `npm run render` call these same functions, so the dry run accepts, defaults and denies a request exactly as the
 * clusters would (render only skips what needs live objects: OClouds, ByoHosts, other requests).
 *
 * Matching is on the spec's name/version, never on the object's name (Nephio's "<name>-<version>" object-name
 * lookup confused users, nephio#955); seed 002's templateRef.name is the one alias that names an object.
 */
import type {
  ByohTemplateParameters,
  ClusterTemplateSpec,
  FocomProvisioningRequestSpec,
  ProvisioningRequestSpec,
  TemplateInfoSpec,
} from "../api/generated/types";
import { DEFAULT_PROVISIONER, MIRROR_SUFFIX } from "../api/vocabulary";
import type { KubeObject } from "../kube/types";
import { isDns1123Label } from "./formats";
import { checkJsonSchema } from "./json-schema";
import { MAX_FOCOM_REQUEST_NAME, MAX_PROVISIONING_REQUEST_NAME, remoteRequestName } from "./names";
import { applyDefaults, DEFAULT_FIELD_PREFIX, mergeDefaults, validateParameters, validateUpdate, Violation } from "./parameters";

export { mergeDefaults };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// ---- the resolver -------------------------------------------------------------------------------------------

/** How the resolver reads one kind of template, and the words its violations use (denials and tests quote them). */
export interface TemplateKind<T> {
  nameOf(t: T): string | undefined;
  versionOf(t: T): string | undefined;
  messages: {
    nameRequired(available: string): string;
    unknownName(name: string, available: string): string;
    unknownVersion(name: string, version: string, versions: string): string;
    versionRequired(name: string, versions: string): string;
  };
}

export type Resolution<T> = { template: T; violation?: undefined } | { template?: undefined; violation: Violation };

const labelOf = <K>(kind: TemplateKind<K>, t: K) => {
  const version = kind.versionOf(t);
  return version ? `${kind.nameOf(t)}/${version}` : `${kind.nameOf(t)}`;
};

/**
 * The template a name and optional version resolve to: the one with that version, or, without a version, the only
 * template of that name. Otherwise a violation on spec.templateName (listing the templates) or spec.templateVersion
 * (listing the versions of that name).
 */
export function resolveTemplate<T extends K, K>(
  all: readonly T[],
  name: string | undefined,
  version: string | undefined,
  kind: TemplateKind<K>,
): Resolution<T> {
  const available = () => [...new Set(all.map(t => labelOf(kind, t)))].sort().join(", ") || "(none)";
  if (!name) {
    return { violation: { field: "spec.templateName", rule: "required", message: kind.messages.nameRequired(available()) } };
  }
  const matches = all.filter(t => kind.nameOf(t) === name);
  const found = version ? matches.find(t => kind.versionOf(t) === version) : matches.length === 1 ? matches[0] : undefined;
  if (found) return { template: found };
  if (matches.length === 0) {
    return {
      violation: { field: "spec.templateName", rule: "template-exists", message: kind.messages.unknownName(name, available()) },
    };
  }
  const versions = [...new Set(matches.map(t => kind.versionOf(t) ?? "(unversioned)"))].sort().join(", ");
  return {
    violation: {
      field: "spec.templateVersion",
      rule: "template-exists",
      message: version ? kind.messages.unknownVersion(name, version, versions) : kind.messages.versionRequired(name, versions),
    },
  };
}

/** ClusterTemplates (cluster-scoped, on the O-Cloud). Messages leave the field to the caller's formatting. */
export const CLUSTER_TEMPLATES: TemplateKind<{ spec: ClusterTemplateSpec }> = {
  nameOf: t => t.spec.templateName,
  versionOf: t => t.spec.templateVersion || undefined,
  messages: {
    nameRequired: available => `required: the name of a ClusterTemplate; available templates: ${available}`,
    unknownName: (name, available) => `no ClusterTemplate named "${name}"; available templates: ${available}`,
    unknownVersion: (name, version, versions) =>
      `ClusterTemplate ${name} has no version "${version}"; available versions: ${versions}`,
    versionRequired: (name, versions) => `required because ClusterTemplate ${name} has several versions: ${versions}`,
  },
};

/** TemplateInfos of one namespace (SMO side). FOCOM denials join bare messages, so each names its field. */
export const templateInfosIn = (namespace: string): TemplateKind<TemplateInfoObject> => ({
  nameOf: templateNameOf,
  versionOf: templateVersionOf,
  messages: {
    nameRequired: available =>
      `spec.templateName: required (a template of a TemplateInfo in namespace ${namespace}); available templates: ${available}`,
    unknownName: (name, available) =>
      `spec.templateName: no TemplateInfo for template "${name}" in namespace ${namespace}; available templates: ${available}`,
    unknownVersion: (name, version, versions) =>
      `spec.templateVersion: template "${name}" has no version "${version}" in namespace ${namespace}; available versions: ${versions}`,
    versionRequired: (name, versions) =>
      `spec.templateVersion: required because template "${name}" has several versions: ${versions}`,
  },
});

/** The resolver over one namespace's TemplateInfos, in the shape the FOCOM reconciler reads. */
export function resolveTemplateInfo(
  all: readonly TemplateInfoObject[],
  name: string | undefined,
  version: string | undefined,
  namespace: string,
): { templateInfo?: TemplateInfoObject; violation?: Violation } {
  const { template, violation } = resolveTemplate(all, name, version, templateInfosIn(namespace));
  return { templateInfo: template, violation };
}

// ---- reading a TemplateInfo ---------------------------------------------------------------------------------

export interface TemplateInfoObject extends KubeObject {
  spec?: TemplateInfoSpec;
}

/** spec.templateName, else seed 002's spec.template, else the object's name (as the CRD documents). */
export const templateNameOf = (ti: TemplateInfoObject) => ti.spec?.templateName || ti.spec?.template || ti.metadata.name;
export const templateVersionOf = (ti: TemplateInfoObject) => ti.spec?.templateVersion || undefined;
/** spec.templateParameterDefaults, else seed 002's spec.parameters. */
export const parameterDefaultsOf = (ti: TemplateInfoObject): Obj =>
  ti.spec?.templateParameterDefaults ?? ti.spec?.parameters ?? {};
export const parameterSchemaOf = (ti: TemplateInfoObject): Obj | undefined =>
  isObject(ti.spec?.templateParameterSchema) ? ti.spec!.templateParameterSchema : undefined;

const propertiesOf = (ti: TemplateInfoObject): Obj => {
  const props = parameterSchemaOf(ti)?.properties;
  return isObject(props) ? props : {};
};

/** The BYOH template is recognised by its parameters: a schema that declares hosts. */
export const isByohTemplate = (ti: TemplateInfoObject) => "hosts" in propertiesOf(ti);

/** Whether the schema declares a parameter (used to default clusterProvisioner only where it belongs). */
export const declaresParameter = (ti: TemplateInfoObject, key: string) => key in propertiesOf(ti);

/** "name/version", or the name alone for an unversioned TemplateInfo (seed 002's have no version). */
export const templateLabel = (ti: TemplateInfoObject) => {
  const version = templateVersionOf(ti);
  return version ? `${templateNameOf(ti)}/${version}` : templateNameOf(ti);
};

/** Kubernetes versions the TemplateInfo lists (its schema's k8sVersion enum); empty when it lists none. */
export function listedK8sVersions(ti: TemplateInfoObject): string[] {
  const k8s = propertiesOf(ti).k8sVersion;
  const values = isObject(k8s) && Array.isArray(k8s.enum) ? k8s.enum : [];
  return values.filter((v): v is string => typeof v === "string");
}

/**
 * A ClusterTemplateSpec carrying what the shared BYOH rules read (defaults, listed versions). The schema is left out:
 * FOCOM runs the TemplateInfo's schema itself, so each problem is reported once.
 */
export function clusterTemplateOf(ti: TemplateInfoObject): ClusterTemplateSpec {
  const d = parameterDefaultsOf(ti);
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    templateName: templateNameOf(ti),
    templateVersion: templateVersionOf(ti) ?? "",
    defaults: {
      clusterProvisioner: text(d.clusterProvisioner),
      k8sVersion: text(d.k8sVersion) ?? "",
      podCIDR: text(d.podCIDR),
      serviceCIDR: text(d.serviceCIDR),
    },
    supportedK8sVersions: listedK8sVersions(ti),
  };
}

/** The TemplateInfo published for a ClusterTemplate: its name, version, schema and defaults copied (README). */
export function templateInfoOf(
  template: { metadata?: { name?: string }; spec: ClusterTemplateSpec },
  namespace: string,
): TemplateInfoObject {
  return {
    apiVersion: "focom.nephio.org/v1alpha1",
    kind: "TemplateInfo",
    metadata: { name: template.metadata?.name ?? template.spec.templateName, namespace },
    spec: {
      templateName: template.spec.templateName,
      templateVersion: template.spec.templateVersion,
      templateParameterSchema: structuredClone(template.spec.parameterSchema),
      templateParameterDefaults: structuredClone(template.spec.defaults) as Obj,
    },
  };
}

// ---- parameters against a TemplateInfo ----------------------------------------------------------------------

export const PARAMETERS_FIELD = DEFAULT_FIELD_PREFIX;

/**
 * templateParameters against a TemplateInfo: its JSON Schema (every error with its path), then, for the BYOH
 * template, the shared rules that need no O-Cloud (counts, duplicates, IPs, names). Messages name their field.
 */
export function checkTemplateInfoParameters(params: unknown, ti: TemplateInfoObject, opts: { namespace: string }): Violation[] {
  const out: Violation[] = [];
  const schema = parameterSchemaOf(ti);
  if (schema) {
    for (const issue of checkJsonSchema(schema, params)) {
      const field = issue.path ? `${PARAMETERS_FIELD}.${issue.path}` : PARAMETERS_FIELD;
      const why =
        issue.rule === "schema-invalid"
          ? `TemplateInfo ${ti.metadata.name} (${templateLabel(ti)}): ${issue.message}`
          : issue.message;
      out.push({ field, rule: `schema-${issue.rule}`, message: `${field}: ${why}` });
    }
  }
  if (!isByohTemplate(ti)) return out;

  const reported = new Set(out.map(v => v.field));
  const versionsListed = listedK8sVersions(ti).length > 0;
  for (const v of validateParameters(params, clusterTemplateOf(ti), {
    namespace: opts.namespace,
    fieldPrefix: PARAMETERS_FIELD,
  })) {
    if (reported.has(v.field)) continue;
    // The TemplateInfo may not say which versions the O-Cloud installs; the O-Cloud's template decides then.
    if (v.rule === "k8s-version-supported" && !versionsListed) continue;
    out.push({ ...v, message: `${v.field}: ${v.message}` });
  }
  return out;
}

// ---- FocomProvisioningRequest admission (everything but the OClouds' existence when they are unknown) -----------

type FocomSpec = FocomProvisioningRequestSpec;

export const FOCOM_IMMUTABLE_FIELDS = ["oCloudId", "oCloudNamespace", "templateName", "templateVersion"] as const;

/** What FOCOM admission reads: the TemplateInfos of the namespace and, when known, its OClouds. */
export interface FocomReferences {
  templateInfos: TemplateInfoObject[];
  /** Undefined where they cannot be known (render): existence is not checked then, presence still is. */
  oClouds?: KubeObject[];
}

const findByName = <T extends KubeObject>(list: T[], name: string | undefined) => list.find(o => o.metadata.name === name);
const objectNames = (list: KubeObject[]) =>
  list
    .map(o => o.metadata.name)
    .sort()
    .join(", ") || "(none)";

/**
 * An alias may replace the canonical field when that field is absent, already says the same, or merely carries the
 * stored value (a re-applied seed 002 manifest brings the alias back next to the converted field).
 */
const aliasWins = (current: unknown, stored: unknown, alias: unknown) =>
  current === undefined || sameJSON(current, alias) || (stored !== undefined && sameJSON(current, stored));

/**
 * Seed 002's ocloudRef.name / templateRef.name / parameters -> oCloudId / templateName+templateVersion /
 * templateParameters, removing each alias it converts. An alias that conflicts with its canonical field, or a
 * templateRef naming no TemplateInfo, is left in place for focomViolations to deny.
 */
export function convertFocomAliases(
  spec: FocomSpec,
  oldSpec: FocomSpec | undefined,
  templateInfos: TemplateInfoObject[],
): FocomSpec {
  const out: FocomSpec = structuredClone(spec);
  const ocloud = out.ocloudRef?.name;
  if (out.ocloudRef && ocloud && aliasWins(out.oCloudId, oldSpec?.oCloudId, ocloud)) {
    out.oCloudId = ocloud;
    delete out.ocloudRef;
  }
  const ti = out.templateRef?.name ? findByName(templateInfos, out.templateRef.name) : undefined;
  if (ti) {
    const name = templateNameOf(ti);
    const version = templateVersionOf(ti);
    const versionOk = version === undefined || aliasWins(out.templateVersion, oldSpec?.templateVersion, version);
    if (aliasWins(out.templateName, oldSpec?.templateName, name) && versionOk) {
      out.templateName = name;
      if (version !== undefined) out.templateVersion = version;
      delete out.templateRef;
    }
  }
  if (out.parameters !== undefined && aliasWins(out.templateParameters, oldSpec?.templateParameters, out.parameters)) {
    out.templateParameters = out.parameters;
    delete out.parameters;
  }
  return out;
}

/** oCloudNamespace, templateVersion, parameter defaults and clusterProvisioner, each only where omitted. */
export function defaultFocomRequest(spec: FocomSpec, namespace: string, templateInfos: TemplateInfoObject[]): FocomSpec {
  const out: FocomSpec = structuredClone(spec);
  if (!out.oCloudNamespace) out.oCloudNamespace = namespace;
  const { template: ti } = resolveTemplate(templateInfos, out.templateName, out.templateVersion, templateInfosIn(namespace));
  if (!ti) return out;
  if (!out.templateVersion && templateVersionOf(ti)) out.templateVersion = templateVersionOf(ti);
  if (out.templateParameters !== undefined && !isObject(out.templateParameters)) return out; // validation says why
  const params = mergeDefaults(parameterDefaultsOf(ti), out.templateParameters ?? {}) as Obj;
  if (params.clusterProvisioner === undefined && (isByohTemplate(ti) || declaresParameter(ti, "clusterProvisioner"))) {
    params.clusterProvisioner = DEFAULT_PROVISIONER;
  }
  out.templateParameters = params;
  return out;
}

/** FOCOM's Mutate step: alias conversion, then defaulting. */
export const mutateFocomRequest = (
  spec: FocomSpec,
  oldSpec: FocomSpec | undefined,
  namespace: string,
  templateInfos: TemplateInfoObject[],
): FocomSpec => defaultFocomRequest(convertFocomAliases(spec, oldSpec, templateInfos), namespace, templateInfos);

function aliasViolations(spec: FocomSpec, namespace: string, templateInfos: TemplateInfoObject[]): Violation[] {
  const out: Violation[] = [];
  if (spec.ocloudRef) {
    const alias = spec.ocloudRef.name;
    out.push({
      field: "spec.ocloudRef.name",
      rule: alias ? "alias-conflict" : "required",
      message: alias
        ? `spec.ocloudRef.name "${alias}" conflicts with spec.oCloudId "${spec.oCloudId}"; give only one of them`
        : "spec.ocloudRef.name: required when spec.ocloudRef is given (the name of an OCloud)",
    });
  }
  if (spec.templateRef) {
    const alias = spec.templateRef.name;
    const found = alias ? findByName(templateInfos, alias) : undefined;
    out.push({
      field: "spec.templateRef.name",
      rule: found ? "alias-conflict" : "template-exists",
      message: !alias
        ? "spec.templateRef.name: required when spec.templateRef is given (the name of a TemplateInfo)"
        : found
          ? `spec.templateRef.name "${alias}" (template ${templateLabel(found)}) conflicts with spec.templateName "${spec.templateName}" / spec.templateVersion "${spec.templateVersion}"; give only one of them`
          : `spec.templateRef.name: no TemplateInfo named "${alias}" in namespace ${namespace}; TemplateInfos: ${objectNames(templateInfos)}`,
    });
  }
  if (spec.parameters !== undefined) {
    out.push({
      field: "spec.parameters",
      rule: "alias-conflict",
      message: "spec.parameters conflicts with spec.templateParameters; give only one of them",
    });
  }
  return out;
}

function immutableViolations(spec: FocomSpec, oldSpec: FocomSpec): Violation[] {
  return FOCOM_IMMUTABLE_FIELDS.filter(f => oldSpec[f] !== undefined && oldSpec[f] !== spec[f]).map(f => ({
    field: `spec.${f}`,
    rule: "immutable",
    message: `spec.${f} is immutable: it was "${oldSpec[f]}", the update says "${spec[f] ?? ""}"; create a new request instead`,
  }));
}

/**
 * Every violation of a (mutated) FocomProvisioningRequest; empty when it is admitted. oldSpec is given for an
 * update. Messages name their field (FOCOM denials join them as they are).
 */
export function focomViolations(spec: FocomSpec, namespace: string, refs: FocomReferences, oldSpec?: FocomSpec): Violation[] {
  const out = aliasViolations(spec, namespace, refs.templateInfos);
  if (oldSpec) out.push(...immutableViolations(spec, oldSpec));

  const known = refs.oClouds ? `; known OClouds: ${objectNames(refs.oClouds)}` : "";
  if (!spec.oCloudId) {
    out.push({
      field: "spec.oCloudId",
      rule: "required",
      message: `spec.oCloudId: required: the name of an OCloud in namespace ${namespace}${known}`,
    });
  } else if (refs.oClouds && !findByName(refs.oClouds, spec.oCloudId)) {
    out.push({
      field: "spec.oCloudId",
      rule: "ocloud-exists",
      message: `spec.oCloudId: no OCloud named "${spec.oCloudId}" in namespace ${namespace}${known}`,
    });
  }

  let ti: TemplateInfoObject | undefined;
  if (!spec.templateName) {
    if (!spec.templateRef)
      out.push({
        field: "spec.templateName",
        rule: "required",
        message: "spec.templateName: required (or spec.templateRef.name naming a TemplateInfo)",
      });
  } else {
    const resolved = resolveTemplate(refs.templateInfos, spec.templateName, spec.templateVersion, templateInfosIn(namespace));
    if (resolved.violation) out.push(resolved.violation);
    ti = resolved.template;
  }

  if (spec.templateParameters === undefined) {
    if (spec.parameters === undefined)
      out.push({ field: PARAMETERS_FIELD, rule: "required", message: `${PARAMETERS_FIELD}: required` });
  } else if (!isObject(spec.templateParameters)) {
    out.push({ field: PARAMETERS_FIELD, rule: "type", message: `${PARAMETERS_FIELD}: must be an object` });
  } else if (ti) {
    out.push(...checkTemplateInfoParameters(spec.templateParameters, ti, { namespace: spec.oCloudNamespace || namespace }));
  }
  return out;
}

// ---- ProvisioningRequest admission (everything but the live ByoHosts and other requests) ----------------------

type Template = { spec: ClusterTemplateSpec };

/** O2IMS's Mutate step: templateVersion and the template's parameter defaults; undefined when no template resolves. */
export function defaultProvisioningRequest(
  spec: ProvisioningRequestSpec,
  templates: readonly Template[],
): ProvisioningRequestSpec | undefined {
  const { template } = resolveTemplate(templates, spec.templateName, spec.templateVersion, CLUSTER_TEMPLATES);
  if (!template) return undefined;
  return {
    ...spec,
    templateVersion: template.spec.templateVersion,
    templateParameters: applyDefaults(spec.templateParameters ?? {}, template.spec) as unknown as Obj,
  };
}

export interface ProvisioningRequestCheck<T extends Template> {
  operation: "CREATE" | "UPDATE";
  namespace: string;
  spec: ProvisioningRequestSpec;
  oldSpec?: ProvisioningRequestSpec;
  templates: readonly T[];
}

/**
 * The rules of a ProvisioningRequest that need only its template: templateName/templateVersion immutable, the
 * template resolves, the defaulted parameters (and, on update, the change) are valid. The template and the
 * defaulted parameters come back for the live checks that follow when there is no violation.
 */
export function checkProvisioningRequest<T extends Template>(
  input: ProvisioningRequestCheck<T>,
): { violations: Violation[]; template?: T; params?: ByohTemplateParameters } {
  const { spec, oldSpec } = input;
  if (input.operation === "UPDATE" && oldSpec) {
    const changed = (["templateName", "templateVersion"] as const).filter(
      f => oldSpec[f] !== undefined && oldSpec[f] !== spec[f],
    );
    if (changed.length > 0) {
      return {
        violations: changed.map(f => ({
          field: `spec.${f}`,
          rule: "immutable",
          message: `${f} is immutable: it was "${oldSpec[f]}", the update says "${spec[f]}"`,
        })),
      };
    }
  }
  const resolved = resolveTemplate(input.templates, spec.templateName, spec.templateVersion, CLUSTER_TEMPLATES);
  if (resolved.violation) return { violations: [resolved.violation] };
  const template = resolved.template;
  const params = applyDefaults(spec.templateParameters ?? {}, template.spec);
  const opts = { namespace: input.namespace };
  const violations =
    input.operation === "UPDATE" && oldSpec
      ? validateUpdate(applyDefaults(oldSpec.templateParameters ?? {}, template.spec), params, template.spec, opts)
      : validateParameters(params, template.spec, opts);
  return { violations, template, params };
}

// ---- derived names (checked at admission: a name that cannot be derived fails nothing later, it is denied now) ----

/**
 * A FocomProvisioningRequest's name and oCloudNamespace against what is derived from them on the O-Cloud: the mirror
 * "<name>-o2ims" (a ProvisioningRequest name with room for its Events) in namespace oCloudNamespace (a namespace name,
 * so a DNS-1123 label). Label values derived from the name are shortened with a hash (generators/names), never denied.
 */
export function focomNameViolations(name: string, oCloudNamespace: string | undefined): Violation[] {
  const out: Violation[] = [];
  if (name.length > MAX_FOCOM_REQUEST_NAME) {
    out.push({
      field: "metadata.name",
      rule: "derived-name-length",
      message:
        `metadata.name: must be at most ${MAX_FOCOM_REQUEST_NAME} characters, not ${name.length}: the request is mirrored on ` +
        `its O-Cloud as ProvisioningRequest "${remoteRequestName(name).slice(0, 20)}…" (<name>${MIRROR_SUFFIX}), whose ` +
        `name must leave room for its Events (${MAX_PROVISIONING_REQUEST_NAME} characters at most)`,
    });
  }
  if (oCloudNamespace !== undefined && oCloudNamespace !== "" && !isDns1123Label(oCloudNamespace)) {
    out.push({
      field: "spec.oCloudNamespace",
      rule: "dns1123-label",
      message: `spec.oCloudNamespace: "${oCloudNamespace}" is not a valid namespace name (a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    });
  }
  return out;
}

/** A ProvisioningRequest's name against what is derived from it (its Events' names; label values are hashed). */
export function provisioningRequestNameViolations(name: string): Violation[] {
  if (name.length <= MAX_PROVISIONING_REQUEST_NAME) return [];
  return [
    {
      field: "metadata.name",
      rule: "derived-name-length",
      message: `must be at most ${MAX_PROVISIONING_REQUEST_NAME} characters, not ${name.length}: the module's Events on the request are named "<name>.<13 characters>" and must stay within 253`,
    },
  ];
}
