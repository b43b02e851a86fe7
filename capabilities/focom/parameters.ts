/**
 * templateParameters against a TemplateInfo (pure): its JSON Schema (ajv, every error with its path), then, for the
 * BYOH template, the shared host rules that need no O-Cloud (counts, duplicates, IPs, names). The live checks
 * (registered ByoHosts, hosts taken by other requests) are the O-Cloud's O2IMS admission's job.
 */
import { validateParameters, Violation } from "../../generators/parameters";
import { checkJsonSchema } from "../../generators/json-schema";
import {
  clusterTemplateOf,
  isByohTemplate,
  listedK8sVersions,
  parameterSchemaOf,
  TemplateInfoObject,
  templateLabel,
} from "./template-info";

export const PARAMETERS_FIELD = "spec.templateParameters";

/** Every violation of the parameters against the TemplateInfo; empty when valid. */
export function checkParameters(params: unknown, ti: TemplateInfoObject, opts: { namespace: string }): Violation[] {
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
