/** The render CLI end to end, on the sample inputs in examples/render/. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";

const REPO = path.resolve(__dirname, "../..");
const SAMPLES = path.join(REPO, "examples/render");

function render(file: string) {
  const r = spawnSync("npx", ["tsx", "cli/render.ts", file], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const docsOf = (stdout: string) => yaml.loadAll(stdout) as { kind: string; metadata: { name: string; namespace: string } }[];

jest.setTimeout(120_000);

describe("npm run render", () => {
  test("seed 000's FocomProvisioningRequest (with a VIP) renders every object", () => {
    const r = render("examples/render/edge-focom.yaml");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const docs = docsOf(r.stdout);
    expect(docs.map(d => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        "ByoCluster/edge",
        "ByoMachineTemplate/edge-control-plane",
        "ByoMachineTemplate/edge-worker-4",
        "Cluster/edge",
        "ClusterResourceSet/edge-cni",
        "KubeadmConfigTemplate/edge-workers",
        "KubeadmControlPlane/edge-control-plane",
        "MachineDeployment/edge-worker-4",
      ].sort(),
    );
    expect(docs.every(d => d.metadata.namespace === "default")).toBe(true);
    expect(r.stdout).toContain("{{ .DefaultNetworkInterfaceName }}");
  });

  test("every valid sample renders", () => {
    const valid = fs.readdirSync(SAMPLES).filter(f => f.endsWith(".yaml") && !f.startsWith("invalid"));
    expect(valid.length).toBeGreaterThanOrEqual(3);
    for (const f of valid) {
      const r = render(path.join("examples/render", f));
      expect({ f, status: r.status, stderr: r.stderr }).toEqual({ f, status: 0, stderr: "" });
      expect(docsOf(r.stdout).length).toBeGreaterThan(0);
    }
  });

  test("invalid input: exit 1, nothing on stdout, every violation as <field>: <message> on stderr", () => {
    const r = render("examples/render/invalid.yaml");
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    for (const line of lines) expect(line).toMatch(/^spec\.templateParameters\.\S+: \S/);
    const fields = lines.map(l => l.slice(0, l.indexOf(": ")));
    for (const f of [
      "clusterName",
      "clusterProvisioner",
      "k8sVersion",
      "nodeCount",
      "serviceCIDR",
      "controlPlaneEndpoint",
      "hosts.masters",
      "hosts.masters[1].hostName",
      "hosts.masters[1].hostIp",
      "hosts.workers[0].hostId",
    ]) {
      expect(fields).toContain(`spec.templateParameters.${f}`);
    }
  });

  test("unreadable input and a file without a request fail with a message", () => {
    const missing = render("examples/render/does-not-exist.yaml");
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(/does-not-exist/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
    const empty = path.join(dir, "empty.yaml");
    fs.writeFileSync(empty, "kind: ConfigMap\nmetadata: {name: x}\n");
    const none = render(empty);
    expect(none.status).toBe(1);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(/ProvisioningRequest/);
    fs.rmSync(dir, { recursive: true });
  });
});
