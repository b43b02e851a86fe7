/** The FOCOM examples apply as written: every request in them passes admission against the objects beside it. */
import fs from "node:fs";
import path from "node:path";
import { loadAll, load } from "js-yaml";
import { mutateRequest, validateRequest } from "../../../capabilities/focom/admission";
import type { OCloudObject } from "../../../capabilities/focom/cache";
import type { TemplateInfoObject } from "../../../generators/templates";
import type { KubeObject } from "../../../kube/types";
import type { FocomProvisioningRequestSpec } from "../../../api/generated/types";

const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLES = ["seed-000-focom-request.yaml", "seed-002-focom-request.yaml"];
const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as {
  spec: { parameterSchema: unknown; defaults: unknown };
};

const docs = (file: string) =>
  loadAll(fs.readFileSync(path.join(ROOT, "examples", file), "utf8")) as (KubeObject & { spec?: unknown })[];

describe.each(EXAMPLES)("examples/%s", file => {
  const objects = docs(file);
  const ofKind = <T>(kind: string) => objects.filter(o => o.kind === kind) as unknown as T[];

  it("admits its FocomProvisioningRequest as written, converted to the canonical shape", () => {
    const requests = ofKind<KubeObject & { spec: FocomProvisioningRequestSpec }>("FocomProvisioningRequest");
    expect(requests).toHaveLength(1);
    for (const fpr of requests) {
      const namespace = fpr.metadata.namespace!;
      const view = {
        oClouds: () => ofKind<OCloudObject>("OCloud").filter(o => o.metadata.namespace === namespace),
        templateInfos: () => ofKind<TemplateInfoObject>("TemplateInfo").filter(o => o.metadata.namespace === namespace),
      };
      const spec = mutateRequest({ namespace, spec: fpr.spec }, view);
      expect(validateRequest({ operation: "CREATE", namespace, name: fpr.metadata.name, spec }, view)).toEqual([]);
      expect(spec).toMatchObject({ templateName: "byoh-workload-cluster", templateVersion: "v1", oCloudNamespace: namespace });
      expect(Object.keys(spec).filter(k => ["ocloudRef", "templateRef", "parameters"].includes(k))).toEqual([]);
    }
  });

  it("carries the byoh-workload-cluster template's schema and defaults unchanged", () => {
    for (const ti of ofKind<TemplateInfoObject>("TemplateInfo")) {
      expect(ti.spec?.templateParameterSchema).toEqual(template.spec.parameterSchema);
      expect(ti.spec?.templateParameterDefaults).toEqual(template.spec.defaults);
    }
  });
});

it("examples/seed-002-focom-request.yaml names the OCloud edge-ocloud with its kubeconfig Secret", () => {
  const objects = docs("seed-002-focom-request.yaml");
  const ocloud = objects.find(o => o.kind === "OCloud") as OCloudObject;
  expect(ocloud.metadata.name).toBe("edge-ocloud");
  const secret = objects.find(o => o.kind === "Secret" && o.metadata.name === ocloud.spec?.secretRef?.name);
  expect((secret?.stringData as Record<string, string>).kubeconfig).toContain("current-context");
});
