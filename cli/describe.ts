/**
 * `npm run describe -- <name> [-n namespace] [--kubeconfig file]`: the request tree of a FocomProvisioningRequest
 * (following its OCloud's kubeconfig Secret to the O-Cloud) or of a ProvisioningRequest, like `clusterctl describe`.
 */
import { KubeClient } from "../kube/client";
import { R } from "../kube/resources";
import { collectTree, renderTree } from "./tree";

function parse(argv: string[]) {
  const out: { name?: string; namespace: string; kubeconfig?: string } = { namespace: "default" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-n" || a === "--namespace") out.namespace = argv[++i];
    else if (a === "--kubeconfig") out.kubeconfig = argv[++i];
    else if (!a.startsWith("-")) out.name = a;
  }
  return out;
}

async function main() {
  const opts = parse(process.argv.slice(2));
  if (!opts.name) {
    process.stderr.write(
      "usage: npm run describe -- <focomprovisioningrequest|provisioningrequest> [-n namespace] [--kubeconfig file]\n",
    );
    process.exit(2);
  }
  const client = await KubeClient.create({ file: opts.kubeconfig, fieldManager: "o-cloud-provisioner-describe" });
  const fpr = await client.find(R.FocomProvisioningRequest, opts.name, opts.namespace).catch(() => undefined);
  let lines: string[];
  if (fpr) {
    const ocloudId = (fpr.spec as { oCloudId?: string }).oCloudId;
    const ocloud = ocloudId ? await client.find(R.OCloud, ocloudId, opts.namespace) : undefined;
    const ref = (ocloud?.spec as { secretRef?: { name: string; namespace?: string } } | undefined)?.secretRef;
    let remote = client;
    if (ref) {
      const secret = await client.get(R.Secret, ref.name, ref.namespace ?? opts.namespace);
      const data = (secret as { data?: Record<string, string> }).data?.kubeconfig;
      if (!data) throw new Error(`Secret ${ref.namespace ?? opts.namespace}/${ref.name} has no key kubeconfig`);
      remote = await KubeClient.create({
        text: Buffer.from(data, "base64").toString("utf8"),
        fieldManager: "o-cloud-provisioner-describe",
      });
    }
    lines = renderTree(await collectTree({ smo: client, ocloud: remote, fpr: { name: opts.name, namespace: opts.namespace } }));
  } else {
    const model = await collectTree({ ocloud: client, pr: { name: opts.name, namespace: opts.namespace } });
    if (!model.pr) {
      process.stderr.write(`no FocomProvisioningRequest or ProvisioningRequest ${opts.namespace}/${opts.name}\n`);
      process.exit(1);
    }
    lines = renderTree(model);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch(e => {
  process.stderr.write(`describe failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
