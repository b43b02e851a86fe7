/**
 * A template's parameter JSON Schema, checked with ajv (draft 2020-12, every error), for the O2IMS ClusterTemplate
 * and the FOCOM TemplateInfo alike. Pure apart from a small cache of compiled schemas (compiling is the costly part;
 * templates are re-read on every admission).
 */
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject, ValidateFunction } from "ajv";
import { parseIp } from "./net";

/** One schema error: where (a path like "hosts.masters[0].hostName", "" for the root), which keyword, and why. */
export interface SchemaIssue {
  path: string;
  rule: string;
  message: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
ajv.addFormat("ipv4", s => parseIp(s)?.family === 4);
ajv.addFormat("ipv6", s => parseIp(s)?.family === 6);

const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 32;

function compile(schema: Record<string, unknown>): ValidateFunction {
  // $schema/$id would tie the schema to one draft or clash between templates; the content is what matters.
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

/** "/hosts/masters/0/hostId" (+ child) -> "hosts.masters[0].hostId". */
export function pointerToPath(pointer: string, child?: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map(s => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) segments.push(child);
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), "");
}

const quote = (v: unknown) => JSON.stringify(v);

function issueOf(e: ErrorObject): SchemaIssue {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": {
      const path = pointerToPath(e.instancePath, String(p.missingProperty));
      return { path, rule: "required", message: `${path} is required` };
    }
    case "additionalProperties": {
      const path = pointerToPath(e.instancePath, String(p.additionalProperty));
      return { path, rule: "unknown-parameter", message: `unknown parameter "${path}": the template does not define it` };
    }
    case "type": {
      const path = pointerToPath(e.instancePath);
      const types = Array.isArray(p.type) ? p.type.join(" or ") : String(p.type);
      return { path, rule: "type", message: `${path || "templateParameters"} must be of type ${types}` };
    }
    case "enum": {
      const path = pointerToPath(e.instancePath);
      return { path, rule: "enum", message: `${path} must be one of ${(p.allowedValues as unknown[]).map(quote).join(", ")}` };
    }
    default: {
      const path = pointerToPath(e.instancePath);
      return {
        path,
        rule: e.keyword,
        message: `${path || "templateParameters"} ${e.message ?? "is invalid"} (template parameter schema)`,
      };
    }
  }
}

/** The issues of value against schema; a schema that does not compile is one issue with rule "schema-invalid". */
export function checkJsonSchema(schema: Record<string, unknown>, value: unknown): SchemaIssue[] {
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch (e) {
    return [
      {
        path: "",
        rule: "schema-invalid",
        message: `the template's parameter schema cannot be compiled: ${(e as Error).message}`,
      },
    ];
  }
  return validate(value) ? [] : (validate.errors ?? []).map(issueOf);
}
