/**
 * The local control plane behaves like a real cluster for what the project relies on: CRD schemas, server-side
 * apply, the status subresource, watches, finalizers, garbage collection, namespace deletion, admission
 * webhooks, independent side-by-side planes, the upstream CAPI/BYOH CRDs, and the `npm run plane` CLI.
 */
import { ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R, Resource } from "../../kube/resources";
import { repoRoot } from "../../local/plane/binaries";
import { files, PlaneState, readJson } from "../../local/plane/layout";
import { Plane, planeStatus, startPlane, stopPlane } from "../../local/plane/plane";
import { belongsTo } from "../../local/plane/processes";
import { userKubeconfig } from "../../local/plane/users";
import { startWebhookServer, validatingWebhookFor } from "../../local/plane/webhook";
import { waitFor } from "../../local/plane/wait";

// Starting planes takes seconds; the integration project's testTimeout in jest.config.js is not honoured per project.
jest.setTimeout(120_000);

const rbac = (kind: string, plural: string): Resource => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind,
  plural,
  namespaced: true,
});
const Role = rbac("Role", "roles");
const RoleBinding = rbac("RoleBinding", "rolebindings");

/** Resolves with the KubeError a request fails with (and fails the test if it succeeds). */
async function failure(request: Promise<unknown>): Promise<KubeError> {
  const outcome = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof KubeError)) throw new Error(`expected a KubeError, got ${String(outcome)}`);
  return outcome;
}

const gone = (client: KubeClient, res: Resource, name: string, namespace?: string) => async () =>
  (await client.find(res, name, namespace)) === undefined;

const provisioningRequest = (name: string, namespace: string, spec: Record<string, unknown> = {}) => ({
  metadata: { name, namespace },
  spec: { templateName: "byoh-workload-cluster", templateParameters: { clusterName: name }, ...spec },
});

let planeA: Plane; // all CRDs
let planeB: Plane; // no CRDs, started alongside A
let admin: KubeClient;
let nsCounter = 0;

/** A fresh namespace per test keeps the tests independent on the shared plane. */
async function namespace(): Promise<string> {
  const name = `t${++nsCounter}`;
  await admin.create(R.Namespace, { metadata: { name } });
  return name;
}

beforeAll(async () => {
  [planeA, planeB] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "none" })]);
  admin = await planeA.client("ocp-test");
});

afterAll(async () => {
  await Promise.all([planeA?.stop(), planeB?.stop()]);
});

describe("a CRD with a schema", () => {
  it("rejects an unknown field under strict field validation and in server-side apply", async () => {
    const ns = await namespace();
    const withBogus = provisioningRequest("strict", ns, { bogus: true });
    const strict = await failure(
      admin.request("POST", `${admin.path(R.ProvisioningRequest, ns)}?fieldValidation=Strict`, {
        apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
        kind: "ProvisioningRequest",
        ...withBogus,
      }),
    );
    expect(strict.status).toBe(400);
    expect(strict.message).toMatch(/strict decoding error: unknown field "spec\.bogus"/);

    // Apply types the patch against the schema whatever fieldValidation says; the API server answers 500, not
    // 400, for this (kubernetes/kubernetes#139253), so only the message is checked.
    const applied = await failure(admin.apply(R.ProvisioningRequest, withBogus));
    expect(applied.message).toMatch(/\.spec\.bogus: field not declared in schema/);
    expect(await admin.find(R.ProvisioningRequest, "strict", ns)).toBeUndefined();
  });

  it("prunes an unknown field on a plain create, keeping fields under x-kubernetes-preserve-unknown-fields", async () => {
    const ns = await namespace();
    const pr = provisioningRequest("pruned", ns, { bogus: true, templateParameters: { clusterName: "c", extra: 1 } });
    await admin.create(R.ProvisioningRequest, pr);
    const stored = await admin.get<KubeObject & { spec: Record<string, unknown> }>(R.ProvisioningRequest, "pruned", ns);
    expect(stored.spec).not.toHaveProperty("bogus");
    expect(stored.spec.templateParameters).toEqual({ clusterName: "c", extra: 1 });
  });

  it("rejects a value the schema forbids", async () => {
    const ns = await namespace();
    const err = await failure(admin.create(R.ProvisioningRequest, provisioningRequest("empty", ns, { templateName: "" })));
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/spec\.templateName/);
  });
});

describe("RBAC authorization", () => {
  it("forbids a user without a binding until a RoleBinding grants access", async () => {
    const ns = await namespace();
    const jane = await KubeClient.create({ file: await userKubeconfig(planeA, "jane", ["testers"]) });
    const forbidden = await failure(jane.list(R.ConfigMap, { namespace: ns }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.message).toMatch(/User "jane" cannot list resource "configmaps"/);

    await admin.apply(Role, {
      metadata: { name: "read-configmaps", namespace: ns },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    });
    await admin.apply(RoleBinding, {
      metadata: { name: "testers-read-configmaps", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "testers" }],
    });
    await waitFor(() => jane.list(R.ConfigMap, { namespace: ns }), { message: "jane's access through her group" });
    expect((await failure(jane.create(R.ConfigMap, { metadata: { name: "no", namespace: ns } }))).status).toBe(403);
  });
});

describe("o-cloud-provisioner describe", () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(repoRoot, "bin/o-cloud-provisioner.js"), "describe", ...args], {
      cwd: repoRoot,
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  it("reports a request the user may not read as forbidden (403), naming the resource and the user, not as missing", async () => {
    const ns = await namespace();
    const nobody = await userKubeconfig(planeA, "nobody");
    const forbidden = await run("edge", "-n", ns, "--kubeconfig", nobody);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/forbidden \(HTTP 403\)/);
    expect(forbidden.stderr).toMatch(/User "nobody" cannot get resource "focomprovisioningrequests"/);
    expect(forbidden.stderr).not.toMatch(/no FocomProvisioningRequest/);

    // The admin is told that it does not exist.
    const missing = await run("edge", "-n", ns, "--kubeconfig", planeA.kubeconfig);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(`no FocomProvisioningRequest or ProvisioningRequest ${ns}/edge`);
  });
});

describe("server-side apply", () => {
  it("records the field manager and refuses a conflicting manager unless forced", async () => {
    const ns = await namespace();
    const [alice, bob] = await Promise.all([planeA.client("alice"), planeA.client("bob")]);
    const cm = (color: string) => ({ metadata: { name: "ssa", namespace: ns }, data: { color } });

    await alice.apply(R.ConfigMap, cm("red"));
    const applied = await alice.get(R.ConfigMap, "ssa", ns);
    const managers = (applied.metadata.managedFields ?? []) as { manager: string; operation: string; fieldsV1: unknown }[];
    expect(managers).toEqual([
      expect.objectContaining({ manager: "alice", operation: "Apply", fieldsV1: { "f:data": { "f:color": {} } } }),
    ]);

    const conflict = await failure(bob.apply(R.ConfigMap, cm("blue"), { force: false }));
    expect(conflict.status).toBe(409);
    expect(conflict.message).toMatch(/conflict with "alice"/);

    const forced = await bob.apply(R.ConfigMap, cm("blue"), { force: true });
    expect(forced.data).toEqual({ color: "blue" });
    const owners = ((forced.metadata.managedFields ?? []) as { manager: string }[]).map(m => m.manager);
    expect(owners).toContain("bob");
    expect(owners).not.toContain("alice"); // alice lost her only field
  });
});

describe("the status subresource", () => {
  it("changes status through /status only", async () => {
    const ns = await namespace();
    type PR = KubeObject & { spec: { description?: string }; status?: { provisioningStatus?: { provisioningState?: string } } };
    const created = await admin.create<PR>(R.ProvisioningRequest, provisioningRequest("status", ns));

    const statusPatched = await admin.mergePatch<PR>(
      R.ProvisioningRequest,
      "status",
      ns,
      {
        status: { provisioningStatus: { provisioningState: "progressing" } },
      },
      "status",
    );
    expect(statusPatched.status?.provisioningStatus?.provisioningState).toBe("progressing");
    expect(statusPatched.metadata.generation).toBe(created.metadata.generation); // status does not bump generation

    const mainPatched = await admin.mergePatch<PR>(R.ProvisioningRequest, "status", ns, {
      spec: { description: "changed" },
      status: { provisioningStatus: { provisioningState: "failed" } },
    });
    expect(mainPatched.spec.description).toBe("changed");
    expect(mainPatched.status?.provisioningStatus?.provisioningState).toBe("progressing"); // ignored on the main resource
    expect(mainPatched.metadata.generation).toBe((created.metadata.generation ?? 0) + 1);
  });
});

describe("a watch", () => {
  it("sees create, update and delete", async () => {
    const ns = await namespace();
    const events: string[] = [];
    let synced = false;
    const stop = admin.watch(R.ConfigMap, (phase, obj) => obj.metadata.name === "watched" && events.push(phase), {
      namespace: ns,
      onSynced: () => (synced = true),
    });
    try {
      await waitFor(() => synced, { message: "the watch's initial list" });
      await admin.create(R.ConfigMap, { metadata: { name: "watched", namespace: ns }, data: { v: "1" } });
      await waitFor(() => events.includes("ADDED"), { message: "ADDED" });
      await admin.mergePatch(R.ConfigMap, "watched", ns, { data: { v: "2" } });
      await waitFor(() => events.includes("MODIFIED"), { message: "MODIFIED" });
      await admin.delete(R.ConfigMap, "watched", ns);
      await waitFor(() => events.includes("DELETED"), { message: "DELETED" });
      expect(events).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    } finally {
      stop();
    }
  });
});

describe("a finalizer", () => {
  it("blocks deletion until it is removed", async () => {
    const ns = await namespace();
    const finalizer = "test.ocp.local/hold";
    await admin.create(R.ConfigMap, { metadata: { name: "held", namespace: ns, finalizers: [finalizer] } });
    await admin.delete(R.ConfigMap, "held", ns);

    const held = await admin.get(R.ConfigMap, "held", ns); // without the finalizer this would be 404 already
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.metadata.finalizers).toEqual([finalizer]);

    await admin.jsonPatch(R.ConfigMap, "held", ns, [
      { op: "test", path: "/metadata/finalizers/0", value: finalizer },
      { op: "remove", path: "/metadata/finalizers/0" },
    ]);
    await waitFor(gone(admin, R.ConfigMap, "held", ns), { message: "the ConfigMap to go once its finalizer is removed" });
  });
});

describe("the garbage collector", () => {
  const dependentOf = (owner: KubeObject, name: string, ns: string) => ({
    metadata: {
      name,
      namespace: ns,
      ownerReferences: [
        { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name, uid: owner.metadata.uid! },
      ],
    },
  });

  it("deletes the dependents of a deleted owner", async () => {
    const ns = await namespace();
    const owner = await admin.create(R.ConfigMap, { metadata: { name: "owner", namespace: ns } });
    await admin.create(R.ConfigMap, dependentOf({ ...owner, apiVersion: "v1", kind: "ConfigMap" }, "dependent", ns));
    await admin.delete(R.ConfigMap, "owner", ns);
    await waitFor(gone(admin, R.ConfigMap, "dependent", ns), { timeoutMs: 60_000, message: "GC of the dependent" });
  });

  it("deletes the dependents of a deleted custom resource", async () => {
    const ns = await namespace();
    const owner = await admin.create(R.ProvisioningRequest, provisioningRequest("owner", ns));
    const typed = { ...owner, apiVersion: "o2ims.provisioning.oran.org/v1alpha1", kind: "ProvisioningRequest" };
    await admin.create(R.ConfigMap, dependentOf(typed, "owned-by-pr", ns));
    await admin.delete(R.ProvisioningRequest, "owner", ns);
    await waitFor(gone(admin, R.ConfigMap, "owned-by-pr", ns), { timeoutMs: 60_000, message: "GC of the PR's dependent" });
  });
});

describe("namespace deletion", () => {
  it("removes the namespace's contents, custom resources included", async () => {
    const ns = await namespace();
    await admin.create(R.ConfigMap, { metadata: { name: "content", namespace: ns } });
    await admin.create(R.ProvisioningRequest, provisioningRequest("content", ns));
    await admin.delete(R.Namespace, ns);
    // The namespace controller empties it and then drops its "kubernetes" finalizer.
    await waitFor(gone(admin, R.Namespace, ns), { timeoutMs: 60_000, message: `namespace ${ns} to be deleted` });
    expect(await admin.list(R.ProvisioningRequest, { namespace: ns })).toEqual([]);
    expect(await admin.list(R.ConfigMap, { namespace: ns })).toEqual([]);
  });
});

describe("an admission webhook over TLS on loopback", () => {
  it("is called by the API server and can deny a request", async () => {
    const ns = await namespace();
    const hook = await startWebhookServer(req =>
      req.object?.metadata.labels?.deny === "true"
        ? { allowed: false, message: "denied by the test webhook" }
        : { allowed: true },
    );
    const config = validatingWebhookFor(hook, {
      name: `deny-${ns}`,
      webhookName: "deny.test.ocp.local",
      namespace: ns,
      rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"], scope: "Namespaced" }],
    });
    try {
      await admin.apply(R.ValidatingWebhookConfiguration, config);
      const denied = { metadata: { name: "denied", namespace: ns, labels: { deny: "true" } } };
      // The API server picks the configuration up asynchronously: dry runs (no side effects) until it denies.
      const err = await waitFor(() => failure(admin.create(R.ConfigMap, denied, { dryRun: true })), {
        message: "the webhook to deny a dry-run create",
      });
      expect(err.status).toBe(403);
      expect(err.message).toMatch(/denied by the test webhook/);
      await expect(admin.create(R.ConfigMap, denied)).rejects.toMatchObject({ status: 403 });
      expect(await admin.find(R.ConfigMap, "denied", ns)).toBeUndefined();

      await admin.create(R.ConfigMap, { metadata: { name: "allowed", namespace: ns } });
      const seen = hook.requests.filter(r => !r.dryRun).map(r => [r.operation, r.namespace, r.name]);
      expect(seen).toEqual([
        ["CREATE", ns, "denied"],
        ["CREATE", ns, "allowed"],
      ]);
    } finally {
      await admin.delete(R.ValidatingWebhookConfiguration, config.metadata.name);
      await hook.close();
    }
  });
});

describe("two planes", () => {
  it("run at once, independently", async () => {
    expect(planeB.server).not.toBe(planeA.server);
    expect(planeB.dir).not.toBe(planeA.dir);
    const b = await planeB.client("ocp-test");
    await admin.create(R.ConfigMap, { metadata: { name: "only-in-a", namespace: "default" } });
    expect(await b.find(R.ConfigMap, "only-in-a", "default")).toBeUndefined();
    expect(await b.find(R.CustomResourceDefinition, "provisioningrequests.o2ims.provisioning.oran.org")).toBeUndefined();

    // Each plane has its own CA: A's admin credentials are worthless against B.
    const crossed = fs.readFileSync(planeA.kubeconfig, "utf8").replace(planeA.server, planeB.server);
    const intruder = await KubeClient.create({ text: crossed });
    await expect(intruder.get(R.Namespace, "default")).rejects.toThrow();
  });
});

describe("the upstream CRDs", () => {
  it("are installed without conversion webhooks and accept a v1beta1 Cluster", async () => {
    type Crd = KubeObject & { spec: { conversion?: { strategy: string } } };
    const crds = await admin.list<Crd>(R.CustomResourceDefinition);
    const names = crds.map(c => c.metadata.name);
    for (const expected of [
      "clusters.cluster.x-k8s.io",
      "machinedeployments.cluster.x-k8s.io",
      "kubeadmcontrolplanes.controlplane.cluster.x-k8s.io",
      "kubeadmconfigtemplates.bootstrap.cluster.x-k8s.io",
      "byoclusters.infrastructure.cluster.x-k8s.io",
      "byohosts.infrastructure.cluster.x-k8s.io",
      "k8sinstallerconfigtemplates.infrastructure.cluster.x-k8s.io",
    ])
      expect(names).toContain(expected);
    for (const crd of crds) expect(crd.spec.conversion?.strategy ?? "None").toBe("None");

    const ns = await namespace();
    await admin.apply(R.ByoCluster, {
      metadata: { name: "c1", namespace: ns },
      spec: { controlPlaneEndpoint: { host: "10.0.0.10", port: 6443 } },
    });
    const cluster = await admin.apply(R.Cluster, {
      metadata: { name: "c1", namespace: ns },
      spec: {
        clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] } },
        infrastructureRef: { apiVersion: "infrastructure.cluster.x-k8s.io/v1beta1", kind: "ByoCluster", name: "c1" },
      },
    });
    expect(cluster.apiVersion).toBe("cluster.x-k8s.io/v1beta1");
    expect(cluster.metadata.uid).toBeDefined();
  });
});

describe("npm run plane", () => {
  const run = promisify(execFile);
  const tsx = path.join(repoRoot, "node_modules/.bin/tsx");
  const name = `cli-${process.pid}`;
  const cli = (...args: string[]) => run(tsx, ["cli/plane.ts", ...args, "--name", name], { cwd: repoRoot });
  let owner: ChildProcess; // stands in for a test run that owns the plane and then crashes

  beforeAll(() => {
    owner = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
  });

  afterAll(async () => {
    owner.kill("SIGKILL");
    await stopPlane(name);
  });

  it("up prints KUBECONFIG last, status reports the plane, stop/start one component, down stops it and removes its directory", async () => {
    const up = await cli("up", "--crds", "project", "--owner", String(owner.pid));
    const last = up.stdout.trim().split("\n").pop()!;
    expect(last).toMatch(/^KUBECONFIG=/);
    const kubeconfig = last.slice("KUBECONFIG=".length);
    const client = await KubeClient.create({ file: kubeconfig });
    expect(await client.find(R.CustomResourceDefinition, "provisioningrequests.o2ims.provisioning.oran.org")).toBeDefined();

    const status = await cli("status");
    expect(status.stdout).toMatch(new RegExp(`plane ${name}: running`));
    expect(status.stdout).toContain(kubeconfig);

    // An outage by hand: stop the API server, the plane stays up; start it again on the same port and data.
    const stopped = await cli("stop", "kube-apiserver");
    expect(stopped.stdout).toMatch(/kube-apiserver stopped/);
    await expect(client.request("GET", "/readyz")).rejects.toBeDefined();
    expect((await cli("status")).stdout).toMatch(new RegExp(`plane ${name}: running`));
    await cli("start", "kube-apiserver");
    expect(await client.find(R.CustomResourceDefinition, "provisioningrequests.o2ims.provisioning.oran.org")).toBeDefined();
    await expect(cli("stop", "kubelet")).rejects.toMatchObject({ code: 2 });

    const dir = planeStatus(name)!.dir;
    const pids = Object.values(readJson<PlaneState>(files(dir).state)!.pids);
    expect(pids).toHaveLength(3);
    await cli("down");
    expect(fs.existsSync(dir)).toBe(false);
    expect(pids.filter(pid => belongsTo(pid, dir))).toEqual([]);
    await expect(cli("status")).rejects.toMatchObject({ code: 1 });
  });

  it("leaves no process behind when its owner dies", async () => {
    await cli("up", "--crds", "none", "--owner", String(owner.pid));
    const dir = planeStatus(name)!.dir;
    const state = readJson<PlaneState>(files(dir).state)!;
    const pids = [state.supervisorPid, ...Object.values(state.pids)];
    owner.kill("SIGKILL"); // no clean-up code of the owner runs
    await waitFor(() => pids.every(pid => !belongsTo(pid, dir)) && !fs.existsSync(dir), {
      timeoutMs: 15_000,
      message: "the supervisor to end the plane after its owner died",
    });
  });
});
