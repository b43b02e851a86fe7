/**
 * `o-cloud-provisioner describe <name> [-n namespace] [--kubeconfig file] [--context name]`: the request tree of a
 * FocomProvisioningRequest (following its OCloud's kubeconfig Secret to the O-Cloud) or of a ProvisioningRequest,
 * like `clusterctl describe`. A request the user may not read is reported as forbidden (403), not as missing.
 */
import { kubeconfigProblem } from "../capabilities/focom/kubeconfig";
import { isForbidden, KubeClient } from "../kube/client";
import { KUBE_FLAGS, KUBE_FLAGS_USAGE, parseCommand } from "../kube/command-line";
import { R } from "../kube/resources";
import { collectTree, renderTree } from "./tree";

const USAGE = `usage: o-cloud-provisioner describe <focomprovisioningrequest | provisioningrequest> [flags]

Prints the request tree (FocomProvisioningRequest -> ProvisioningRequest -> Cluster -> control plane and worker
pools -> hosts) with phases and ages. A FocomProvisioningRequest's O-Cloud is reached with the kubeconfig in its
OCloud's Secret. Exit 1 when the request does not exist or cannot be read.

${KUBE_FLAGS_USAGE}
  -h, --help             this text`;

const FIELD_MANAGER = "o-cloud-provisioner-describe";

async function main(): Promise<number> {
  const { values, positionals } = parseCommand(process.argv.slice(2), {
    usage: USAGE,
    options: KUBE_FLAGS,
    positionals: { min: 1, max: 1, name: "the name of a request" },
  });
  const name = positionals[0];
  const client = await KubeClient.create({ file: values.kubeconfig, context: values.context, fieldManager: FIELD_MANAGER });
  const namespace = values.namespace ?? client.namespace ?? "default";
  try {
    process.stdout.write(`${(await describe(client, name, namespace)).join("\n")}\n`);
    return 0;
  } catch (e) {
    if (!isForbidden(e)) throw e;
    // The API server's message names the resource and the user it authenticated ("User \"x\" cannot get ...").
    const who = /\bUser "/.test(e.message) || !client.user ? "" : ` (kubeconfig user "${client.user}")`;
    process.stderr.write(`describe: forbidden (HTTP 403): ${e.message}${who}\n`);
    return 1;
  }
}

async function describe(client: KubeClient, name: string, namespace: string): Promise<string[]> {
  const fpr = await client.find(R.FocomProvisioningRequest, name, namespace);
  if (!fpr) {
    const model = await collectTree({ ocloud: client, pr: { name, namespace } });
    if (!model.pr) throw new Error(`no FocomProvisioningRequest or ProvisioningRequest ${namespace}/${name}`);
    return renderTree(model);
  }
  const ocloudId = (fpr.spec as { oCloudId?: string }).oCloudId;
  const ocloud = ocloudId ? await client.find(R.OCloud, ocloudId, namespace) : undefined;
  const ref = (ocloud?.spec as { secretRef?: { name: string; namespace?: string } } | undefined)?.secretRef;
  let remote = client;
  if (ref) {
    const where = `Secret ${ref.namespace ?? namespace}/${ref.name}`;
    const secret = await client.get(R.Secret, ref.name, ref.namespace ?? namespace);
    const data = (secret as { data?: Record<string, string> }).data?.kubeconfig;
    if (!data) throw new Error(`${where} has no key kubeconfig`);
    const text = Buffer.from(data, "base64").toString("utf8");
    // The same screening as the module: whoever wrote the Secret must not make this command run or read anything.
    const problem = kubeconfigProblem(text);
    if (problem) throw new Error(`the kubeconfig in ${where} ${problem}`);
    remote = await KubeClient.create({ text, fieldManager: FIELD_MANAGER });
  }
  return renderTree(await collectTree({ smo: client, ocloud: remote, fpr: { name, namespace } }));
}

// Exit explicitly: keep-alive sockets would hold the event loop open.
main().then(
  code => process.exit(code),
  e => {
    process.stderr.write(`describe: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
