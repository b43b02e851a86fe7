/**
 * Strict validators for the upstream Cluster API and BYOH CRDs (v1beta1 openAPIV3Schema), so unit tests catch what
 * an API server would silently prune: an unknown field is an error here. Kubernetes extensions are translated:
 * x-kubernetes-preserve-unknown-fields keeps an object open, x-kubernetes-int-or-string allows integer or string,
 * nullable allows null; CEL rules (x-kubernetes-validations) and formats are not checked.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import Ajv from "ajv";
import type { ValidateFunction } from "ajv";

type Schema = Record<string, unknown>;

const REPO = path.resolve(__dirname, "../../..");
export const REFERENCE_CRDS = path.resolve(REPO, "../shared/reference/crds");

export interface CrdSet {
  name: string;
  dirs: string[];
}

/** OCP_UPSTREAM_CRDS (one directory, as scripts/fetch-upstream-crds.sh prints) or the shared reference copies. */
export function crdSets(): CrdSet[] {
  const env = process.env.OCP_UPSTREAM_CRDS;
  if (env) return [{ name: `OCP_UPSTREAM_CRDS=${env}`, dirs: [env] }];
  return ["capi-v1.10.10", "capi-v1.4.4"].map(capi => ({
    name: `${capi} + byoh`,
    dirs: [path.join(REFERENCE_CRDS, capi), path.join(REFERENCE_CRDS, "byoh")],
  }));
}

/** The CRD schema as strict JSON Schema. */
export function toStrictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictSchema);
  if (typeof node !== "object" || node === null) return node;
  const s: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    s[k] = ["properties", "patternProperties", "definitions"].includes(k)
      ? Object.fromEntries(Object.entries(v as Schema).map(([name, sub]) => [name, toStrictSchema(sub)]))
      : ["items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"].includes(k)
        ? toStrictSchema(v)
        : v;
  }
  if (s["x-kubernetes-int-or-string"] === true) {
    delete s.type;
    if (!s.anyOf) s.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (s.nullable === true && typeof s.type === "string") s.type = [s.type, "null"];
  delete s.nullable;
  if (s.properties && s["x-kubernetes-preserve-unknown-fields"] !== true && s.additionalProperties === undefined) {
    s.additionalProperties = false;
  }
  return s;
}

export interface CrdValidator {
  validate: ValidateFunction;
  group: string;
  kind: string;
}

/** Validators by "<Kind>.<group>" for every CRD file in the set's directories. */
export function loadValidators(set: CrdSet): Map<string, CrdValidator> {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const out = new Map<string, CrdValidator>();
  for (const dir of set.dirs) {
    if (!fs.existsSync(dir))
      throw new Error(`CRD directory ${dir} is missing: set OCP_UPSTREAM_CRDS or provide ${REFERENCE_CRDS}`);
    for (const file of fs.readdirSync(dir).filter(f => /\.ya?ml$/.test(f))) {
      for (const crd of yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8")) as Schema[]) {
        if (crd?.kind !== "CustomResourceDefinition") continue;
        const spec = crd.spec as {
          group: string;
          names: { kind: string };
          versions: { name: string; schema?: { openAPIV3Schema: Schema } }[];
        };
        const v1beta1 = spec.versions.find(v => v.name === "v1beta1");
        if (!v1beta1?.schema) continue;
        const schema = toStrictSchema(v1beta1.schema.openAPIV3Schema) as Schema;
        // Object metadata is validated by the API server itself, not by the CRD schema.
        schema.properties = { ...(schema.properties as Schema), metadata: { type: "object" } };
        out.set(`${spec.names.kind}.${spec.group}`, { validate: ajv.compile(schema), group: spec.group, kind: spec.names.kind });
      }
    }
  }
  return out;
}

/** Schema errors of one object, as readable lines; empty when it is valid. */
export function schemaErrors(validators: Map<string, CrdValidator>, obj: { apiVersion?: string; kind?: string }): string[] {
  const { apiVersion = "", kind } = obj;
  const group = apiVersion.split("/")[0];
  const v = validators.get(`${kind}.${group}`);
  if (!v) return [`no CRD for ${kind}.${group}`];
  if (!apiVersion.endsWith("/v1beta1")) return [`${kind} has apiVersion ${apiVersion}, expected v1beta1`];
  if (v.validate(obj)) return [];
  return (v.validate.errors ?? []).map(e => `${kind} ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}
