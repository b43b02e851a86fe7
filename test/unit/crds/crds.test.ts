/**
 * The CRDs are the one source of truth: the committed TypeScript types are exactly what they generate, and every
 * field carries a description (so `kubectl explain` is useful), with status, printer columns and short names.
 */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { JSONSchema, renderTypes } from "../../../scripts/schema-to-ts";

const ROOT = path.resolve(__dirname, "../../..");
const crdFiles = fs
  .readdirSync(path.join(ROOT, "api/crds"))
  .filter(f => f.endsWith(".yaml"))
  .sort();
const text = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

interface CRD {
  spec: {
    names: { kind: string; shortNames?: string[] };
    versions: {
      name: string;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: unknown[];
      schema: { openAPIV3Schema: JSONSchema };
    }[];
  };
}

it("api/generated/types.ts is exactly what the CRDs and the default template generate", () => {
  const generated = renderTypes(
    crdFiles.map(f => text(`api/crds/${f}`)),
    text("templates/byoh-workload-cluster.yaml"),
  );
  expect(text("api/generated/types.ts")).toBe(generated);
});

it("a changed CRD changes the generated types (the drift check can fail)", () => {
  const crds = crdFiles.map(f => text(`api/crds/${f}`));
  const tampered = crds.map(t => t.replace("description: Human readable name of the request.", "description: Tampered."));
  expect(renderTypes(tampered, text("templates/byoh-workload-cluster.yaml"))).not.toBe(text("api/generated/types.ts"));
});

/** Paths of schema nodes below spec/status without a description. */
function undescribed(schema: JSONSchema, at: string): string[] {
  const out: string[] = [];
  if (!schema.description) out.push(at);
  for (const [name, child] of Object.entries(schema.properties ?? {})) out.push(...undescribed(child, `${at}.${name}`));
  if (schema.items) out.push(...undescribed(schema.items, `${at}[]`));
  return out;
}

describe.each(crdFiles)("api/crds/%s", file => {
  const crd = load(text(`api/crds/${file}`)) as CRD;
  const version = crd.spec.versions.find(v => v.storage)!;
  it("describes every field", () => {
    const props = version.schema.openAPIV3Schema.properties ?? {};
    const missing = ["spec", "status"].filter(p => props[p]).flatMap(p => undescribed(props[p], p));
    expect(missing).toEqual([]);
  });
  it("has a status subresource, printer columns and a short name", () => {
    expect(version.subresources?.status).toBeDefined();
    expect(version.additionalPrinterColumns?.length).toBeGreaterThan(0);
    expect(crd.spec.names.shortNames?.length).toBeGreaterThan(0);
  });
});
