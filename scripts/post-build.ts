/**
 * Runs after `pepr build` (npm run build): applies scripts/build/artifacts.ts to dist/ so the chart and the manifest
 * a user installs carry the CRDs, the default ClusterTemplate and the fixes listed there.
 */
import fs from "node:fs";
import path from "node:path";
import {
  clusterTemplateChartTemplate,
  fixChartYaml,
  fixManifest,
  fixValues,
  fixValuesSchema,
  fixWatcherTemplate,
  focomCallbackChartTemplate,
  o2imsApiChartTemplate,
  secretReaderChartTemplate,
} from "./build/artifacts";

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "dist");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  description: string;
  pepr: { uuid: string };
};
const chartDir = path.join(DIST, `${pkg.pepr.uuid}-chart`);
const manifestFile = path.join(DIST, `pepr-module-${pkg.pepr.uuid}.yaml`);
const read = (f: string) => fs.readFileSync(f, "utf8");

const crdDir = path.join(ROOT, "api", "crds");
const crdFiles = fs
  .readdirSync(crdDir)
  .filter(f => f.endsWith(".yaml"))
  .sort();
const template = read(path.join(ROOT, "templates", "byoh-workload-cluster.yaml"));
// The O2 IMS REST server's OpenAPI documents, shipped beside the bundle (a single file) in a ConfigMap.
const docsDir = path.join(ROOT, "o2ims-api", "openapi");
const documents = Object.fromEntries(
  fs
    .readdirSync(docsDir)
    .filter(f => f.endsWith(".yaml"))
    .sort()
    .map(f => [f, read(path.join(docsDir, f))]),
);

for (const f of [chartDir, manifestFile]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run pepr build first`);

fs.writeFileSync(path.join(chartDir, "Chart.yaml"), fixChartYaml(read(path.join(chartDir, "Chart.yaml")), pkg));
fs.writeFileSync(path.join(chartDir, "values.yaml"), fixValues(read(path.join(chartDir, "values.yaml"))));
fs.writeFileSync(path.join(chartDir, "values.schema.json"), fixValuesSchema(read(path.join(chartDir, "values.schema.json"))));
fs.mkdirSync(path.join(chartDir, "crds"), { recursive: true });
for (const f of crdFiles) fs.copyFileSync(path.join(crdDir, f), path.join(chartDir, "crds", f));
fs.writeFileSync(path.join(chartDir, "templates", "default-clustertemplate.yaml"), clusterTemplateChartTemplate(template));
fs.writeFileSync(path.join(chartDir, "templates", "ocloud-secret-roles.yaml"), secretReaderChartTemplate());
fs.writeFileSync(path.join(chartDir, "templates", "o2ims-api.yaml"), o2imsApiChartTemplate(documents));
const watcherTemplate = path.join(chartDir, "templates", "watcher-deployment.yaml");
fs.writeFileSync(watcherTemplate, fixWatcherTemplate(read(watcherTemplate)));
fs.writeFileSync(path.join(chartDir, "templates", "focom-callback-service.yaml"), focomCallbackChartTemplate());
fs.writeFileSync(
  manifestFile,
  fixManifest(
    read(manifestFile),
    crdFiles.map(f => read(path.join(crdDir, f))),
    template,
    undefined,
    documents,
  ),
);
console.log(
  `post-build: ${path.relative(ROOT, chartDir)} and ${path.relative(ROOT, manifestFile)} carry ${crdFiles.length} CRDs, the default ClusterTemplate and the O2 IMS REST server (${Object.keys(documents).join(", ")})`,
);
