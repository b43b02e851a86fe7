/**
 * Where the real Cluster API and BYOH managers come from: the binaries scripts/build-capi.sh builds (or
 * OCP_CAPI_BIN_DIR / OCP_BYOH_BIN_DIR), and the released Go modules in the module cache, whose config/ manifests
 * (CRDs, webhook configurations) the runner installs exactly as released, rewritten only to reach localhost.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../plane/binaries";

export const CAPI_VERSION = process.env.OCP_CAPI_VERSION ?? "v1.10.10";
export const BYOH_VERSION = process.env.OCP_BYOH_VERSION ?? "v0.5.0";
export const CAPI_MODULE = "sigs.k8s.io/cluster-api";
export const BYOH_MODULE = "github.com/vmware-tanzu/cluster-api-provider-bringyourownhost";

/** Each manager: binary, module set, config/ directory, and the namePrefix its release kustomization gives. */
export const MANAGERS = {
  core: { bin: "cluster-api-manager", set: "capi", config: "config", prefix: "capi" },
  bootstrap: {
    bin: "kubeadm-bootstrap-manager",
    set: "capi",
    config: "bootstrap/kubeadm/config",
    prefix: "capi-kubeadm-bootstrap",
  },
  controlPlane: {
    bin: "kubeadm-control-plane-manager",
    set: "capi",
    config: "controlplane/kubeadm/config",
    prefix: "capi-kubeadm-control-plane",
  },
  byoh: { bin: "byoh-manager", set: "byoh", config: "config", prefix: "byoh" },
} as const;
export type ManagerName = keyof typeof MANAGERS;

export interface ManagerBinaries {
  capi: string;
  byoh: string;
  /** etcd, kube-controller-manager and a version-stamped kube-apiserver (see scripts/build-capi.sh plane). */
  plane: string;
}

const executable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

let building: Promise<ManagerBinaries> | undefined;

/**
 * The directories holding the four managers and the version-stamped plane binaries, building what is missing
 * (once per process; the script locks). Start a plane for the managers with OCP_BIN_DIR set to `plane`: they
 * refuse an API server without a version.
 */
export function managerBinaries(): Promise<ManagerBinaries> {
  const explicit = {
    capi: process.env.OCP_CAPI_BIN_DIR,
    byoh: process.env.OCP_BYOH_BIN_DIR,
    plane: process.env.OCP_CAPI_PLANE_BIN_DIR,
  };
  if (explicit.capi && explicit.byoh && explicit.plane) return Promise.resolve(explicit as ManagerBinaries);
  building ??= new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(repoRoot, "scripts/build-capi.sh"), "all"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", code => {
      const dirs = Object.fromEntries(
        out
          .trim()
          .split("\n")
          .map(l => l.split("="))
          .filter(kv => kv.length === 2),
      ) as Partial<ManagerBinaries>;
      const found = { capi: explicit.capi ?? dirs.capi, byoh: explicit.byoh ?? dirs.byoh, plane: explicit.plane ?? dirs.plane };
      if (code === 0 && found.capi && found.byoh && found.plane) resolve(found as ManagerBinaries);
      else reject(new Error(`scripts/build-capi.sh failed (exit ${code}): ${out.trim() || "no output"}`));
    });
  });
  return building;
}

export function managerPath(bins: ManagerBinaries, name: ManagerName): string {
  const m = MANAGERS[name];
  const file = path.join(bins[m.set], m.bin);
  if (!executable(file)) throw new Error(`${file} is missing: run scripts/build-capi.sh`);
  return file;
}

const moduleDirs = new Map<string, Promise<string>>();

/** The extracted module in the Go module cache (`go mod download`, offline once cached). */
export function moduleDir(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    dir = promisify(execFile)("go", ["mod", "download", "-json", key], {
      cwd: "/tmp",
      env: { ...process.env, GOFLAGS: "-mod=mod" },
    }).then(({ stdout }) => {
      const d = (JSON.parse(stdout) as { Dir?: string }).Dir;
      if (!d) throw new Error(`go mod download ${key} gave no directory`);
      return d;
    });
    moduleDirs.set(key, dir);
  }
  return dir;
}

/** The config/ directory of a manager in its module. */
export async function configDir(name: ManagerName): Promise<string> {
  const m = MANAGERS[name];
  const dir = m.set === "capi" ? await moduleDir(CAPI_MODULE, CAPI_VERSION) : await moduleDir(BYOH_MODULE, BYOH_VERSION);
  return path.join(dir, m.config);
}
