/** Locates etcd, kube-apiserver and kube-controller-manager: OCP_BIN_DIR, else KUBEBUILDER_ASSETS, else a build. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager"] as const;
export const repoRoot = path.resolve(__dirname, "../..");

const hasAll = (dir: string) =>
  BINARIES.every(b => {
    try {
      fs.accessSync(path.join(dir, b), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

let building: Promise<string> | undefined;

export function binDir(): Promise<string> {
  const explicit = process.env.OCP_BIN_DIR;
  if (explicit) {
    if (!hasAll(explicit)) return Promise.reject(new Error(`OCP_BIN_DIR=${explicit} lacks one of ${BINARIES.join(", ")}`));
    return Promise.resolve(explicit);
  }
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && hasAll(assets)) return Promise.resolve(assets);
  // One build per process even when several planes start at once; the script's own lock covers other processes.
  building ??= runLastLine(path.join(repoRoot, "scripts/build-control-plane.sh"));
  return building;
}

/** Runs a bash script that reports progress on stderr (passed through) and its result as the last stdout line. */
export function runLastLine(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", code => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code === 0 && last) resolve(last);
      else reject(new Error(`${path.basename(script)} failed (exit ${code})`));
    });
  });
}
