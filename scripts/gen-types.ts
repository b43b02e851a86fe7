/**
 * One source of truth: the CRD YAML in api/crds/ (and the parameter JSON Schema of the default ClusterTemplate in
 * templates/) generate the TypeScript interfaces in api/generated/types.ts. `npm run gen:types` rewrites the file;
 * `--check` fails when the committed file differs (a unit test runs the same comparison).
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateTypes } from "./schema-to-ts";

const root = join(__dirname, "..");
const crdDir = join(root, "api", "crds");
const out = join(root, "api", "generated", "types.ts");

async function main(): Promise<void> {
  const text = await generateTypes(
    readdirSync(crdDir)
      .filter(f => f.endsWith(".yaml"))
      .sort()
      .map(f => readFileSync(join(crdDir, f), "utf8")),
    readFileSync(join(root, "templates", "byoh-workload-cluster.yaml"), "utf8"),
  );

  if (process.argv.includes("--check")) {
    const current = readFileSync(out, "utf8");
    if (current !== text) {
      console.error(`${out} is out of date with api/crds/*.yaml: run npm run gen:types`);
      process.exit(1);
    }
  } else {
    writeFileSync(out, text);
    console.log(`wrote ${out}`);
  }
}

void main();
