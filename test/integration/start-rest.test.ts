/**
 * `npm start -- --transport rest --until-fulfilled`: the local setup with FOCOM reaching the O-Cloud through its
 * O2 IMS REST API (a bearer token on the SMO, no kubeconfig Secret of the O-Cloud) reaches a fulfilled example.
 * test/integration/focom.test.ts (its REST scenarios) asserts, on live planes, that no Secret of the SMO plane holds a kubeconfig.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

it("runs the local setup over O2 IMS REST to a fulfilled example, declaring no kubeconfig Secret", async () => {
  const planes = fs.mkdtempSync(path.join(os.tmpdir(), "ocp-start-rest-"));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/.bin/tsx"), "cli/start.ts", "--until-fulfilled", "--step-ms", "50", "--transport", "rest"],
    { cwd: ROOT, env: { ...process.env, OCP_PLANES_DIR: planes }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", d => (stdout += d));
  child.stderr.on("data", d => (stderr += d));
  const code = await new Promise<number | null>(resolve => child.on("exit", resolve));
  if (code !== 0) throw new Error(`npm start --transport rest exited ${code}\n${stderr}\n${stdout}`);
  expect(stdout).toMatch(/FocomProvisioningRequest o2ims\/edge-cluster-request\s+Synced \(remote fulfilled\)/);
  expect(stderr).toContain("declaring OCloud edge-ocloud over O2 IMS REST");
  expect(stderr).not.toContain("with a kubeconfig Secret");
  expect(fs.readdirSync(planes)).toEqual([]);
  fs.rmSync(planes, { recursive: true, force: true });
});
