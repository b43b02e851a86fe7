/**
 * What `npm run render` does, without the I/O: pick the request and the template out of parsed YAML documents,
 * apply defaults, validate, generate. Accepts a ProvisioningRequest or a FocomProvisioningRequest (also in seed
 * 002's shape: ocloudRef.name, templateRef.name, parameters), with an optional ClusterTemplate or TemplateInfo.
 */
import type {
  ClusterTemplateSpec,
  FocomProvisioningRequestSpec,
  ProvisioningRequestSpec,
  TemplateInfoSpec,
} from "../api/generated/types";
import type { KubeObject } from "../kube/types";
import { generateCluster } from "./byoh-cluster";
import { remoteRequestName } from "./names";
import { applyDefaults, DEFAULT_FIELD_PREFIX, validateParameters, Violation } from "./parameters";

export const DEFAULT_NAMESPACE = "default";

/** A Kubernetes document as parsed from YAML. */
export interface Document {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: unknown;
}

export interface RenderInput {
  /** Name of the ProvisioningRequest the objects belong to (for a FocomProvisioningRequest: its O-Cloud mirror). */
  name: string;
  namespace: string;
  uid?: string;
  params: unknown;
  /** Where the parameters sit in the input, for violation fields. */
  fieldPrefix: string;
  template: ClusterTemplateSpec;
}

export type RenderInputResult = { input: RenderInput } | { error: string } | { violations: Violation[] };

interface Candidate {
  /** Names a request may use for it: its templateName and its object name. */
  names: string[];
  spec: ClusterTemplateSpec;
  /** TemplateInfo parameter defaults, merged under the request's parameters. */
  parameterDefaults?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const REQUEST_KINDS = ["ProvisioningRequest", "FocomProvisioningRequest"];

function templateInfoCandidate(doc: Document, base: ClusterTemplateSpec): Candidate {
  const ti = (doc.spec ?? {}) as TemplateInfoSpec;
  const templateName = ti.templateName ?? ti.template ?? doc.metadata?.name ?? base.templateName;
  return {
    names: [templateName, doc.metadata?.name ?? templateName],
    // A TemplateInfo only describes parameters; the cluster settings come from the default ClusterTemplate.
    spec: {
      ...base,
      templateName,
      templateVersion: ti.templateVersion ?? base.templateVersion,
      parameterSchema: ti.templateParameterSchema ?? base.parameterSchema,
    },
    parameterDefaults: ti.templateParameterDefaults ?? ti.parameters,
  };
}

function clusterTemplateCandidate(doc: Document): Candidate {
  const spec = doc.spec as ClusterTemplateSpec;
  return { names: [spec.templateName, doc.metadata?.name ?? spec.templateName], spec };
}

interface RequestView {
  name: string;
  namespace: string;
  uid?: string;
  params: unknown;
  fieldPrefix: string;
  templateName?: string;
  templateNameField: string;
  templateVersion?: string;
}

function requestView(doc: Document): RequestView {
  const meta = doc.metadata ?? {};
  const name = meta.name ?? "unnamed";
  if (doc.kind === "ProvisioningRequest") {
    const spec = (doc.spec ?? {}) as Partial<ProvisioningRequestSpec>;
    return {
      name,
      namespace: meta.namespace || DEFAULT_NAMESPACE,
      uid: meta.uid,
      params: spec.templateParameters,
      fieldPrefix: DEFAULT_FIELD_PREFIX,
      templateName: spec.templateName,
      templateNameField: "spec.templateName",
      templateVersion: spec.templateVersion,
    };
  }
  const spec = (doc.spec ?? {}) as FocomProvisioningRequestSpec;
  const aliasParams = spec.templateParameters === undefined && spec.parameters !== undefined;
  const aliasTemplate = spec.templateName === undefined && spec.templateRef?.name !== undefined;
  return {
    // The FOCOM capability creates the ProvisioningRequest <name>-o2ims in oCloudNamespace; its uid is not known here.
    name: remoteRequestName(name),
    namespace: spec.oCloudNamespace || meta.namespace || DEFAULT_NAMESPACE,
    params: aliasParams ? spec.parameters : spec.templateParameters,
    fieldPrefix: aliasParams ? "spec.parameters" : DEFAULT_FIELD_PREFIX,
    templateName: aliasTemplate ? spec.templateRef?.name : spec.templateName,
    templateNameField: aliasTemplate ? "spec.templateRef.name" : "spec.templateName",
    templateVersion: spec.templateVersion,
  };
}

function pickTemplate(req: RequestView, candidates: Candidate[]): Candidate | Violation {
  const byName = req.templateName ? candidates.filter(c => c.names.includes(req.templateName!)) : candidates;
  const known = candidates.map(c => `${c.spec.templateName} ${c.spec.templateVersion}`).join(", ");
  if (byName.length === 0) {
    return {
      field: req.templateNameField,
      rule: "template-exists",
      message: `${req.templateNameField} ${JSON.stringify(req.templateName)} names no available template (${known})`,
    };
  }
  const byVersion = req.templateVersion ? byName.filter(c => c.spec.templateVersion === req.templateVersion) : byName;
  if (byVersion.length === 1) return byVersion[0];
  return {
    field: "spec.templateVersion",
    rule: "template-exists",
    message: req.templateVersion
      ? `spec.templateVersion ${JSON.stringify(req.templateVersion)} matches no available template (${known})`
      : `spec.templateVersion is required: several templates match (${known})`,
  };
}

/**
 * The request and template to render from the documents of one file. defaultTemplate (a ClusterTemplate document)
 * is used when the file has no ClusterTemplate; a TemplateInfo overrides its name, version, schema and defaults.
 */
export function readRenderInput(docs: unknown[], defaultTemplate: Document): RenderInputResult {
  const documents = docs.filter(isObject) as Document[];
  const requests = documents.filter(d => REQUEST_KINDS.includes(d.kind ?? ""));
  if (requests.length !== 1) {
    return { error: `expected exactly one ProvisioningRequest or FocomProvisioningRequest, found ${requests.length}` };
  }
  const base = defaultTemplate.spec as ClusterTemplateSpec;
  const clusterTemplates = documents.filter(d => d.kind === "ClusterTemplate" && isObject(d.spec));
  const templateInfos = documents.filter(d => d.kind === "TemplateInfo");
  const candidates = clusterTemplates.length
    ? clusterTemplates.map(clusterTemplateCandidate)
    : templateInfos.length
      ? templateInfos.map(d => templateInfoCandidate(d, base))
      : [clusterTemplateCandidate(defaultTemplate)];

  const req = requestView(requests[0]);
  const picked = pickTemplate(req, candidates);
  if (!("spec" in picked)) return { violations: [picked] };
  if (req.params === undefined) {
    return {
      violations: [
        { field: req.fieldPrefix, rule: "required", message: `${req.fieldPrefix} is required: the template's parameters` },
      ],
    };
  }
  const params =
    picked.parameterDefaults && isObject(req.params)
      ? { ...structuredClone(picked.parameterDefaults), ...req.params }
      : req.params;
  return {
    input: {
      name: req.name,
      namespace: req.namespace,
      uid: req.uid,
      params,
      fieldPrefix: req.fieldPrefix,
      template: picked.spec,
    },
  };
}

/** Defaults, validates and generates; objects only when there is no violation. */
export function renderCluster(input: RenderInput): { objects: KubeObject[]; violations: Violation[] } {
  const params = applyDefaults(input.params, input.template);
  const violations = validateParameters(params, input.template, { namespace: input.namespace, fieldPrefix: input.fieldPrefix });
  if (violations.length > 0) return { objects: [], violations };
  return { objects: generateCluster({ ...input, params }), violations: [] };
}
