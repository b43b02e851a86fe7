/**
 * `npm start`: the built-in local setup. Two real control planes (SMO and O-Cloud) built from Go modules, this
 * project's CRDs plus the upstream CAPI/BYOH ones, the built module running against each plane with real admission
 * webhooks, the BYOH/CAPI simulator with a small host fleet on the O-Cloud, and the example request, shown as a
 * live tree until it is fulfilled, and the O2 IMS REST API of the O-Cloud (the built bundle under its own
 * ServiceAccount, TLS) with a client ServiceAccount to call it with. Everything stops on Ctrl-C / SIGTERM.
 *
 *   npm start                      run, apply the example, keep running
 *   npm start -- --no-example      run, apply nothing
 *   npm start -- --until-fulfilled exit 0 once the example is fulfilled (non-zero with the reason otherwise)
 *   npm start -- --transport rest  FOCOM reaches the O-Cloud over its O2 IMS REST API (no O-Cloud kubeconfig on the SMO)
 *   npm start -- --help            the flags (starts nothing)
 */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { KubeClient, KubeObject } from "../kube/client";
import { numberFlag, parseCommand } from "../kube/command-line";
import { R } from "../kube/resources";
import { startPlane, Plane } from "../local/plane/plane";
import { startModule, ModuleProcess } from "../local/module";
import { O2imsApiProcess, startO2imsApi } from "../local/o2ims-api";
import { declareRestOCloud } from "../local/ocloud-rest";
import { registerFleet } from "../local/sim/hosts";
import { Simulator } from "../local/sim/simulator";
import { collectTree, renderTree } from "./tree";

const ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: o-cloud-provisioner start [flags]   (npm start -- [flags])

Runs the built-in local setup: SMO and O-Cloud control planes, the module against each, a simulated BYOH host
fleet, the O-Cloud's O2 IMS REST API, and the example request shown as a live tree. Ctrl-C stops everything.
Prints SMO_KUBECONFIG=, OCLOUD_KUBECONFIG=, O2IMS_API= and O2IMS_API_CA= lines.

  --no-example           start everything and apply nothing
  --until-fulfilled      exit 0 once the example is fulfilled (non-zero with the reason otherwise), stopping all
  --request FILE         the FocomProvisioningRequest to apply (default examples/quickstart-request.yaml)
  --transport T          how FOCOM reaches the O-Cloud: kubeconfig (an OCloud kubeconfig Secret on the SMO,
                         default) or rest (the O-Cloud's O2 IMS REST API with a bearer token; no kubeconfig)
  --hosts N              simulated hosts (default 6)
  --timeout S            seconds to wait for the request (default 300)
  --step-ms MS           the simulator's delay per step (default 400)
  -h, --help             this text`;

// Parsed before anything starts: --help and a mistake exit here.
const { values } = parseCommand(process.argv.slice(2), {
  usage: USAGE,
  options: {
    "no-example": { type: "boolean" },
    "until-fulfilled": { type: "boolean" },
    request: { type: "string" },
    hosts: { type: "string" },
    timeout: { type: "string" },
    "step-ms": { type: "string" },
    transport: { type: "string" },
  },
});
const transport = values.transport ?? "kubeconfig";
if (transport !== "kubeconfig" && transport !== "rest") {
  process.stderr.write(`--transport: must be kubeconfig or rest, not ${transport}\n${USAGE}\n`);
  process.exit(2);
}
const untilFulfilled = values["until-fulfilled"] ?? false;
const noExample = values["no-example"] ?? false;
const timeoutSeconds = numberFlag(USAGE, "timeout", values.timeout, 300, { min: 1, integer: false });
const hostCount = numberFlag(USAGE, "hosts", values.hosts, 6, { min: 0 });
const stepMs = numberFlag(USAGE, "step-ms", values["step-ms"], 400, { min: 0 });
const requestFile = path.resolve(values.request ?? path.join(ROOT, "examples/quickstart-request.yaml"));
const NS = "o2ims";

const started = Date.now();
const stage = (msg: string) =>
  process.stderr.write(`[start ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);

interface Running {
  planes: Plane[];
  modules: ModuleProcess[];
  sim?: Simulator;
  api?: O2imsApiProcess;
}
const running: Running = { planes: [], modules: [] };

async function shutdown(code: number): Promise<never> {
  stage("stopping");
  running.sim?.stop();
  await running.api?.stop().catch(() => undefined);
  await Promise.allSettled(running.modules.map(m => m.stop()));
  await Promise.allSettled(running.planes.map(p => p.stop()));
  process.exit(code);
}

/** The FOCOM-side TemplateInfo describing an O-Cloud ClusterTemplate (same schema and defaults). */
function templateInfoFor(template: KubeObject): KubeObject {
  const spec = template.spec as { templateName: string; templateVersion: string; parameterSchema: unknown; defaults: unknown };
  return {
    metadata: { name: spec.templateName, namespace: NS },
    spec: {
      templateName: spec.templateName,
      templateVersion: spec.templateVersion,
      templateParameterSchema: spec.parameterSchema,
      templateParameterDefaults: spec.defaults,
    },
  };
}

async function main() {
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void shutdown(0));
  stage(
    "starting the SMO and O-Cloud control planes (the first run builds kube-apiserver, etcd and kube-controller-manager from Go modules: several minutes)",
  );
  const [smo, ocloud] = await Promise.all([
    startPlane({ name: `smo-${process.pid}` }),
    startPlane({ name: `ocloud-${process.pid}` }),
  ]);
  running.planes.push(smo, ocloud);
  const smoClient = await smo.client("quickstart");
  const ocloudClient = await ocloud.client("quickstart");

  stage("installing the default ClusterTemplate and TemplateInfo");
  const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject;
  await ocloudClient.apply(R.ClusterTemplate, template);
  for (const c of [smoClient, ocloudClient]) await c.apply(R.Namespace, { metadata: { name: NS } });
  await smoClient.apply(R.TemplateInfo, templateInfoFor(template));
  if (transport === "kubeconfig") {
    stage("declaring OCloud edge-ocloud with a kubeconfig Secret (--transport rest: over O2 IMS REST instead)");
    await smoClient.apply(R.Secret, {
      metadata: { name: "edge-cluster-kubeconfig", namespace: NS },
      type: "Opaque",
      stringData: { kubeconfig: fs.readFileSync(ocloud.kubeconfig, "utf8") },
    } as KubeObject);
    await smoClient.apply(R.OCloud, {
      metadata: { name: "edge-ocloud", namespace: NS },
      spec: { endpoint: ocloud.server, secretRef: { name: "edge-cluster-kubeconfig", namespace: NS } },
    });
  }

  stage(`starting the BYOH/CAPI simulator with ${hostCount} hosts (host-1 .. host-${hostCount}, label host-id=1..${hostCount})`);
  await registerFleet(ocloudClient, hostCount, { prefix: "host-", namespace: "default" });
  running.sim = new Simulator(await ocloud.client("capi-simulator"), { stepDelayMs: stepMs });
  await running.sim.start();

  stage("building the module (npx pepr build, cached) and running it against both planes");
  // Admission and watcher in two processes each, as Pepr deploys them (local/module.ts split).
  const [smoModule, ocloudModule] = await Promise.all([
    startModule({ kubeconfig: smo.kubeconfig, dir: path.join(smo.dir, "module"), split: true }),
    startModule({ kubeconfig: ocloud.kubeconfig, dir: path.join(ocloud.dir, "module"), split: true }),
  ]);
  running.modules.push(smoModule, ocloudModule);
  stage(`module logs: ${smoModule.logFile} and ${ocloudModule.logFile}`);

  stage("starting the O-Cloud's O2 IMS REST API (the built bundle, its own ServiceAccount, TLS)");
  running.api = await startO2imsApi({ kubeconfig: ocloud.kubeconfig, dir: path.join(ocloud.dir, "o2ims-api"), namespace: NS });
  await apiClientIdentity(ocloudClient);
  stage(`O2 IMS REST API log: ${running.api.logFile}`);
  if (transport === "rest") {
    stage("declaring OCloud edge-ocloud over O2 IMS REST: a bearer token of the SMO's REST identity, no kubeconfig");
    await declareRestOCloud({ ocloudAdmin: ocloudClient, smo: smoClient, api: running.api, name: "edge-ocloud", namespace: NS });
  }

  if (noExample) {
    printKubeconfigs(smo, ocloud, running.api);
    stage("ready; nothing applied (--no-example). Ctrl-C stops everything.");
    return;
  }
  const request = load(fs.readFileSync(requestFile, "utf8")) as KubeObject;
  stage(`applying ${path.relative(process.cwd(), requestFile)}`);
  await smoClient.create(R.FocomProvisioningRequest, request);
  const outcome = await follow(smoClient, ocloudClient, request);
  printKubeconfigs(smo, ocloud, running.api);
  if (untilFulfilled) return shutdown(outcome.ok ? 0 : 1);
  stage("fulfilled; everything keeps running. Ctrl-C stops it.");
}

const API_CLIENT = "o2ims-client";

/**
 * A ServiceAccount to call the O2 IMS REST API with (the API asks the cluster's RBAC on every call): full use of
 * ProvisioningRequests and O2 IMS subscriptions, reads of what the inventory shows (ByoHosts, Clusters, Namespaces).
 */
async function apiClientIdentity(client: KubeClient) {
  const rbac = (kind: string, plural: string, namespaced = false) => ({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind,
    plural,
    namespaced,
  });
  await client.apply(
    { group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true },
    {
      metadata: { name: API_CLIENT, namespace: NS },
    },
  );
  await client.apply(rbac("ClusterRole", "clusterroles"), {
    metadata: { name: API_CLIENT },
    rules: [
      { apiGroups: [R.ProvisioningRequest.group], resources: ["provisioningrequests", "o2imssubscriptions"], verbs: ["*"] },
      { apiGroups: [R.ByoHost.group, R.Cluster.group], resources: ["byohosts", "clusters"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    ],
  } as KubeObject);
  await client.apply(rbac("ClusterRoleBinding", "clusterrolebindings"), {
    metadata: { name: API_CLIENT },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: API_CLIENT },
    subjects: [{ kind: "ServiceAccount", name: API_CLIENT, namespace: NS }],
  } as KubeObject);
}

function printKubeconfigs(smo: Plane, ocloud: Plane, api?: O2imsApiProcess) {
  process.stdout.write(`SMO_KUBECONFIG=${smo.kubeconfig}\nOCLOUD_KUBECONFIG=${ocloud.kubeconfig}\n`);
  if (!api) return;
  process.stdout.write(`O2IMS_API=${api.url}\nO2IMS_API_CA=${api.caFile}\n`);
  stage(
    `call the O2 IMS REST API with a token: TOKEN=$(kubectl --kubeconfig ${ocloud.kubeconfig} -n ${NS} create token ${API_CLIENT}); ` +
      `curl --cacert ${api.caFile} -H "Authorization: Bearer $TOKEN" ${api.url}/o2ims-infrastructureProvisioning/v1/provisioningRequests`,
  );
}

/** Redraws the tree on every change (and each second, for elapsed times) until fulfilled, failed or timed out. */
async function follow(smo: KubeClient, ocloud: KubeClient, request: KubeObject): Promise<{ ok: boolean }> {
  const tty = process.stdout.isTTY;
  const deadline = Date.now() + timeoutSeconds * 1000;
  let drawn = 0;
  let last = "";
  for (;;) {
    const model = await collectTree({
      smo,
      ocloud,
      fpr: { name: request.metadata.name, namespace: request.metadata.namespace ?? NS },
    });
    const lines = renderTree(model);
    const text = lines.join("\n");
    if (tty) {
      process.stdout.write(`${drawn ? `\x1b[${drawn}A\x1b[J` : ""}${text}\n`);
      drawn = lines.length;
    } else if (text.replace(/\s+\d+[hms]\d*[ms]?\s*$/gm, "") !== last.replace(/\s+\d+[hms]\d*[ms]?\s*$/gm, "")) {
      process.stdout.write(`${text}\n\n`);
    }
    last = text;
    const fpr = model.fpr?.status as
      | { phase?: string; message?: string; remoteState?: { provisioningState?: string } }
      | undefined;
    if (fpr?.phase === "Synced" && fpr.remoteState?.provisioningState === "fulfilled") return { ok: true };
    if (fpr?.phase === "Failed") {
      stage(`failed: ${fpr.message ?? "see the tree above"}`);
      return { ok: false };
    }
    if (Date.now() > deadline) {
      stage(`timed out after ${timeoutSeconds}s: ${fpr?.message ?? "no status yet"}`);
      return { ok: false };
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

main().catch(async e => {
  process.stderr.write(`start failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  await shutdown(1);
});
