/**
 * templateParameters against a TemplateInfo (pure): its JSON Schema (ajv, every error with its path), then, for the
 * BYOH template, the shared host rules that need no O-Cloud (counts, duplicates, IPs, names). The live checks
 * (registered ByoHosts, hosts taken by other requests) are the O-Cloud's O2IMS admission's job.
 */
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject, ValidateFunction } from "ajv";
import { validateParameters, Violation } from "../../generators/parameters";
import { parseIp } from "../../generators/net";
import { clusterTemplateOf, isByohTemplate, listedK8sVersions, parameterSchemaOf, TemplateInfoObject, templateLabel } from "./template-info";

export const PARAMETERS_FIELD = "spec.templateParameters";

const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
ajv.addFormat("ipv4", s => parseIp(s)?.family === 4);
ajv.addFormat("ipv6", s => parseIp(s)?.family === 6);

/** Compiled schemas by their JSON text: TemplateInfos are re-read on every admission, compiling is the costly part. */
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 32;

function compile(schema: Record<string, unknown>): ValidateFunction {
  // $schema/$id would tie the schema to one draft or clash between TemplateInfos; the content is what matters.
  const { $schema: _s, $id: _i, ...body } = schema;
  const key = JSON.stringify(body);
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(body);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, fn);
  }
  return fn;
}

/** "/hosts/masters/0/hostName" -> ".hosts.masters[0].hostName". */
export function pointerToPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map(s => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map(s => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join("");
}

function schemaViolation(e: ErrorObject): Violation {
  const at = PARAMETERS_FIELD + pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  // The field names the offending property itself, so the BYOH rule on the same property can yield to it.
  const child = e.keyword === "required" ? p.missingProperty : e.keyword === "additionalProperties" ? p.additionalProperty : undefined;
  const detail =
    e.keyword === "additionalProperties"
      ? ` ("${String(p.additionalProperty)}")`
      : e.keyword === "enum"
        ? ` (${(p.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(", ")})`
        : "";
  return {
    field: child !== undefined ? `${at}.${String(child)}` : at,
    rule: `schema-${e.keyword}`,
    message: `${at}: ${e.message ?? "is invalid"}${detail}`,
  };
}

/** Every violation of the parameters against the TemplateInfo; empty when valid. */
export function checkParameters(params: unknown, ti: TemplateInfoObject, opts: { namespace: string }): Violation[] {
  const out: Violation[] = [];
  const schema = parameterSchemaOf(ti);
  if (schema) {
    let validate: ValidateFunction | undefined;
    try {
      validate = compile(schema);
    } catch (e) {
      out.push({
        field: PARAMETERS_FIELD,
        rule: "schema-invalid",
        message: `${PARAMETERS_FIELD}: TemplateInfo ${ti.metadata.name} (${templateLabel(ti)}) has a templateParameterSchema that cannot be compiled: ${(e as Error).message}`,
      });
    }
    if (validate && !validate(params)) out.push(...(validate.errors ?? []).map(schemaViolation));
  }
  if (!isByohTemplate(ti)) return out;

  const reported = new Set(out.map(v => v.field));
  const versionsListed = listedK8sVersions(ti).length > 0;
  for (const v of validateParameters(params, clusterTemplateOf(ti), { namespace: opts.namespace, fieldPrefix: PARAMETERS_FIELD })) {
    if (reported.has(v.field)) continue;
    // The TemplateInfo may not say which versions the O-Cloud installs; the O-Cloud's template decides then.
    if (v.rule === "k8s-version-supported" && !versionsListed) continue;
    out.push({ ...v, message: `${v.field}: ${v.message}` });
  }
  return out;
}
