/**
 * What `npm run render` does, without the I/O: pick the request and the templates out of parsed YAML documents,
 * admit it as the clusters would, generate. Accepts a ProvisioningRequest or a FocomProvisioningRequest (also in
 * seed 002's shape: ocloudRef.name, templateRef.name, parameters), with optional ClusterTemplates or TemplateInfos.
 *
 * Admission is not imitated but called: the rules are generators/templates' (the same functions both capabilities'
 * admission run), so the dry run accepts, defaults and denies exactly as the clusters do. Only what needs live
 * objects is skipped: that the OCloud exists, that the hosts are registered and free, that no other request
 * holds the cluster name or the hosts.
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
import {
  checkProvisioningRequest,
  defaultProvisioningRequest,
  focomViolations,
  mutateFocomRequest,
  TemplateInfoObject,
  templateInfoOf,
} from "./templates";

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
  /** The parameters as admission leaves them (defaulted); renderCluster generates from them. */
  params: unknown;
  /** Where the parameters sit in the admitted request, for violation fields. */
  fieldPrefix: string;
  template: ClusterTemplateSpec;
}

export type RenderInputResult = { input: RenderInput } | { error: string } | { violations: Violation[] };

type TemplateDocument = Document & { spec: ClusterTemplateSpec };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const REQUEST_KINDS = ["ProvisioningRequest", "FocomProvisioningRequest"];

/** O2IMS admission (Mutate, then Validate without the live checks) of a ProvisioningRequest on the O-Cloud. */
function admitProvisioningRequest(
  ref: { name: string; namespace: string; uid?: string },
  given: ProvisioningRequestSpec,
  templates: TemplateDocument[],
): RenderInputResult {
  const spec = defaultProvisioningRequest(given, templates) ?? given;
  const checked = checkProvisioningRequest({ operation: "CREATE", namespace: ref.namespace, spec, templates });
  if (checked.violations.length > 0 || !checked.template) return { violations: checked.violations };
  return { input: { ...ref, params: checked.params, fieldPrefix: DEFAULT_FIELD_PREFIX, template: checked.template.spec } };
}

/** FOCOM's messages carry their field (its denials join bare messages); the CLI prints the field itself. */
const withoutField = (v: Violation): Violation =>
  v.message.startsWith(`${v.field}: `) ? { ...v, message: v.message.slice(v.field.length + 2) } : v;

/**
 * FOCOM admission of a FocomProvisioningRequest against the file's TemplateInfos (or those published for its
 * ClusterTemplates), then O2IMS admission of the ProvisioningRequest the FOCOM reconciler creates from it on the
 * O-Cloud (capabilities/focom/remote): a cluster exists only when both admit.
 */
function admitFocomRequest(doc: Document, templateInfos: TemplateInfoObject[], templates: TemplateDocument[]): RenderInputResult {
  const namespace = doc.metadata?.namespace || DEFAULT_NAMESPACE;
  const tis = templateInfos.length ? templateInfos : templates.map(t => templateInfoOf(t, namespace));
  const spec = mutateFocomRequest((doc.spec ?? {}) as FocomProvisioningRequestSpec, undefined, namespace, tis);
  const violations = focomViolations(spec, namespace, { templateInfos: tis });
  if (violations.length > 0) return { violations: violations.map(withoutField) };
  const mirror: ProvisioningRequestSpec = {
    templateName: spec.templateName!,
    ...(spec.templateVersion !== undefined ? { templateVersion: spec.templateVersion } : {}),
    templateParameters: spec.templateParameters ?? {},
  };
  // The mirror's uid is only known once the O-Cloud has created it.
  const ref = { name: remoteRequestName(doc.metadata?.name ?? "unnamed"), namespace: spec.oCloudNamespace || namespace };
  return admitProvisioningRequest(ref, mirror, templates);
}

/**
 * The admitted request to render from the documents of one file, or its violations. The file's ClusterTemplates
 * stand for the O-Cloud's (defaultTemplate when it has none); its TemplateInfos for the SMO's (when it has none,
 * those published for the ClusterTemplates).
 */
export function readRenderInput(docs: unknown[], defaultTemplate: Document): RenderInputResult {
  const documents = docs.filter(isObject) as Document[];
  const requests = documents.filter(d => REQUEST_KINDS.includes(d.kind ?? ""));
  if (requests.length !== 1) {
    return { error: `expected exactly one ProvisioningRequest or FocomProvisioningRequest, found ${requests.length}` };
  }
  const inFile = documents.filter(d => d.kind === "ClusterTemplate" && isObject(d.spec)) as TemplateDocument[];
  const templates = inFile.length ? inFile : [defaultTemplate as TemplateDocument];
  const templateInfos: TemplateInfoObject[] = documents
    .filter(d => d.kind === "TemplateInfo")
    .map(d => ({ ...d, metadata: { ...d.metadata, name: d.metadata?.name ?? "" }, spec: d.spec as TemplateInfoSpec }));

  const request = requests[0];
  if (request.kind === "FocomProvisioningRequest") return admitFocomRequest(request, templateInfos, templates);
  const meta = request.metadata ?? {};
  const ref = { name: meta.name ?? "unnamed", namespace: meta.namespace || DEFAULT_NAMESPACE, uid: meta.uid };
  return admitProvisioningRequest(ref, (request.spec ?? {}) as ProvisioningRequestSpec, templates);
}

/** Defaults, validates and generates; objects only when there is no violation. */
export function renderCluster(input: RenderInput): { objects: KubeObject[]; violations: Violation[] } {
  const params = applyDefaults(input.params, input.template);
  const violations = validateParameters(params, input.template, { namespace: input.namespace, fieldPrefix: input.fieldPrefix });
  if (violations.length > 0) return { objects: [], violations };
  return { objects: generateCluster({ ...input, params }), violations: [] };
}
