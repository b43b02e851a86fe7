/**
 * Admission of FocomProvisioningRequests (pure): seed 002's shape converted to the canonical fields, defaults from
 * the TemplateInfo, and every rule checkable on the SMO side (OCloud and TemplateInfo exist, parameters match the
 * TemplateInfo, identity fields immutable). templateParameters changes pass: the O-Cloud decides what it accepts.
 * The rules themselves are in generators/templates, shared with `npm run render`; this file binds them to a view.
 * Then the O-Cloud judges the mirrored request itself (a server-side dry run, capabilities/focom/admission-view.ts);
 * how its answer reads at the SMO is decided here.
 */
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { Violation } from "../../generators/parameters";
import {
  focomNameViolations,
  focomViolations,
  mutateFocomRequest,
  TemplateInfoObject,
  templateNameOf,
} from "../../generators/templates";
import { KubeError } from "../../kube/client";
import type { KubeObject } from "../../kube/types";
import type { OCloudObject } from "./cache";
import { transportOf } from "./transport";

/** What admission reads: the OClouds and TemplateInfos of the request's namespace (informer-backed in the module). */
export interface AdmissionView {
  oClouds(): OCloudObject[];
  templateInfos(): TemplateInfoObject[];
  /** Namespaces the module's admission ignores (capabilities/runtime.ts); absent = none. */
  isIgnoredNamespace?(namespace: string): boolean;
  /** The allow-list of target namespaces (capabilities/environment.ts OCP_OCLOUD_NAMESPACES); absent = all. */
  isAllowedOCloudNamespace?(namespace: string): boolean;
}

export interface RequestInput {
  operation: "CREATE" | "UPDATE";
  namespace: string;
  name: string;
  spec: FocomProvisioningRequestSpec;
  oldSpec?: FocomProvisioningRequestSpec;
}

type Spec = FocomProvisioningRequestSpec;
const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const findByName = <T extends KubeObject>(list: T[], name: string | undefined) => list.find(o => o.metadata.name === name);

/** The Mutate step: seed 002's aliases converted, then defaults (generators/templates, shared with render). */
export function mutateRequest(input: Omit<RequestInput, "operation" | "name">, view: AdmissionView): Spec {
  return mutateFocomRequest(input.spec, input.oldSpec, input.namespace, view.templateInfos());
}

/** Every violation of a (mutated) request; empty when it is admitted. */
export function validateRequest(input: RequestInput, view: AdmissionView): Violation[] {
  const { spec, oldSpec, namespace } = input;
  if (input.operation === "UPDATE" && oldSpec && sameJSON(spec, oldSpec)) return [];
  const out = input.operation === "CREATE" ? focomNameViolations(input.name, spec.oCloudNamespace) : [];
  const target = spec.oCloudNamespace || namespace;
  if (view.isIgnoredNamespace?.(target)) {
    // The O-Cloud's module would neither validate nor reconcile the mirror there (the same rule applies on every
    // cluster the module runs on): it would sit there unprovisioned.
    out.push({
      field: "spec.oCloudNamespace",
      rule: "namespace-served",
      message: `spec.oCloudNamespace: the module ignores namespace ${target} (its admission webhooks skip it), so a ProvisioningRequest there would never be provisioned; choose another namespace`,
    });
  } else if (view.isAllowedOCloudNamespace && !view.isAllowedOCloudNamespace(target)) {
    out.push({
      field: "spec.oCloudNamespace",
      rule: "namespace-allowed",
      message: `spec.oCloudNamespace: rule namespace-allowed: namespace ${target} is not among the namespaces requests may target (OCP_OCLOUD_NAMESPACES)`,
    });
  }
  out.push(
    ...focomViolations(
      spec,
      namespace,
      { templateInfos: view.templateInfos(), oClouds: view.oClouds() },
      input.operation === "UPDATE" ? oldSpec : undefined,
    ),
  );
  return out;
}

// ---- the O-Cloud's judgement --------------------------------------------------------------------------------

/** Whether a failed dry run of the mirror is the O-Cloud refusing the request (deny) rather than failing to answer. */
export function isRemoteDenial(e: unknown): e is KubeError {
  if (!(e instanceof KubeError)) return false;
  // 400/422: an admission webhook's denial or an invalid object; 404: the namespace does not exist there. A 403 is
  // a webhook's denial only when it says so (else it is RBAC: our credentials, not the request).
  return [400, 404, 422].includes(e.status) || (e.status === 403 && /denied the request/.test(e.message));
}

/**
 * The O-Cloud's reasons as they read at the SMO: the webhook's and the module's prefixes dropped, and the fields of
 * the mirror renamed to the FocomProvisioningRequest's (spec.templateParameters and the template fields are the same
 * paths; the mirror's namespace is the request's spec.oCloudNamespace; its name is derived from the request's).
 */
export function remoteReasons(message: string): string {
  return message
    .replace(/^admission webhook "[^"]*" denied the request: /, "")
    .replace(/^ProvisioningRequest rejected: /, "")
    .replace(/^ProvisioningRequest(\.[a-z0-9.-]+)? "[^"]*" is invalid: /, "")
    .replace(/\bmetadata\.namespace\b/g, "spec.oCloudNamespace");
}

/** The denial of a request its O-Cloud refused in the dry run. */
export const remoteDenialMessage = (ocloud: string, mirror: { namespace: string; name: string }, e: { message: string }) =>
  `FocomProvisioningRequest rejected by O-Cloud ${ocloud} (server-side dry run of its ProvisioningRequest ` +
  `${mirror.namespace}/${mirror.name}): ${remoteReasons(e.message)}`;

/** The warning of a request admitted without the O-Cloud's judgement. */
export const unjudgedWarning = (ocloud: string, why: string) =>
  `O-Cloud ${ocloud} did not judge this request at admission (${why}); it is admitted, and its status will report what the O-Cloud decides`;

/**
 * Warnings about fields the OCloud's transport does not honour. Over O2 IMS REST the O-Cloud's server places every
 * request in the one namespace it serves (its OCP_O2IMS_API_NAMESPACE; the provisioning API has no namespace), so
 * spec.oCloudNamespace cannot choose one. Mutate defaults it to the request's namespace, so only another value is a
 * choice the operator made: the request is admitted (the same request must work whichever transport its OCloud uses)
 * with a warning that names the field, rather than the choice being ignored silently.
 */
export function transportWarnings(spec: Spec, ocloud: OCloudObject, namespace: string): string[] {
  if (transportOf(ocloud) !== "rest" || !spec.oCloudNamespace || spec.oCloudNamespace === namespace) return [];
  return [
    `spec.oCloudNamespace: OCloud ${ocloud.metadata.name} is reached over O2 IMS REST, where the O-Cloud's O2 IMS server ` +
      `places the request in the namespace it serves; "${spec.oCloudNamespace}" is not sent and does not choose the namespace`,
  ];
}

/** One denial message naming every violated field. */
export const denialMessage = (violations: Violation[]) =>
  `FocomProvisioningRequest rejected: ${violations.map(v => v.message).join("; ")}`;

/**
 * Whether the request names an OCloud or TemplateInfo the view does not hold: the informer can lag behind objects
 * created a moment earlier (one kubectl apply of OCloud, TemplateInfo and request), so admission re-reads then.
 */
export function referencesMissing(spec: Spec, view: AdmissionView): boolean {
  const ocloud = spec.oCloudId ?? spec.ocloudRef?.name;
  if (ocloud && !findByName(view.oClouds(), ocloud)) return true;
  if (spec.templateRef?.name && !findByName(view.templateInfos(), spec.templateRef.name)) return true;
  return !!spec.templateName && !view.templateInfos().some(t => templateNameOf(t) === spec.templateName);
}
