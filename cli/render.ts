/**
 * npm run render -- <file.yaml>
 *
 * Prints the Cluster API + BYOH objects a (Focom)ProvisioningRequest would produce, as multi-document YAML, like
 * `clusterctl generate cluster`. The file may also hold a ClusterTemplate or TemplateInfo; otherwise the default
 * template (templates/byoh-workload-cluster.yaml) is used. Invalid input: exit code 1, nothing on stdout, one
 * "<field>: <message>" line per violation on stderr.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { Document, readRenderInput, renderCluster } from "../generators/render";
import { formatViolations } from "../generators/parameters";

const DEFAULT_TEMPLATE_FILE = path.resolve(__dirname, "..", "templates", "byoh-workload-cluster.yaml");
const USAGE =
  "usage: npm run render -- <file.yaml>   (a ProvisioningRequest or FocomProvisioningRequest, optionally with a ClusterTemplate or TemplateInfo)";

function readDocuments(file: string): unknown[] {
  return yaml.loadAll(fs.readFileSync(file, "utf8"));
}

function main(args: string[]): number {
  if (args.includes("-h") || args.includes("--help")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const file = args[0];
  let docs: unknown[];
  let defaultTemplate: Document;
  try {
    docs = readDocuments(file);
    defaultTemplate = readDocuments(DEFAULT_TEMPLATE_FILE)[0] as Document;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }

  const read = readRenderInput(docs, defaultTemplate);
  if ("error" in read) {
    process.stderr.write(`${file}: ${read.error}\n`);
    return 1;
  }
  const { objects, violations } = "input" in read ? renderCluster(read.input) : { objects: [], violations: read.violations };
  if (violations.length > 0) {
    process.stderr.write(`${formatViolations(violations, "\n")}\n`);
    return 1;
  }
  process.stdout.write(objects.map(o => yaml.dump(o, { noRefs: true, lineWidth: -1 })).join("---\n"));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
