/**
 * The O2IMS examples render to a complete cluster and pass admission in order: create, then the scale-out update,
 * then the upgrade update (against registered, correctly labelled hosts).
 */
import fs from "node:fs";
import path from "node:path";
import { load, loadAll } from "js-yaml";
import { AdmissionView, validateRequest } from "../../capabilities/o2ims/admission";
import type { PRObject, TemplateObject } from "../../capabilities/o2ims/cache";
import type { KubeObject } from "../../kube/types";
import { Document, readRenderInput, renderCluster } from "../../generators/render";
import { listView } from "./o2ims/list-view";

const ROOT = path.resolve(__dirname, "../..");
const read = (file: string) => loadAll(fs.readFileSync(path.join(ROOT, file), "utf8"));
const templateDoc = read("templates/byoh-workload-cluster.yaml")[0] as Document;
const template = templateDoc as unknown as TemplateObject;
const example = (name: string) => load(fs.readFileSync(path.join(ROOT, "examples", name), "utf8")) as PRObject;

const hosts: KubeObject[] = [1, 2, 3, 4, 5, 6].map(i => ({
  metadata: { name: `target-${i}`, namespace: "default", labels: { "host-id": String(i) } },
}));
const view: AdmissionView = listView(template, hosts);

const FILES = ["o2ims-edge-ha.yaml", "o2ims-edge-ha-scale-out.yaml", "o2ims-edge-ha-upgrade.yaml"];

describe.each(FILES)("examples/%s", file => {
  it("renders every Cluster API / BYOH object with no violation", () => {
    const parsed = readRenderInput(read(`examples/${file}`), templateDoc);
    if (!("input" in parsed)) throw new Error(`not renderable: ${JSON.stringify(parsed)}`);
    const { objects, violations } = renderCluster(parsed.input);
    expect(violations).toEqual([]);
    const workers = (example(file).spec.templateParameters as { hosts: { workers: unknown[] } }).hosts.workers.length;
    expect(objects.filter(o => o.kind === "MachineDeployment")).toHaveLength(workers);
    expect(objects.map(o => o.kind)).toEqual(
      expect.arrayContaining(["Cluster", "ByoCluster", "KubeadmControlPlane", "KubeadmConfigTemplate"]),
    );
  });
});

describe("the examples admit in order", () => {
  const admit = (file: string, previous?: string) =>
    validateRequest(
      {
        operation: previous ? "UPDATE" : "CREATE",
        namespace: "o2ims",
        name: "edge-ha",
        spec: example(file).spec,
        oldSpec: previous ? example(previous).spec : undefined,
      },
      view,
    );
  it("creates the HA cluster", () => expect(admit(FILES[0])).toEqual([]));
  it("scales it out", () => expect(admit(FILES[1], FILES[0])).toEqual([]));
  it("upgrades it", () => expect(admit(FILES[2], FILES[1])).toEqual([]));
  it("accepts the scale-out and the upgrade in one update", () => expect(admit(FILES[2], FILES[0])).toEqual([]));
});
