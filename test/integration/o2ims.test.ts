/**
 * The O2IMS capability end to end on a real control plane: the built module (real admission webhooks called by
 * the API server, the watcher in the same process) and the BYOH/CAPI simulator playing the layer below.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { load } from "js-yaml";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { Plane, startPlane } from "../../local/plane/plane";
import { startWebhookServer, validatingWebhookFor } from "../../local/plane/webhook";
import { ModuleProcess, startModule } from "../../local/module";
import { waitFor } from "../../local/plane/wait";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const NS = "o2ims-it";

let plane: Plane;
let client: KubeClient;
let mod: ModuleProcess;
let sim: Simulator;

type PR = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    provisioningStatus?: { provisioningState?: string; provisioningMessage?: string };
    provisionedResourceSet?: { oCloudNodeClusterId?: string; oCloudInfrastructureResourceIds?: string[] };
    stage?: { name: string; since: string };
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
};

const hosts = (masters: number[], workers: number[]) => ({
  masters: masters.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
  workers: workers.map(i => ({ hostId: i, hostName: `target-${i}`, hostIp: `10.10.0.${i}` })),
});

function request(
  name: string,
  clusterName: string,
  masters: number[],
  workers: number[],
  extra: Record<string, unknown> = {},
): PR {
  return {
    apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
    kind: "ProvisioningRequest",
    metadata: { name, namespace: NS },
    spec: {
      name: `${clusterName} cluster`,
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: {
        clusterName,
        k8sVersion: "v1.32.0",
        controlPlaneEndpoint: "10.10.1.1",
        hosts: hosts(masters, workers),
        ...extra,
      },
    },
  };
}

const getPR = (name: string) => client.find<PR>(R.ProvisioningRequest, name, NS);
const stateOf = async (name: string) => (await getPR(name))?.status?.provisioningStatus?.provisioningState;

async function waitState(name: string, state: string, timeoutMs = 60_000): Promise<PR> {
  return waitFor(
    async () => {
      const pr = await getPR(name);
      return pr?.status?.provisioningStatus?.provisioningState === state ? pr : undefined;
    },
    {
      timeoutMs,
      message: `ProvisioningRequest ${name} ${state} (last: ${JSON.stringify((await getPR(name))?.status?.provisioningStatus)})`,
    },
  );
}

/** kubectl apply through the real API server and webhooks; resolves with the exit status and stderr. */
async function kubectlApply(obj: unknown): Promise<{ ok: boolean; stderr: string }> {
  const file = path.join(plane.dir, `apply-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify(obj));
  try {
    await run("kubectl", ["--kubeconfig", plane.kubeconfig, "apply", "-f", file]);
    return { ok: true, stderr: "" };
  } catch (e) {
    return { ok: false, stderr: String((e as { stderr?: string }).stderr ?? e) };
  }
}

const cniConfigMap = (namespace: string, owner?: KubeObject): KubeObject => ({
  metadata: {
    name: "calico-cni",
    namespace,
    ...(owner
      ? { ownerReferences: [{ apiVersion: "v1", kind: "Namespace", name: owner.metadata.name, uid: owner.metadata.uid! }] }
      : {}),
  },
  data: { "calico.yaml": "# a stand-in for the Calico v3.27 manifest\n" },
});

const listOwned = (res: (typeof R)[keyof typeof R], pr: PR) =>
  client.list(res, { namespace: NS, labelSelector: `o2ims.provisioning.oran.org/request-uid=${pr.metadata.uid}` });

beforeAll(async () => {
  plane = await startPlane({ crds: "all" });
  client = await plane.client("o2ims-it");
  const template = load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject;
  await client.apply(R.ClusterTemplate, template);
  // A template with short stage timeouts for the timeout case.
  await client.apply(R.ClusterTemplate, {
    ...template,
    metadata: { name: "byoh-fast.v1" },
    spec: {
      ...(template.spec as object),
      templateName: "byoh-fast",
      timeouts: { hostsSeconds: 4, controlPlaneSeconds: 4, workersSeconds: 4 },
    },
  });
  const ns = await client.apply(R.Namespace, { metadata: { name: NS } });
  // The operator's one-time CNI step (README, CNI). Owned by its Namespace: Cluster API makes each ClusterResourceSet
  // an owner of the ConfigMap, and the garbage collector would delete it with the last request's set otherwise.
  await client.apply(R.ConfigMap, cniConfigMap(NS, ns));
  for (let i = 1; i <= 12; i++)
    await registerHost(client, { name: `target-${i}`, labels: { "host-id": String(i) }, ip: `10.10.0.${i}` });
  // As on a real O-Cloud: no placeholder CNI, a missing ConfigMap keeps the nodes NotReady.
  sim = new Simulator(await plane.client("capi-simulator"), { stepDelayMs: 50, cniPlaceholders: false });
  sim.setFault("target-9", "bootstrap-failure");
  sim.setFault("target-10", { slowMs: 60_000 });
  await sim.start();
  mod = await startModule({
    kubeconfig: plane.kubeconfig,
    dir: path.join(plane.dir, "module"),
    env: { OCP_RESYNC_SECONDS: "30" },
  });
}, 240_000);

afterAll(async () => {
  sim?.stop();
  await mod?.stop();
  await plane?.stop();
});

describe("ProvisioningRequest admission", () => {
  it("denies a bad request through the API server's webhook, naming the field and rule, and creates nothing", async () => {
    const bad = request("bad-even", "bad", [1, 2], []);
    const res = await kubectlApply(bad);
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain("denied the request");
    expect(res.stderr).toMatch(/spec\.templateParameters\.hosts\.masters.*odd/);
    expect(await getPR("bad-even")).toBeUndefined();
    expect(await client.find(R.Cluster, "bad", NS)).toBeUndefined();
  });

  it("denies a host with no registered ByoHost and a host whose pinning label does not match", async () => {
    const unknown = request("bad-host", "badhost", [1], []);
    (unknown.spec.templateParameters as { hosts: ReturnType<typeof hosts> }).hosts.masters[0].hostName = "nowhere";
    const res = await kubectlApply(unknown);
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain('no ByoHost named "nowhere"');
    const mismatch = request("bad-label", "badlabel", [1], []);
    (mismatch.spec.templateParameters as { hosts: ReturnType<typeof hosts> }).hosts.masters[0].hostId = 99;
    const res2 = await kubectlApply(mismatch);
    expect(res2.ok).toBe(false);
    expect(res2.stderr).toContain("has label host-id=1");
    expect(await getPR("bad-host")).toBeUndefined();
    expect(await getPR("bad-label")).toBeUndefined();
  });

  it("denies an unknown template version, listing the known ones", async () => {
    const res = await kubectlApply({
      ...request("bad-tpl", "badtpl", [1], []),
      spec: { ...request("x", "x", [1], []).spec, templateVersion: "v9" },
    });
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain('has no version "v9"; available versions: v1');
  });
});

describe("ProvisioningRequest lifecycle", () => {
  it("provisions a pinned cluster to fulfilled with every object present, owned and labelled", async () => {
    await client.create(R.ProvisioningRequest, request("edge", "edge", [1, 2, 3], [4, 5]));
    const pr = await waitState("edge", "fulfilled");
    const cluster = await client.get(R.Cluster, "edge", NS);
    expect(cluster.metadata.ownerReferences?.map(o => o.uid)).toEqual([pr.metadata.uid]);
    expect(pr.status?.provisionedResourceSet?.oCloudNodeClusterId).toBe(cluster.metadata.uid);
    const hostUids = await Promise.all(
      [1, 2, 3, 4, 5].map(async i => (await client.get(R.ByoHost, `target-${i}`, "default")).metadata.uid!),
    );
    expect(pr.status?.provisionedResourceSet?.oCloudInfrastructureResourceIds).toEqual([...hostUids].sort());
    expect((await listOwned(R.MachineDeployment, pr)).map(m => m.metadata.name).sort()).toEqual([
      "edge-worker-4",
      "edge-worker-5",
    ]);
    expect(await listOwned(R.KubeadmControlPlane, pr)).toHaveLength(1);
    expect(await listOwned(R.ByoCluster, pr)).toHaveLength(1);
    expect(await listOwned(R.ByoMachineTemplate, pr)).toHaveLength(3); // control plane + one per worker
    expect(await listOwned(R.KubeadmConfigTemplate, pr)).toHaveLength(1);
    expect(pr.status?.conditions?.find(c => c.type === "Ready")?.status).toBe("True");
    const events = await client.list(R.Event, { namespace: NS, fieldSelector: `involvedObject.name=edge` });
    expect(events.map(e => (e as unknown as { reason: string }).reason)).toContain("Fulfilled");
  });

  it("scales out and in, deleting the removed worker's objects and releasing its host", async () => {
    const pr = (await getPR("edge"))!;
    const params = pr.spec.templateParameters as { hosts: ReturnType<typeof hosts> };
    await client.mergePatch(R.ProvisioningRequest, "edge", NS, {
      spec: { templateParameters: { hosts: { ...params.hosts, workers: hosts([], [4, 5, 6]).workers } } },
    });
    await waitFor(async () => (await listOwned(R.MachineDeployment, pr)).length === 3, { message: "3 MachineDeployments" });
    await waitState("edge", "fulfilled");
    await client.mergePatch(R.ProvisioningRequest, "edge", NS, {
      spec: { templateParameters: { hosts: { ...params.hosts, workers: hosts([], [5, 6]).workers } } },
    });
    await waitFor(
      async () =>
        (await listOwned(R.MachineDeployment, pr))
          .map(m => m.metadata.name)
          .sort()
          .join() === "edge-worker-5,edge-worker-6",
      { message: "worker 4 removed" },
    );
    const released = await waitFor(
      async () => {
        const h = await client.get(R.ByoHost, "target-4", "default");
        return !(h.status as { machineRef?: unknown }).machineRef ? h : undefined;
      },
      { message: "target-4 released" },
    );
    expect(released.metadata.labels?.["host-id"]).toBe("4");
    expect(await client.find(R.ByoMachineTemplate, "edge-worker-4", NS)).toBeUndefined();
    await waitState("edge", "fulfilled");
  });

  it("rejects a change of an immutable parameter with a message that says so", async () => {
    const pr = (await getPR("edge"))!;
    const res = await kubectlApply({
      ...pr,
      metadata: { name: "edge", namespace: NS },
      status: undefined,
      spec: { ...pr.spec, templateParameters: { ...(pr.spec.templateParameters as object), clusterName: "renamed" } },
    });
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain("immutable");
  });

  it("upgrades the Kubernetes version, control plane then workers", async () => {
    await client.mergePatch(R.ProvisioningRequest, "edge", NS, { spec: { templateParameters: { k8sVersion: "v1.32.4" } } });
    await waitFor(
      async () =>
        (await stateOf("edge")) !== "fulfilled" ||
        ((await client.get(R.KubeadmControlPlane, "edge-control-plane", NS)).spec as { version: string }).version === "v1.32.4",
      { message: "upgrade started" },
    );
    await waitFor(
      async () =>
        ((await client.get(R.KubeadmControlPlane, "edge-control-plane", NS)).status as { version?: string })?.version ===
        "v1.32.4",
      { timeoutMs: 60_000, message: "control plane at v1.32.4" },
    );
    await waitState("edge", "fulfilled");
    const mds = await client.list(R.MachineDeployment, { namespace: NS, labelSelector: "cluster.x-k8s.io/cluster-name=edge" });
    expect(mds.map(m => (m.spec as { template: { spec: { version: string } } }).template.spec.version)).toEqual([
      "v1.32.4",
      "v1.32.4",
    ]);
  });

  it("fails with the reason when a host fails bootstrap", async () => {
    await client.create(R.ProvisioningRequest, request("broken", "broken", [9], []));
    const pr = await waitState("broken", "failed");
    expect(pr.status?.provisioningStatus?.provisioningMessage).toContain("host target-9 failed bootstrap");
    expect(pr.status?.conditions?.find(c => c.type === "Ready")?.reason).toBe("HostBootstrapFailed");
  });

  it("fails with a timeout when a stage takes longer than the template allows", async () => {
    const slow = request("slow", "slow", [10], []);
    slow.spec.templateName = "byoh-fast";
    await client.create(R.ProvisioningRequest, slow);
    const pr = await waitState("slow", "failed", 30_000);
    expect(pr.status?.provisioningStatus?.provisioningMessage).toMatch(/^timed out after 4s in stage ControlPlaneProvisioning/);
  });

  it("finishes the job after the module is killed mid-provisioning, with no duplicate or orphan", async () => {
    sim.setFault("target-11", { slowMs: 3_000 });
    await client.create(R.ProvisioningRequest, request("restart", "restart", [11], [12]));
    await waitFor(() => client.find(R.Cluster, "restart", NS), { message: "Cluster restart created" });
    await mod.stop({ hard: true, keepWebhooks: true });
    await mod.restart();
    const pr = await waitState("restart", "fulfilled", 60_000);
    expect(
      await client.list(R.Cluster, {
        namespace: NS,
        labelSelector: `o2ims.provisioning.oran.org/request-uid=${pr.metadata.uid}`,
      }),
    ).toHaveLength(1);
    expect(await listOwned(R.MachineDeployment, pr)).toHaveLength(1);
    expect(await listOwned(R.KubeadmControlPlane, pr)).toHaveLength(1);
  });

  it("deletes: Cluster first, then the leftovers, hosts released with their pinning labels, finalizer last", async () => {
    const pr = (await getPR("edge"))!;
    await client.delete(R.ProvisioningRequest, "edge", NS);
    await waitFor(async () => (await getPR("edge")) === undefined, { timeoutMs: 60_000, message: "edge deleted" });
    for (const res of [
      R.Cluster,
      R.ByoCluster,
      R.KubeadmControlPlane,
      R.MachineDeployment,
      R.ByoMachineTemplate,
      R.KubeadmConfigTemplate,
    ]) {
      expect(await listOwned(res, pr)).toHaveLength(0);
    }
    for (const i of [1, 2, 3, 5, 6]) {
      const h = await client.get(R.ByoHost, `target-${i}`, "default");
      expect((h.status as { machineRef?: unknown }).machineRef).toBeUndefined();
      expect(h.metadata.labels?.["host-id"]).toBe(String(i));
      expect(h.metadata.labels?.["cluster.x-k8s.io/cluster-name"]).toBeUndefined();
    }
  });
});

type CoreEvent = KubeObject & {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string; uid?: string };
};

describe("a generated object refused by a Cluster API webhook", () => {
  it("fails the request with the denial (condition, Warning Event), then recovers once the webhook allows", async () => {
    // Plays CAPI's KubeadmControlPlane validating webhook, refusing one cluster's control plane as invalid (422).
    const denial =
      'KubeadmControlPlane.controlplane.cluster.x-k8s.io "denied-control-plane" is invalid: spec.kubeadmConfigSpec: ' +
      "Forbidden: this control plane is refused by the test webhook";
    let allow = false;
    const hook = await startWebhookServer(req => {
      const name = req.object?.metadata.name;
      if (name === "webhook-probe") return { allowed: false, message: "the webhook is active" };
      if (!allow && req.operation === "CREATE" && name === "denied-control-plane") {
        return { allowed: false, code: 422, message: denial };
      }
      return { allowed: true };
    });
    const config = validatingWebhookFor(hook, {
      name: "o2ims-it-capi-deny",
      webhookName: "validation.kubeadmcontrolplane.controlplane.cluster.x-k8s.io",
      namespace: NS,
      rules: [
        {
          apiGroups: ["controlplane.cluster.x-k8s.io"],
          apiVersions: ["*"],
          operations: ["CREATE"],
          resources: ["kubeadmcontrolplanes"],
          scope: "Namespaced",
        },
        // A ConfigMap probe tells when the API server has picked the configuration up.
        { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"], scope: "Namespaced" },
      ],
    });
    try {
      await client.apply(R.ValidatingWebhookConfiguration, config);
      await waitFor(
        async () => {
          try {
            await client.create(R.ConfigMap, { metadata: { name: "webhook-probe", namespace: NS } }, { dryRun: true });
            return undefined;
          } catch (e) {
            return e instanceof KubeError && /the webhook is active/.test(e.message) ? true : undefined;
          }
        },
        { message: "the webhook to be called" },
      );

      await client.create(R.ProvisioningRequest, request("denied", "denied", [7], [8]));
      const failed = await waitState("denied", "failed");
      const message = failed.status?.provisioningStatus?.provisioningMessage ?? "";
      expect(message).toContain(`apply of KubeadmControlPlane ${NS}/denied-control-plane was refused (HTTP 422)`);
      expect(message).toContain("denied the request");
      expect(message).toContain(denial);
      const applied = failed.status?.conditions?.find(c => c.type === "Applied");
      expect(applied).toMatchObject({ status: "False", reason: "ApplyRejected", message });
      expect(failed.status?.conditions?.find(c => c.type === "Ready")).toMatchObject({
        status: "False",
        reason: "ApplyRejected",
      });
      expect(await client.find(R.KubeadmControlPlane, "denied-control-plane", NS)).toBeUndefined();
      expect(await client.find(R.Cluster, "denied", NS)).toBeUndefined(); // referrers wait for what they reference

      const events = await waitFor(
        async () => {
          const list = await client.list<CoreEvent>(R.Event, { namespace: NS, fieldSelector: "involvedObject.name=denied" });
          return list.some(e => e.reason === "ApplyRejected") ? list : undefined;
        },
        { message: "an ApplyRejected Event on the request" },
      );
      const warning = events.find(e => e.reason === "ApplyRejected")!;
      expect(warning).toMatchObject({
        type: "Warning",
        message,
        involvedObject: { kind: "ProvisioningRequest", name: "denied", uid: failed.metadata.uid },
      });
      const described = await run("kubectl", [
        "--kubeconfig",
        plane.kubeconfig,
        "describe",
        "provisioningrequest",
        "denied",
        "-n",
        NS,
      ]);
      expect(described.stdout).toMatch(/Warning\s+ApplyRejected/);
      expect(described.stdout).toContain("denied-control-plane");

      // The environment changes (no event reaches the module): the queue's retries with backoff pick it up.
      allow = true;
      const fulfilled = await waitState("denied", "fulfilled", 150_000);
      expect(fulfilled.status?.conditions?.find(c => c.type === "Applied")).toMatchObject({ status: "True", reason: "Applied" });
      expect(fulfilled.status?.stage?.name).toBe("Ready");
    } finally {
      await client.delete(R.ValidatingWebhookConfiguration, config.metadata.name);
      await hook.close();
    }
  }, 240_000);
});

describe("the CNI", () => {
  const CNI_NS = "o2ims-cni"; // a namespace without the calico-cni ConfigMap
  const find = (name: string) => client.find<PR>(R.ProvisioningRequest, name, CNI_NS);
  const crsCondition = async () =>
    (
      (await client.find(R.ClusterResourceSet, "cni-cni", CNI_NS))?.status as
        | { conditions?: Record<string, string>[] }
        | undefined
    )?.conditions?.find(c => c.type === "ResourcesApplied");
  const BINDING = R.ClusterResourceSetBinding;

  it("keeps a request progressing, its status naming the missing ConfigMap and the fix, until it exists; then fulfilled", async () => {
    await client.apply(R.Namespace, { metadata: { name: CNI_NS } });
    await client.create(R.ProvisioningRequest, {
      ...request("cni", "cni", [2], [3]),
      metadata: { name: "cni", namespace: CNI_NS },
    });

    // The first control-plane host is attached and its Node exists (KCP initialized), but it is NotReady.
    await waitFor(
      async () => {
        const kcp = await client.find(R.KubeadmControlPlane, "cni-control-plane", CNI_NS);
        return (kcp?.status as { initialized?: boolean } | undefined)?.initialized === true;
      },
      { timeoutMs: 60_000, message: "KCP cni initialized" },
    );
    // The module sees the ConfigMap missing itself (real Cluster API v1.10 only logs it): the status names it and the
    // command that creates it, with a Warning Event.
    const waiting = await waitFor(
      async () => {
        const pr = await find("cni");
        const ready = pr?.status?.conditions?.find(c => c.type === "Ready");
        return ready?.reason === "CNIResourceMissing" && pr;
      },
      { timeoutMs: 30_000, message: "cni Ready reason CNIResourceMissing" },
    );
    expect(waiting.status?.provisioningStatus?.provisioningState).toBe("progressing");
    expect(waiting.status?.stage?.name).toBe("ControlPlaneProvisioning");
    expect(waiting.status?.provisioningStatus?.provisioningMessage).toBe(
      `control plane 0/1 ready; nodes stay NotReady without the CNI: the ConfigMap calico-cni is missing in namespace ${CNI_NS} ` +
        "on the O-Cloud (the cluster's ClusterResourceSet applies it); create it: " +
        `kubectl -n ${CNI_NS} create configmap calico-cni --from-file=<manifest>.yaml (README, CNI)`,
    );
    expect(waiting.status?.conditions?.find(c => c.type === "Ready")?.message).toBe(
      waiting.status?.provisioningStatus?.provisioningMessage,
    );
    const warnings = await waitFor(
      async () => {
        const events = await client.list(R.Event, { namespace: CNI_NS, fieldSelector: "involvedObject.name=cni" });
        const found = (events as unknown as { type: string; reason: string; message: string }[]).filter(
          e => e.reason === "CNIResourceMissing",
        );
        return found.length > 0 && found;
      },
      { timeoutMs: 10_000, message: "Warning CNIResourceMissing" },
    );
    expect(warnings).toEqual([
      expect.objectContaining({ type: "Warning", message: waiting.status?.provisioningStatus?.provisioningMessage }),
    ]);
    // The simulator reaches the same view a little later (its set is retried once the workload cluster is reachable,
    // the Machine's NodeHealthy once the Node is seen): wait for both, then the request must still not be ready.
    await waitFor(async () => (await crsCondition())?.reason === "RetrievingResourceFailed", {
      timeoutMs: 30_000,
      message: "ClusterResourceSet RetrievingResourceFailed",
    });
    expect(await crsCondition()).toMatchObject({
      status: "False",
      reason: "RetrievingResourceFailed",
      severity: "Warning",
      message: 'configmaps "calico-cni" not found',
    });
    const nodeHealthy = async () => {
      const [m] = await client.list(R.Machine, { namespace: CNI_NS, labelSelector: "cluster.x-k8s.io/cluster-name=cni" });
      return (m?.status as { conditions?: Record<string, string>[] } | undefined)?.conditions?.find(
        c => c.type === "NodeHealthy",
      );
    };
    await waitFor(async () => (await nodeHealthy())?.reason === "NodeConditionsFailed", {
      timeoutMs: 30_000,
      message: "Machine NodeHealthy NodeConditionsFailed",
    });
    expect(await nodeHealthy()).toMatchObject({
      status: "False",
      reason: "NodeConditionsFailed",
      message: "Node condition Ready is False",
    });
    const kcp = await client.get(R.KubeadmControlPlane, "cni-control-plane", CNI_NS);
    expect(kcp.status).toMatchObject({ initialized: true, ready: false, readyReplicas: 0 });
    expect((await find("cni"))?.status?.provisioningStatus).toMatchObject({
      provisioningState: "progressing",
      provisioningMessage: waiting.status?.provisioningStatus?.provisioningMessage,
    });
    const binding = await client.get(BINDING, "cni", CNI_NS);
    expect(binding.spec).toEqual({ clusterName: "cni", bindings: [{ clusterResourceSetName: "cni-cni", resources: [] }] });

    // The operator creates it (no owner this time): applied, Ready, fulfilled.
    await client.create(R.ConfigMap, cniConfigMap(CNI_NS));
    const fulfilled = await waitFor(
      async () => {
        const pr = await find("cni");
        return pr?.status?.provisioningStatus?.provisioningState === "fulfilled" && pr;
      },
      { timeoutMs: 60_000, message: "cni fulfilled" },
    );
    expect(fulfilled.status?.stage?.name).toBe("Ready");
    expect(fulfilled.status?.provisioningStatus?.provisioningMessage).not.toContain("calico-cni");
    expect(await crsCondition()).toMatchObject({ status: "True" });
    const applied = await client.get(BINDING, "cni", CNI_NS);
    expect((applied.spec as { bindings: { resources: Record<string, unknown>[] }[] }).bindings[0].resources).toEqual([
      expect.objectContaining({ kind: "ConfigMap", name: "calico-cni", applied: true, hash: expect.stringMatching(/^sha256:/) }),
    ]);
    const cm = await client.get(R.ConfigMap, "calico-cni", CNI_NS);
    expect(cm.metadata.ownerReferences?.map(o => `${o.kind}/${o.name}`)).toEqual(["ClusterResourceSet/cni-cni"]);

    // Deleting the request deletes its set; the garbage collector then takes the ConfigMap the set co-owned, as on a
    // real O-Cloud (kubernetes-sigs/cluster-api#3399): hence the Namespace owner the README recommends.
    await client.delete(R.ProvisioningRequest, "cni", CNI_NS);
    await waitFor(async () => (await find("cni")) === undefined, { timeoutMs: 60_000, message: "cni deleted" });
    await waitFor(async () => (await client.find(R.ConfigMap, "calico-cni", CNI_NS)) === undefined, {
      timeoutMs: 60_000,
      message: "calico-cni garbage-collected",
    });
    expect(await client.find(BINDING, "cni", CNI_NS)).toBeUndefined();
  }, 180_000);
});
