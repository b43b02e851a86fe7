/**
 * The released manifests the real managers need on the plane, taken from their modules' config/ directories:
 *  - every CRD the managers watch (core also watches MachinePools, MachineHealthChecks, MachineDrainRules,
 *    ClusterResourceSetBindings, …, which the plane's upstream set leaves out), with the contract label
 *    `cluster.x-k8s.io/v1beta1: v1beta1` their kustomizations add (Cluster API resolves a reference's API version
 *    from it) and without spec.conversion (every object here is v1beta1, the storage version);
 *  - their admission webhook configurations, pointed at https://localhost:<port><path> with the runner's CA
 *    instead of a Service with a cert-manager-injected CA.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import type { KubeClient, KubeObject } from "../../kube/client";
import { R, Resource } from "../../kube/resources";
import { configDir, ManagerName, MANAGERS } from "./modules";

export const CONTRACT_LABEL = "cluster.x-k8s.io/v1beta1";

interface Crd extends KubeObject {
  spec: { conversion?: unknown; group: string; names: { plural: string } };
  status?: { conditions?: { type: string; status: string }[] };
}

interface WebhookConfig extends KubeObject {
  webhooks?: { name: string; clientConfig: { service?: { path?: string }; url?: string; caBundle?: string } }[];
}

const loadYamlDir = (dir: string): KubeObject[] =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter(n => /\.ya?ml$/.test(n))
        .sort()
        .flatMap(n => yaml.loadAll(fs.readFileSync(path.join(dir, n), "utf8")) as KubeObject[])
        .filter(Boolean)
    : [];

/** Every CRD of the four managers, ready to apply. */
export async function managerCrds(): Promise<Crd[]> {
  const seen = new Map<string, Crd>();
  for (const name of Object.keys(MANAGERS) as ManagerName[]) {
    for (const doc of loadYamlDir(path.join(await configDir(name), "crd", "bases"))) {
      if (doc.kind !== "CustomResourceDefinition") continue;
      const crd = doc as Crd;
      delete crd.spec.conversion;
      crd.metadata.labels = { ...(crd.metadata.labels ?? {}), [CONTRACT_LABEL]: "v1beta1" };
      delete crd.metadata.annotations?.["cert-manager.io/inject-ca-from"];
      seen.set(crd.metadata.name, crd);
    }
  }
  return [...seen.values()];
}

/** Applies the CRDs and waits until every one is Established. */
export async function installManagerCrds(client: KubeClient, timeoutMs = 60_000): Promise<string[]> {
  const crds = await managerCrds();
  await Promise.all(crds.map(crd => client.apply(R.CustomResourceDefinition, crd)));
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const live = await client.find<Crd>(R.CustomResourceDefinition, crd.metadata.name);
      if (live?.status?.conditions?.some(c => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established after ${timeoutMs} ms`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
  return crds.map(c => c.metadata.name);
}

/**
 * The manager's webhook configurations as released, renamed `<prefix>-<name>` as kustomize's namePrefix does in each release (the the four
 * releases all call theirs mutating-/validating-webhook-configuration) and pointed at the local webhook server.
 */
export async function webhookConfigurations(
  name: ManagerName,
  port: number,
  caBundle: string,
): Promise<{ res: Resource; obj: WebhookConfig }[]> {
  const out: { res: Resource; obj: WebhookConfig }[] = [];
  for (const doc of loadYamlDir(path.join(await configDir(name), "webhook"))) {
    const res =
      doc.kind === "MutatingWebhookConfiguration"
        ? R.MutatingWebhookConfiguration
        : doc.kind === "ValidatingWebhookConfiguration"
          ? R.ValidatingWebhookConfiguration
          : undefined;
    if (!res) continue;
    const obj = doc as WebhookConfig;
    obj.metadata = {
      name: `${MANAGERS[name].prefix}-${obj.metadata.name}`,
      labels: { "app.kubernetes.io/managed-by": "ocp-capi-runner" },
    };
    for (const wh of obj.webhooks ?? []) {
      const p = wh.clientConfig.service?.path ?? "/";
      wh.clientConfig = { url: `https://localhost:${port}${p}`, caBundle };
    }
    out.push({ res, obj });
  }
  return out;
}
