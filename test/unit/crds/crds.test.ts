/**
 * The CRDs are the one source of truth: the committed TypeScript types are exactly what they generate, and every
 * field carries a description (so `kubectl explain` is useful), with status, printer columns and short names.
 */
import { spawnSync } from "node:child_process";
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

// Prettier formats the generated file and loads its core as ESM, which jest's CommonJS runtime cannot: the
// comparison runs as `npm run gen:types -- --check` does, in a child process.
it("api/generated/types.ts is exactly what the CRDs and the default template generate", () => {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/gen-types.ts", "--check"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
}, 60_000);

it("a changed CRD changes the generated types (the drift check can fail)", () => {
  const crds = crdFiles.map(f => text(`api/crds/${f}`));
  const tampered = crds.map(t => t.replace("description: Human readable name of the request.", "description: Tampered."));
  const template = text("templates/byoh-workload-cluster.yaml");
  const original = renderTypes(crds, template);
  expect(original).toContain("Human readable name of the request.");
  expect(renderTypes(tampered, template)).not.toBe(original);
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
