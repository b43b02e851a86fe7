/**
 * The `npm start` flow, non-interactively: on a fresh planes directory, `cli/start.ts --until-fulfilled` builds (or
 * reuses) everything, runs both planes and the module, applies the example and exits 0 once it is fulfilled.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

it("runs the local setup to a fulfilled example and stops everything", async () => {
  const planes = fs.mkdtempSync(path.join(os.tmpdir(), "ocp-start-"));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/.bin/tsx"), "cli/start.ts", "--until-fulfilled", "--step-ms", "50"],
    {
      cwd: ROOT,
      env: { ...process.env, OCP_PLANES_DIR: planes },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", d => (stdout += d));
  child.stderr.on("data", d => (stderr += d));
  const code = await new Promise<number | null>(resolve => child.on("exit", resolve));
  if (code !== 0) throw new Error(`npm start exited ${code}\n${stderr}\n${stdout}`);
  expect(stdout).toMatch(/FocomProvisioningRequest o2ims\/edge-cluster-request\s+Synced \(remote fulfilled\)/);
  expect(stdout).toMatch(/ProvisioningRequest o2ims\/edge-cluster-request-o2ims\s+fulfilled/);
  expect(stdout).toMatch(/^SMO_KUBECONFIG=.+admin\.kubeconfig$/m);
  expect(stdout).toMatch(/^OCLOUD_KUBECONFIG=.+admin\.kubeconfig$/m);
  expect(stdout).toMatch(/^O2IMS_API=https:\/\/127\.0\.0\.1:\d+$/m);
  expect(stdout).toMatch(/^O2IMS_API_CA=.+\.crt$/m);
  expect(stderr).toMatch(/create token o2ims-client/);
  expect(stderr).toContain("stopping");
  // Everything it started is gone: no plane directory is left in the fresh planes directory.
  expect(fs.readdirSync(planes)).toEqual([]);
  fs.rmSync(planes, { recursive: true, force: true });
});
