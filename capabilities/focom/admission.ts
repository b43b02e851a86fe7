/**
 * Admission of FocomProvisioningRequests (pure): seed 002's shape converted to the canonical fields, defaults from
 * the TemplateInfo, and every rule checkable on the SMO side (OCloud and TemplateInfo exist, parameters match the
 * TemplateInfo, identity fields immutable). templateParameters changes pass: the O-Cloud decides what it accepts.
 * The rules themselves are in generators/templates, shared with `npm run render`; this file binds them to a view.
 */
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { Violation } from "../../generators/parameters";
import { focomViolations, mutateFocomRequest, TemplateInfoObject, templateNameOf } from "../../generators/templates";
import type { KubeObject } from "../../kube/types";
import type { OCloudObject } from "./cache";

/** What admission reads: the OClouds and TemplateInfos of the request's namespace (informer-backed in the module). */
export interface AdmissionView {
  oClouds(): OCloudObject[];
  templateInfos(): TemplateInfoObject[];
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
  return focomViolations(
    spec,
    namespace,
    { templateInfos: view.templateInfos(), oClouds: view.oClouds() },
    input.operation === "UPDATE" ? oldSpec : undefined,
  );
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
