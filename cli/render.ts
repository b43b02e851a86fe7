/**
 * o-cloud-provisioner render <file.yaml | ->   (npm run render -- <file.yaml>)
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
import { parseCommand } from "../kube/command-line";

const DEFAULT_TEMPLATE_FILE = path.resolve(__dirname, "..", "templates", "byoh-workload-cluster.yaml");
const USAGE = `usage: o-cloud-provisioner render <file.yaml | ->

Prints the Cluster API + BYOH objects a ProvisioningRequest or FocomProvisioningRequest would produce, as
multi-document YAML (kubectl apply -f - takes it). The input may also hold a ClusterTemplate or TemplateInfo;
otherwise the default template is used. "-" reads the input from stdin. Invalid input: exit 1, nothing on stdout,
one "<field>: <message>" line per violation on stderr.

  -h, --help             this text`;

/** The file's YAML documents; "-" is stdin (file descriptor 0). */
function readDocuments(file: string): unknown[] {
  return yaml.loadAll(fs.readFileSync(file === "-" ? 0 : file, "utf8"));
}

function main(args: string[]): number {
  const file = parseCommand(args, {
    usage: USAGE,
    options: {},
    positionals: { min: 1, max: 1, name: "the input file (or - for stdin)" },
  }).positionals[0];
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
    process.stderr.write(`${file === "-" ? "stdin" : file}: ${read.error}\n`);
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
