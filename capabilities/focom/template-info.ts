/**
 * Reading a TemplateInfo (pure): its identity with seed 002's aliases resolved, its parameter defaults and schema,
 * and which TemplateInfo a request's templateName / templateVersion resolve to. Matching is on the spec's
 * name/version, not on the object's name (Nephio's "<name>-<version>" object-name lookup confused users, nephio#955).
 */
import type { ClusterTemplateSpec, TemplateInfoSpec } from "../../api/generated/types";
import type { Violation } from "../../generators/parameters";
import type { KubeObject } from "../../kube/types";

export interface TemplateInfoObject extends KubeObject {
  spec?: TemplateInfoSpec;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

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
  const v = templateVersionOf(ti);
  return v ? `${templateNameOf(ti)}/${v}` : templateNameOf(ti);
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

/** Defaults under the request's parameters: objects merge recursively, anything the request gives wins. */
export function mergeDefaults(defaults: unknown, params: unknown): unknown {
  if (params === undefined || params === null) return structuredClone(defaults);
  if (!isObject(defaults) || !isObject(params)) return params;
  const out: Obj = { ...structuredClone(defaults) };
  for (const [k, v] of Object.entries(params)) out[k] = k in defaults ? mergeDefaults(defaults[k], v) : v;
  return out;
}

export interface TemplateResolution {
  templateInfo?: TemplateInfoObject;
  violation?: Violation;
}

/** The TemplateInfo a request names among those of its namespace, or the violation saying which exist. */
export function resolveTemplateInfo(
  all: TemplateInfoObject[],
  name: string | undefined,
  version: string | undefined,
  namespace: string,
): TemplateResolution {
  const matches = all.filter(t => templateNameOf(t) === name);
  const found = version ? matches.find(t => templateVersionOf(t) === version) : matches.length === 1 ? matches[0] : undefined;
  if (found) return { templateInfo: found };
  if (matches.length === 0) {
    const known = [...new Set(all.map(templateLabel))].sort().join(", ") || "(none)";
    return {
      violation: {
        field: "spec.templateName",
        rule: "template-exists",
        message: `spec.templateName: no TemplateInfo for template "${name}" in namespace ${namespace}; available templates: ${known}`,
      },
    };
  }
  const versions = matches
    .map(t => templateVersionOf(t) ?? "(unversioned)")
    .sort()
    .join(", ");
  return {
    violation: {
      field: "spec.templateVersion",
      rule: "template-exists",
      message: version
        ? `spec.templateVersion: template "${name}" has no version "${version}" in namespace ${namespace}; available versions: ${versions}`
        : `spec.templateVersion: required because template "${name}" has several versions: ${versions}`,
    },
  };
}
