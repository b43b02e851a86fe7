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
import { buildModule } from "../../local/module";
import { runLastLine } from "../../local/plane/binaries";
import { Plane, startPlane } from "../../local/plane/plane";
import { waitFor } from "../../local/plane/wait";

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
    expect(deployments).toHaveLength(2);
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      for (const c of d.spec.template.spec.containers)
        expect(c.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    }
    const chart = fs.readFileSync(path.join(CHART, "Chart.yaml"), "utf8");
    expect(chart).toContain(`appVersion: ${pkg.version}`);
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
  });
});
