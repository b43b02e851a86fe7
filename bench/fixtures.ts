/**
 * What the benchmark applies: the ClusterTemplate, a namespace with its OCloud (no secretRef: this cluster) and
 * TemplateInfo, FocomProvisioningRequests pinned to freshly registered hosts, the same clusters rendered straight by
 * the generator (the "raw" write baseline), and the ProvisioningRequests of the admission phase.
 */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import type { ByohTemplateParameters, ClusterTemplateSpec } from "../api/generated/types";
import { generateCluster } from "../generators/byoh-cluster";
import { applyDefaults } from "../generators/parameters";
import { remoteRequestName } from "../generators/names";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { registerFleet } from "../local/sim/hosts";

const ROOT = path.resolve(__dirname, "..");
export const TEMPLATE = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject & {
  spec: ClusterTemplateSpec;
};
export const OCLOUD = "local";

/** The FOCOM-side TemplateInfo of the template (as cli/start.ts builds it). */
function templateInfo(namespace: string): KubeObject {
  const spec = TEMPLATE.spec;
  return {
    metadata: { name: spec.templateName, namespace },
    spec: {
      templateName: spec.templateName,
      templateVersion: spec.templateVersion,
      templateParameterSchema: spec.parameterSchema,
      templateParameterDefaults: spec.defaults,
    },
  };
}

/** A namespace where FocomProvisioningRequests can be created: its OCloud (this cluster) and TemplateInfo. */
export async function prepareNamespace(client: KubeClient, namespace: string, focom = true): Promise<void> {
  await client.apply(R.Namespace, { metadata: { name: namespace } });
  if (!focom) return;
  await client.apply(R.OCloud, { metadata: { name: OCLOUD, namespace }, spec: {} });
  await client.apply(R.TemplateInfo, templateInfo(namespace));
}

export interface HostRef {
  hostId: number;
  hostName: string;
  hostIp: string;
}

/** ip of the i-th host overall (172.16.0.0/12 is outside the template's pod and service networks). */
const ipOf = (id: number, base = 16) => `172.${base + Math.floor(id / 64516)}.${Math.floor(id / 254) % 254}.${(id % 254) + 1}`;

/** Registers count ByoHosts `<prefix><id>` with label host-id=<id>, ids offset+1 … offset+count. */
export async function registerHosts(client: KubeClient, prefix: string, offset: number, count: number): Promise<HostRef[]> {
  await registerFleet(client, count, { prefix, idOffset: offset, namespace: "default", concurrency: 32 });
  return Array.from({ length: count }, (_, i) => ({
    hostId: offset + i + 1,
    hostName: `${prefix}${offset + i + 1}`,
    hostIp: ipOf(offset + i + 1),
  }));
}

export interface RequestSpec {
  /** FocomProvisioningRequest name. */
  name: string;
  clusterName: string;
  params: ByohTemplateParameters;
}

/** One request per 3 hosts: hosts[3i] master, hosts[3i+1], hosts[3i+2] workers; a VIP outside the host range. */
export function requestSpecs(prefix: string, hosts: HostRef[]): RequestSpec[] {
  const out: RequestSpec[] = [];
  for (let i = 0; i + 2 < hosts.length; i += 3) {
    const n = i / 3;
    const clusterName = `${prefix}c${n}`;
    const [m, w1, w2] = hosts.slice(i, i + 3);
    out.push({
      name: `req-${n}`,
      clusterName,
      params: {
        clusterName,
        k8sVersion: "v1.32.0",
        controlPlaneEndpoint: ipOf(m.hostId, 28),
        hosts: { masters: [m], workers: [w1, w2] },
      } as ByohTemplateParameters,
    });
  }
  return out;
}

export function focomRequest(namespace: string, r: RequestSpec): KubeObject {
  return {
    metadata: { name: r.name, namespace },
    spec: {
      oCloudId: OCLOUD,
      oCloudNamespace: namespace,
      name: r.clusterName,
      description: "benchmark request",
      templateName: TEMPLATE.spec.templateName,
      templateParameters: r.params,
    },
  };
}

export function provisioningRequest(namespace: string, name: string, params: ByohTemplateParameters): KubeObject {
  return {
    metadata: { name, namespace },
    spec: {
      templateName: TEMPLATE.spec.templateName,
      templateVersion: TEMPLATE.spec.templateVersion,
      templateParameters: params,
    },
  };
}

/**
 * The objects the module would generate for the request, rendered straight by the generator into another
 * namespace. The request labels and annotation are renamed (same length) so neither the module's informers nor
 * anything keyed on them pick the objects up; no ownerReferences (there is no ProvisioningRequest to own them).
 */
export function rawObjects(namespace: string, r: RequestSpec, index: number): KubeObject[] {
  const params = applyDefaults(r.params, TEMPLATE.spec);
  const uid = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
  const objects = generateCluster({ name: remoteRequestName(r.name), namespace, uid, params, template: TEMPLATE.spec });
  const rename = (m: Record<string, string> | undefined) =>
    m &&
    Object.fromEntries(
      Object.entries(m).map(([k, v]) => [k.replace("o2ims.provisioning.oran.org/", "o2ims.benchmarkraw.oran.org/"), v]),
    );
  for (const o of objects) {
    o.metadata.labels = rename(o.metadata.labels);
    o.metadata.annotations = rename(o.metadata.annotations);
  }
  return objects;
}

/**
 * Generated objects per request of the bench's shape (1 master + 2 workers), as the generator makes them today
 * (a constant went stale when the template's ClusterResourceSet and installer template were added).
 */
export function objectsPerRequest(): number {
  const hosts = [0, 1, 2].map(i => ({ hostId: i, hostName: `count-${i}`, hostIp: `10.0.0.${i + 1}` }));
  return rawObjects("count", requestSpecs("count", hosts)[0], 0).length;
}
