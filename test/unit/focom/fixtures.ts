/** Objects for the FOCOM unit tests: the BYOH TemplateInfo built from the real template file, OClouds, views. */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import type { AdmissionView } from "../../../capabilities/focom/admission";
import type { OCloudObject } from "../../../capabilities/focom/cache";
import type { TemplateInfoObject } from "../../../generators/templates";

export const NS = "smo";
const ROOT = path.resolve(__dirname, "../../..");
const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as {
  spec: { parameterSchema: Record<string, unknown>; defaults: Record<string, unknown> };
};

export function byohTemplateInfo(
  over: Partial<NonNullable<TemplateInfoObject["spec"]>> = {},
  name = "byoh-workload-cluster",
): TemplateInfoObject {
  return {
    metadata: { name, namespace: NS, uid: `uid-ti-${name}` },
    spec: {
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameterSchema: structuredClone(template.spec.parameterSchema),
      templateParameterDefaults: structuredClone(template.spec.defaults),
      ...over,
    },
  };
}

export const ocloud = (name: string, secret?: string): OCloudObject => ({
  metadata: { name, namespace: NS, uid: `uid-oc-${name}` },
  spec: secret ? { secretRef: { name: secret } } : {},
});

export const view = (oclouds: OCloudObject[], templateInfos: TemplateInfoObject[]): AdmissionView => ({
  oClouds: () => oclouds,
  templateInfos: () => templateInfos,
});

export const hosts = (masters: number[], workers: number[] = []) => ({
  masters: masters.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
  workers: workers.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
});

export const byohParams = (extra: Record<string, unknown> = {}) => ({ clusterName: "edge", hosts: hosts([1], [2]), ...extra });
