/**
 * The artifacts a user installs, as built (`pepr build` + scripts/post-build.ts): `helm lint` and `helm template` of
 * the chart (helm built from its Go module, scripts/build-helm.sh), then both the rendered chart and the plain
 * manifest applied to a fresh local plane with `kubectl apply --server-side`, which must accept every object and
 * leave the CRDs established and the default ClusterTemplate in place.
 */
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadAll } from "js-yaml";
import { buildModule, ModuleProcess, startModule } from "../../local/module";
import { installCrds } from "../../local/plane/crds";
import { registerHost } from "../../local/sim/hosts";
import { Simulator } from "../../local/sim/simulator";
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { load } from "js-yaml";
import { runLastLine } from "../../local/plane/binaries";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";
import { O2IMS_API_IDENTITY, O2IMS_API_RULES } from "../../o2ims-api/rbac";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
const CHART = path.join(ROOT, "dist", "o-cloud-provisioner-chart");
const MANIFEST = path.join(ROOT, "dist", "pepr-module-o-cloud-provisioner.yaml");
const CRD_COUNT = fs.readdirSync(path.join(ROOT, "api", "crds")).filter(f => f.endsWith(".yaml")).length;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let helm: string;
let rendered: string;

beforeAll(async () => {
  buildModule();
  execFileSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/post-build.ts"], { cwd: ROOT, stdio: "ignore" });
  helm = process.env.OCP_HELM ?? (await runLastLine(path.join(ROOT, "scripts", "build-helm.sh")));
  rendered = (await run(helm, ["template", "ocp", CHART, "--include-crds"], { maxBuffer: 32 << 20 })).stdout;
}, 600_000);

describe("the chart", () => {
  it("passes helm lint", async () => {
    const { stdout } = await run(helm, ["lint", CHART]);
    expect(stdout).toContain("0 chart(s) failed");
    expect(stdout).not.toMatch(/\[(ERROR|WARNING)\]/);
  });

  it("renders the CRDs, the default ClusterTemplate and hardened pods, versioned with the module", () => {
    const docs = (loadAll(rendered) as Obj[]).filter(Boolean);
    expect(docs.filter(d => d.kind === "CustomResourceDefinition")).toHaveLength(CRD_COUNT);
    expect(docs.filter(d => d.kind === "ClusterTemplate").map(d => d.metadata.name)).toEqual(["byoh-workload-cluster.v1"]);
    const deployments = docs.filter(d => d.kind === "Deployment");
    expect(deployments).toHaveLength(3); // admission, watcher, the O2 IMS REST server
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      for (const c of d.spec.template.spec.containers)
        expect(c.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    }
    const chart = fs.readFileSync(path.join(CHART, "Chart.yaml"), "utf8");
    expect(chart).toContain(`appVersion: ${pkg.version}`);
  });

  it("renders the O2 IMS REST server: its own identity from o2ims-api/rbac.ts, a Deployment of the module bundle, Service 8443", () => {
    const docs = (loadAll(rendered) as Obj[]).filter(Boolean);
    const own = docs.filter(d => d.metadata?.labels?.["app.kubernetes.io/component"] === "o2ims-api");
    expect(own.map(d => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      `ClusterRole/${O2IMS_API_IDENTITY}`,
      `ClusterRoleBinding/${O2IMS_API_IDENTITY}`,
      `ConfigMap/${O2IMS_API_IDENTITY}-openapi`,
      `Deployment/${O2IMS_API_IDENTITY}`,
      `Service/${O2IMS_API_IDENTITY}`,
      `ServiceAccount/${O2IMS_API_IDENTITY}`,
    ]);
    const kind = (k: string) => own.find(d => d.kind === k)!;
    expect(kind("ClusterRole").rules).toEqual(O2IMS_API_RULES);
    expect(kind("ClusterRoleBinding").subjects).toEqual([
      { kind: "ServiceAccount", name: O2IMS_API_IDENTITY, namespace: "pepr-system" },
    ]);
    expect(kind("Service").spec.ports).toEqual([{ name: "https", port: 8443, targetPort: 8443 }]);
    expect(Object.keys(kind("ConfigMap").data)).toContain("provisioning.yaml");
    const watcher = docs.find(d => d.kind === "Deployment" && d.metadata.name.endsWith("-watcher"))!;
    const pod = kind("Deployment").spec.template.spec;
    expect(pod.serviceAccountName).toBe(O2IMS_API_IDENTITY);
    const [c] = pod.containers;
    expect(c.image).toBe(watcher.spec.template.spec.containers[0].image);
    expect(c.command.at(-1)).toBe(watcher.spec.template.spec.containers[0].args[1]); // the bundle's hash
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({ OCP_COMPONENT: "o2ims-api", OCP_O2IMS_API_NAMESPACE: "o2ims", OCP_O2IMS_API_PORT: "8443" });
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
    expect(pod.volumes.find((v: Obj) => v.name === "tls").secret.secretName).toBe(`${O2IMS_API_IDENTITY}-tls`);
  });

  it("o2imsApi values: served namespace and TLS Secret, or left out", async () => {
    const opts = { maxBuffer: 32 << 20 };
    const { stdout } = await run(
      helm,
      ["template", "ocp", CHART, "--set", "o2imsApi.namespace=edge", "--set", "o2imsApi.tlsSecretName=my-tls"],
      opts,
    );
    const dep = (loadAll(stdout) as Obj[]).find(d => d?.kind === "Deployment" && d.metadata.name === O2IMS_API_IDENTITY)!;
    const env = Object.fromEntries(dep.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]));
    expect(env.OCP_O2IMS_API_NAMESPACE).toBe("edge");
    expect(dep.spec.template.spec.volumes.find((v: Obj) => v.name === "tls").secret.secretName).toBe("my-tls");
    const off = (await run(helm, ["template", "ocp", CHART, "--set", "o2imsApi.enabled=false"], opts)).stdout;
    expect(off).not.toContain(O2IMS_API_IDENTITY);
  });

  it("can leave the default ClusterTemplate out", async () => {
    const { stdout } = await run(helm, ["template", "ocp", CHART, "--set", "defaultClusterTemplate.enabled=false"], {
      maxBuffer: 32 << 20,
    });
    expect(stdout).not.toContain("kind: ClusterTemplate");
  });
});

describe("installing on a plane", () => {
  let plane: Plane;
  let dir: string;
  beforeAll(async () => {
    plane = await startPlane({ crds: "none" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ocp-chart-"));
  }, 120_000);
  afterAll(async () => {
    await plane?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", plane.kubeconfig, ...args], { maxBuffer: 32 << 20 });

  /** kubectl apply --server-side, retried while the API server has not yet served a CRD applied in the same file. */
  async function apply(file: string): Promise<void> {
    await waitFor(
      async () => {
        try {
          await kubectl("apply", "--server-side", "-f", file);
          return true;
        } catch (e) {
          const msg = String((e as { stderr?: string }).stderr ?? e);
          if (/no matches for kind|ensure CRDs are installed first/.test(msg)) return false;
          throw e;
        }
      },
      { timeoutMs: 60_000, message: `kubectl apply --server-side -f ${path.basename(file)}` },
    );
  }

  it("the built manifest applies, then the rendered chart applies over it, and kubectl finds the kinds", async () => {
    await apply(MANIFEST);
    const chartFile = path.join(dir, "chart.yaml");
    fs.writeFileSync(chartFile, rendered);
    await apply(chartFile);
    for (const crd of ["provisioningrequests.o2ims.provisioning.oran.org", "focomprovisioningrequests.focom.nephio.org"]) {
      await kubectl("wait", "--for=condition=Established", `crd/${crd}`, "--timeout=30s");
    }
    const { stdout: templates } = await kubectl("get", "clustertemplates", "-o", "name");
    expect(templates.trim()).toBe("clustertemplate.o2ims.provisioning.oran.org/byoh-workload-cluster.v1");
    // kubectl conventions: categories and the seed's short names resolve.
    await expect(kubectl("get", "o2ims", "-A")).resolves.toBeDefined();
    await expect(kubectl("get", "focom", "-A")).resolves.toBeDefined();
    await expect(kubectl("get", "focomreq", "-A")).resolves.toBeDefined();
    const { stdout: sa } = await kubectl("get", "serviceaccount", "-n", "pepr-system", "-o", "name");
    expect(sa).toContain("serviceaccount/pepr-o-cloud-provisioner");
    expect(sa).toContain(`serviceaccount/${O2IMS_API_IDENTITY}`);
    // The REST server's identity: reviews and ProvisioningRequests, no Secrets, no cluster objects.
    const canI = async (...args: string[]) =>
      (
        await kubectl("auth", "can-i", ...args, `--as=system:serviceaccount:pepr-system:${O2IMS_API_IDENTITY}`).catch(
          (e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }),
        )
      ).stdout.trim();
    expect(await canI("create", "tokenreviews.authentication.k8s.io")).toBe("yes");
    expect(await canI("create", "subjectaccessreviews.authorization.k8s.io")).toBe("yes");
    expect(await canI("create", "provisioningrequests.o2ims.provisioning.oran.org", "-n", "o2ims")).toBe("yes");
    expect(await canI("get", "secrets", "-n", "pepr-system")).toBe("no");
    expect(await canI("create", "clusters.cluster.x-k8s.io", "-n", "o2ims")).toBe("no");
  });
});

/**
 * The module as installed: after the manifest and chart above, it runs under the ServiceAccount they created (a
 * TokenRequest token, local/module.ts), takes a request to fulfilled, and its identity reads Secrets only in the
 * OCloud namespaces; confused-deputy requests are denied at admission naming the rule.
 */
describe("the module under its own identity, on the installed plane", () => {
  const SA = "system:serviceaccount:pepr-system:pepr-o-cloud-provisioner";
  let plane: Plane;
  let mod: ModuleProcess;
  let sim: Simulator;
  let admin: KubeClient;
  beforeAll(async () => {
    plane = await startPlane({ crds: "none" });
    const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", plane.kubeconfig, ...args], { maxBuffer: 32 << 20 });
    await waitFor(
      async () => {
        try {
          await kubectl("apply", "--server-side", "-f", MANIFEST);
          return true;
        } catch (e) {
          if (/no matches for kind|ensure CRDs are installed first/.test(String((e as { stderr?: string }).stderr))) return false;
          throw e;
        }
      },
      { timeoutMs: 60_000, message: "kubectl apply --server-side of the manifest" },
    );
    await installCrds(plane, "upstream");
    admin = await plane.client("chart-it");
    // The installed webhooks call the module's Service, which has no pods here: the module runs as a local process
    // and startModule registers the same webhooks pointed at it.
    await kubectl("delete", "mutatingwebhookconfiguration,validatingwebhookconfiguration", "pepr-o-cloud-provisioner");
    await admin.apply(R.Namespace, { metadata: { name: "edge" } });
    for (const id of [1, 2])
      await registerHost(admin, { name: `h-${id}`, labels: { "host-id": String(id) }, ip: `10.20.0.${id}` });
    sim = new Simulator(await plane.client("capi-simulator"), { stepDelayMs: 50 });
    await sim.start();
    mod = await startModule({ kubeconfig: plane.kubeconfig, dir: path.join(plane.dir, "module") });
  }, 300_000);
  afterAll(async () => {
    sim?.stop();
    await mod?.stop();
    await plane?.stop();
  });

  const canI = async (...args: string[]) =>
    (
      await run("kubectl", ["--kubeconfig", plane.kubeconfig, "auth", "can-i", ...args, `--as=${SA}`]).catch(
        (e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }),
      )
    ).stdout.trim();

  it("runs with a token of its ServiceAccount, not as admin", async () => {
    const { stdout } = await run("kubectl", [
      "--kubeconfig",
      mod.kubeconfig,
      "auth",
      "whoami",
      "-o",
      "jsonpath={.status.userInfo.username}",
    ]);
    expect(stdout).toBe(SA);
  });

  it("reads Secrets only in the OCloud namespaces (kubectl auth can-i as the ServiceAccount)", async () => {
    expect(await canI("get", "secrets", "-n", "o2ims")).toBe("yes");
    expect(await canI("list", "secrets", "-n", "o2ims")).toBe("yes");
    for (const ns of ["kube-system", "default", "edge", "pepr-system"])
      expect([ns, await canI("get", "secrets", "-n", ns)]).toEqual([ns, "no"]);
    expect(await canI("list", "secrets", "--all-namespaces")).toBe("no");
    expect(await canI("create", "secrets", "-n", "o2ims")).toBe("no");
    expect(await canI("patch", "byohosts.infrastructure.cluster.x-k8s.io", "-n", "default")).toBe("no");
  });

  it("takes a ProvisioningRequest to fulfilled with the installed default ClusterTemplate", async () => {
    await admin.create(R.ProvisioningRequest, {
      apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
      kind: "ProvisioningRequest",
      metadata: { name: "as-installed", namespace: "edge" },
      spec: {
        templateName: "byoh-workload-cluster",
        templateVersion: "v1",
        templateParameters: {
          clusterName: "as-installed",
          k8sVersion: "v1.32.0",
          controlPlaneEndpoint: "10.20.1.1",
          hosts: { masters: [{ hostId: 1, hostName: "h-1" }], workers: [{ hostId: 2, hostName: "h-2" }] },
        },
      },
    });
    type PR = KubeObject & { status?: { provisioningStatus?: { provisioningState?: string } } };
    let last: PR | undefined;
    await waitFor(
      async () => {
        last = await admin.find<PR>(R.ProvisioningRequest, "as-installed", "edge");
        return last?.status?.provisioningStatus?.provisioningState === "fulfilled";
      },
      { timeoutMs: 90_000, message: "ProvisioningRequest edge/as-installed fulfilled" },
    ).catch((e: Error) => {
      throw new Error(`${e.message} (last status: ${JSON.stringify(last?.status)})`);
    });
  });

  it("denies an OCloud whose secretRef names another namespace, naming the rule", async () => {
    const e = await admin
      .create(R.OCloud, {
        metadata: { name: "elsewhere", namespace: "edge" },
        spec: { secretRef: { name: "kc", namespace: "o2ims" } },
      } as KubeObject)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).message).toContain("rule secret-same-namespace");
  });

  it("denies a FocomProvisioningRequest targeting kube-system", async () => {
    await admin.apply(R.OCloud, { metadata: { name: "here", namespace: "edge" }, spec: {} });
    const template = load(
      fs
        .readFileSync(path.join(ROOT, "examples", "seed-000-focom-request.yaml"), "utf8")
        .split(/^---$/m)
        .find(d => /kind: TemplateInfo/.test(d))!,
    ) as KubeObject;
    await admin.apply(R.TemplateInfo, { ...template, metadata: { ...template.metadata, namespace: "edge" } });
    const e = await admin
      .create(R.FocomProvisioningRequest, {
        metadata: { name: "to-kube-system", namespace: "edge" },
        spec: {
          oCloudId: "here",
          oCloudNamespace: "kube-system",
          templateName: "byoh-workload-cluster",
          templateParameters: { clusterName: "ks", hosts: { masters: [{ hostId: 1, hostName: "h-1" }] } },
        },
      } as KubeObject)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).message).toContain("spec.oCloudNamespace: the module ignores namespace kube-system");
  });

  it("ships the O-Cloud identity an SMO's kubeconfig needs: ProvisioningRequests only", async () => {
    await run("kubectl", [
      "--kubeconfig",
      plane.kubeconfig,
      "apply",
      "-f",
      path.join(ROOT, "deploy", "ocloud-kubeconfig-identity.yaml"),
    ]);
    const smo = "system:serviceaccount:pepr-system:o-cloud-provisioner-smo";
    const can = async (...args: string[]) =>
      (
        await run("kubectl", ["--kubeconfig", plane.kubeconfig, "auth", "can-i", ...args, `--as=${smo}`]).catch(
          (e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }),
        )
      ).stdout.trim();
    for (const verb of ["create", "patch", "delete", "watch"])
      expect([verb, await can(verb, "provisioningrequests.o2ims.provisioning.oran.org", "-n", "edge")]).toEqual([verb, "yes"]);
    expect(await can("get", "secrets", "-n", "edge")).toBe("no");
    expect(await can("create", "clusters.cluster.x-k8s.io", "-n", "edge")).toBe("no");
  });

  it("serves the module's metrics on Pepr's /metrics, moved by what the tests above did", async () => {
    const https = await import("node:https");
    const text = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: "127.0.0.1", port: mod.port, path: "/metrics", rejectUnauthorized: false }, res => {
          let body = "";
          res.on("data", c => (body += c));
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    const value = (series: string) => {
      const line = text.split("\n").find(l => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(text).toContain("pepr_validate"); // Pepr's own metrics are still there
    expect(value('ocp_workqueue_adds_total{queue="o2ims"}')).toBeGreaterThan(0);
    expect(value('ocp_workqueue_depth{queue="o2ims"}')).toBeDefined();
    expect(value('ocp_reconcile_duration_seconds_count{controller="o2ims",result="success"}')).toBeGreaterThan(0);
    expect(value('ocp_requests{kind="ProvisioningRequest",state="fulfilled"}')).toBe(1);
    expect(value('ocp_request_time_to_fulfilled_seconds_count{kind="ProvisioningRequest"}')).toBe(1);
    expect(text).toMatch(/^ocp_request_stage_duration_seconds_count\{kind="ProvisioningRequest",stage="[A-Za-z]+"\} [1-9]/m);
    expect(value('ocp_admission_denials_total{kind="OCloud",rule="secret-same-namespace"}')).toBe(1);
    expect(value('ocp_admission_denials_total{kind="FocomProvisioningRequest",rule="namespace-served"}')).toBe(1);
    expect(text).toContain("# TYPE ocp_ocloud_reachable gauge");
    // package.json pepr.env caps the old space (README, Performance: lever 7). V8's limit is the old-space cap plus the
    // young generation (three semi-spaces of up to 16 MiB by default), so it lies between the cap and the cap + 48 MiB
    // only when the cap reached the process (V8's own old-space limit is far above 256 MiB).
    const pepr = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).pepr;
    const capMiB = Number(/--max-old-space-size=(\d+)/.exec(pepr.env.NODE_OPTIONS)![1]);
    const heapLimitMiB = value('ocp_heap_bytes{measure="limit"}')! / 2 ** 20;
    expect(heapLimitMiB).toBeGreaterThanOrEqual(capMiB);
    expect(heapLimitMiB).toBeLessThanOrEqual(capMiB + 48);
  });

  it("is ready (capabilities/health.ts /readyz) with every CRD present and every watch connected", async () => {
    const http = await import("node:http");
    const get = () =>
      new Promise<{ code: number; body: string }>((resolve, reject) => {
        http
          .get({ host: "127.0.0.1", port: mod.readinessPort, path: "/readyz" }, res => {
            let body = "";
            res.on("data", c => (body += c));
            res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
          })
          .on("error", reject);
      });
    let last: { code: number; body: string } | undefined;
    await waitFor(async () => (last = await get()).code === 200, { message: "readyz 200" }).catch((e: Error) => {
      throw new Error(`${e.message}: ${last?.body}`);
    });
  });
});
