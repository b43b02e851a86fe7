/** Shared inputs for the generator tests: the repo's default ClusterTemplate and parameter builders. */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../../../api/generated/types";

export const REPO = path.resolve(__dirname, "../../..");

export const templateDocument = () =>
  yaml.load(fs.readFileSync(path.join(REPO, "templates/byoh-workload-cluster.yaml"), "utf8")) as {
    metadata: { name: string };
    spec: ClusterTemplateSpec;
  };

/** A fresh copy of the default template's spec; tests may change it. */
export const defaultTemplate = (): ClusterTemplateSpec => templateDocument().spec;

type Host = ByohTemplateParameters["hosts"]["masters"][number];

export const host = (id: string | number, ip?: string): Host => ({
  hostId: id,
  hostName: `host-${String(id)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")}`,
  ...(ip ? { hostIp: ip } : {}),
});

/** Seed 000's example with the VIP it lacks. */
export const seedParams = (): ByohTemplateParameters => ({
  clusterName: "edge",
  k8sVersion: "v1.32.0",
  controlPlaneEndpoint: "172.16.4.100",
  hosts: { masters: [{ hostId: 3, hostName: "target-3" }], workers: [{ hostId: 4, hostName: "target-4" }] },
});

/** masters m1..mN on 172.16.4.11.., workers w1..wM on 172.16.4.51.. */
export function clusterParams(
  masters: number,
  workers: number,
  extra: Partial<ByohTemplateParameters> = {},
): ByohTemplateParameters {
  return {
    clusterName: "edge",
    controlPlaneEndpoint: "172.16.4.100",
    hosts: {
      masters: Array.from({ length: masters }, (_, i) => host(`m${i + 1}`, `172.16.4.${11 + i}`)),
      workers: Array.from({ length: workers }, (_, i) => host(`w${i + 1}`, `172.16.4.${51 + i}`)),
    },
    ...extra,
  };
}
