/**
 * Installs CustomResourceDefinitions into a plane: this project's (api/crds/*.yaml) and the upstream Cluster API
 * v1.10 (v1beta1 storage) and BYOH v0.5.0 ones (OCP_UPSTREAM_CRDS, else scripts/fetch-upstream-crds.sh).
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { KubeClient, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { repoRoot, runLastLine } from "./binaries";

export type CrdSet = "project" | "upstream" | "all";

interface Crd extends KubeObject {
  spec: { conversion?: unknown; [k: string]: unknown };
  status?: { conditions?: { type: string; status: string }[] };
}

let upstreamDir: Promise<string> | undefined;

async function crdDirs(which: CrdSet): Promise<string[]> {
  const dirs: string[] = [];
  if (which !== "upstream") dirs.push(path.join(repoRoot, "api", "crds"));
  if (which !== "project") {
    upstreamDir ??= process.env.OCP_UPSTREAM_CRDS
      ? Promise.resolve(process.env.OCP_UPSTREAM_CRDS)
      : runLastLine(path.join(repoRoot, "scripts/fetch-upstream-crds.sh"));
    dirs.push(await upstreamDir);
  }
  return dirs;
}

/** Every CustomResourceDefinition in the YAML files of the set, with spec.conversion removed. */
export async function loadCrds(which: CrdSet): Promise<Crd[]> {
  const crds: Crd[] = [];
  for (const dir of await crdDirs(which)) {
    for (const file of fs
      .readdirSync(dir)
      .filter(n => /\.ya?ml$/.test(n))
      .sort()) {
      for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8"))) {
        const crd = doc as Crd | null;
        if (crd?.kind !== "CustomResourceDefinition") continue;
        // No conversion webhooks run next to a test plane; a Webhook strategy would make every request fail.
        delete crd.spec.conversion;
        crds.push(crd);
      }
    }
  }
  return crds;
}

const established = (crd: Crd) => !!crd.status?.conditions?.some(c => c.type === "Established" && c.status === "True");

/**
 * Server-side applies the CRDs (but those of `withoutGroups`), then waits (watching, with a deadline) until each is
 * Established.
 * Two API server behaviours to know when calling it on a running plane: for 2 s after a CRD becomes
 * Established, creates of its resources are held 2 s (apiextensions-apiserver, on purpose, for HA); and the
 * garbage collector sees new resource types only at its next 30 s discovery (startPlane avoids this by starting
 * the controller-manager after its CRDs).
 */
export async function installCrds(
  plane: { client(fieldManager?: string): Promise<KubeClient> },
  which: CrdSet,
  opts: { timeoutMs?: number; withoutGroups?: string[] } = {},
): Promise<string[]> {
  const [client, all] = await Promise.all([plane.client("ocp-harness"), loadCrds(which)]);
  const crds = all.filter(c => !opts.withoutGroups?.some(g => c.metadata.name.endsWith(`.${g}`)));
  await Promise.all(crds.map(crd => client.apply(R.CustomResourceDefinition, crd)));
  const names = crds.map(c => c.metadata.name);
  await waitEstablished(client, names, opts.timeoutMs ?? 60_000);
  return names;
}

function waitEstablished(client: KubeClient, names: string[], timeoutMs: number): Promise<void> {
  const pending = new Set(names);
  if (pending.size === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`CRDs not Established after ${timeoutMs} ms: ${[...pending].join(", ")}`));
    }, timeoutMs);
    const stop = client.watch<Crd>(R.CustomResourceDefinition, (phase, crd) => {
      if (phase !== "DELETED" && established(crd)) pending.delete(crd.metadata.name);
      if (pending.size > 0) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}
