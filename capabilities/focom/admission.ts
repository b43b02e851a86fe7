/**
 * Admission of FocomProvisioningRequests (pure): seed 002's shape converted to the canonical fields, defaults from
 * the TemplateInfo, and every rule checkable on the SMO side (OCloud and TemplateInfo exist, parameters match the
 * TemplateInfo, identity fields immutable). templateParameters changes pass: the O-Cloud decides what it accepts.
 */
import { DEFAULT_PROVISIONER } from "../../api/vocabulary";
import type { FocomProvisioningRequestSpec } from "../../api/generated/types";
import type { Violation } from "../../generators/parameters";
import type { KubeObject } from "../../kube/types";
import type { OCloudObject } from "./cache";
import { checkParameters, PARAMETERS_FIELD } from "./parameters";
import {
  declaresParameter,
  isByohTemplate,
  mergeDefaults,
  parameterDefaultsOf,
  resolveTemplateInfo,
  TemplateInfoObject,
  templateLabel,
  templateNameOf,
  templateVersionOf,
} from "./template-info";

export const IMMUTABLE_FIELDS = ["oCloudId", "oCloudNamespace", "templateName", "templateVersion"] as const;

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
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const findByName = <T extends KubeObject>(list: T[], name: string | undefined) => list.find(o => o.metadata.name === name);
const names = (list: KubeObject[]) =>
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
 * templateRef naming no TemplateInfo, is left in place for validateRequest to deny.
 */
export function convertAliases(spec: Spec, oldSpec: Spec | undefined, view: AdmissionView): Spec {
  const out: Spec = structuredClone(spec);
  const ocloud = out.ocloudRef?.name;
  if (out.ocloudRef && ocloud && aliasWins(out.oCloudId, oldSpec?.oCloudId, ocloud)) {
    out.oCloudId = ocloud;
    delete out.ocloudRef;
  }
  const ti = out.templateRef?.name ? findByName(view.templateInfos(), out.templateRef.name) : undefined;
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
export function defaultRequest(spec: Spec, namespace: string, view: AdmissionView): Spec {
  const out: Spec = structuredClone(spec);
  if (!out.oCloudNamespace) out.oCloudNamespace = namespace;
  const { templateInfo: ti } = resolveTemplateInfo(view.templateInfos(), out.templateName, out.templateVersion, namespace);
  if (!ti) return out;
  if (!out.templateVersion && templateVersionOf(ti)) out.templateVersion = templateVersionOf(ti);
  if (out.templateParameters !== undefined && !isObject(out.templateParameters)) return out; // validation says why
  const params = mergeDefaults(parameterDefaultsOf(ti), out.templateParameters ?? {}) as Record<string, unknown>;
  if (params.clusterProvisioner === undefined && (isByohTemplate(ti) || declaresParameter(ti, "clusterProvisioner"))) {
    params.clusterProvisioner = DEFAULT_PROVISIONER;
  }
  out.templateParameters = params;
  return out;
}

/** The Mutate step: conversion, then defaulting. */
export function mutateRequest(input: Omit<RequestInput, "operation" | "name">, view: AdmissionView): Spec {
  return defaultRequest(convertAliases(input.spec, input.oldSpec, view), input.namespace, view);
}

function aliasViolations(spec: Spec, namespace: string, view: AdmissionView): Violation[] {
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
    const found = alias ? findByName(view.templateInfos(), alias) : undefined;
    out.push({
      field: "spec.templateRef.name",
      rule: found ? "alias-conflict" : "template-exists",
      message: !alias
        ? "spec.templateRef.name: required when spec.templateRef is given (the name of a TemplateInfo)"
        : found
          ? `spec.templateRef.name "${alias}" (template ${templateLabel(found)}) conflicts with spec.templateName "${spec.templateName}" / spec.templateVersion "${spec.templateVersion}"; give only one of them`
          : `spec.templateRef.name: no TemplateInfo named "${alias}" in namespace ${namespace}; TemplateInfos: ${names(view.templateInfos())}`,
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

function immutableViolations(spec: Spec, oldSpec: Spec): Violation[] {
  return IMMUTABLE_FIELDS.filter(f => oldSpec[f] !== undefined && oldSpec[f] !== spec[f]).map(f => ({
    field: `spec.${f}`,
    rule: "immutable",
    message: `spec.${f} is immutable: it was "${oldSpec[f]}", the update says "${spec[f] ?? ""}"; create a new request instead`,
  }));
}

/** Every violation of a (mutated) request; empty when it is admitted. */
export function validateRequest(input: RequestInput, view: AdmissionView): Violation[] {
  const { spec, oldSpec, namespace } = input;
  if (input.operation === "UPDATE" && oldSpec && sameJSON(spec, oldSpec)) return [];
  const out = aliasViolations(spec, namespace, view);
  if (input.operation === "UPDATE" && oldSpec) out.push(...immutableViolations(spec, oldSpec));

  const oclouds = view.oClouds();
  if (!spec.oCloudId) {
    out.push({
      field: "spec.oCloudId",
      rule: "required",
      message: `spec.oCloudId: required: the name of an OCloud in namespace ${namespace}; known OClouds: ${names(oclouds)}`,
    });
  } else if (!findByName(oclouds, spec.oCloudId)) {
    out.push({
      field: "spec.oCloudId",
      rule: "ocloud-exists",
      message: `spec.oCloudId: no OCloud named "${spec.oCloudId}" in namespace ${namespace}; known OClouds: ${names(oclouds)}`,
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
    const resolved = resolveTemplateInfo(view.templateInfos(), spec.templateName, spec.templateVersion, namespace);
    if (resolved.violation) out.push(resolved.violation);
    ti = resolved.templateInfo;
  }

  if (spec.templateParameters === undefined) {
    if (spec.parameters === undefined)
      out.push({ field: PARAMETERS_FIELD, rule: "required", message: `${PARAMETERS_FIELD}: required` });
  } else if (!isObject(spec.templateParameters)) {
    out.push({ field: PARAMETERS_FIELD, rule: "type", message: `${PARAMETERS_FIELD}: must be an object` });
  } else if (ti) {
    out.push(...checkParameters(spec.templateParameters, ti, { namespace: spec.oCloudNamespace || namespace }));
  }
  return out;
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
