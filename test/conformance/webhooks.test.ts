/**
 * The generated objects against the real Cluster API v1.10 + BYOH v0.5.0 managers and their admission webhooks:
 *  - every example and generator fixture is accepted by server-side apply with no warning, and what the webhooks
 *    and CRD defaults add is listed;
 *  - with decoy hosts registered (by their agents' identities, through BYOH's ByoHost webhook), the real BYOH
 *    ByoMachine controller attaches KCP's first machine to a pinned master, never to a decoy.
 * No host agents run here (workload.test.ts has them), so KCP stops after its first machine is attached, and this
 * suite says where.
 */
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import type { KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import { generateCluster } from "../../generators/byoh-cluster";
import { readRenderInput, renderCluster } from "../../generators/render";
import { applyDefaults } from "../../generators/parameters";
import { waitFor } from "../../local/plane";
import { clusterParams, defaultTemplate, seedParams, templateDocument } from "../unit/generators/fixtures";
import { applyRaw, Env, registerAsAgent, ROOT, serverChanges, startEnv } from "./support";

let env: Env;
const report: string[] = [];
/** What the API server added to the generated specs (CRD defaults + mutating webhooks), over every case. */
const added = new Map<string, Set<string>>();

beforeAll(async () => {
  env = await startEnv();
  report.push(`plane + 4 managers ready in ${(env.startedMs / 1000).toFixed(1)} s`);
});
afterAll(async () => {
  const defaults = [...added].map(([change, cases]) => `  ${change}   [${cases.size} case(s)]`);
  console.log(`conformance report\n${report.join("\n")}\nserver-added fields:\n${defaults.join("\n")}`);
  await env?.capi.stop();
  await env?.plane.stop();
});

const namespace = async (name: string) => {
  await env.admin.apply(R.Namespace, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  return name;
};

/** Every example file that renders (the invalid ones are admission's business, not the webhooks'). */
function exampleCases(): [string, KubeObject[]][] {
  const files = [
    ...fs.readdirSync(path.join(ROOT, "examples")).map(f => path.join("examples", f)),
    ...fs.readdirSync(path.join(ROOT, "examples/render")).map(f => path.join("examples/render", f)),
  ].filter(f => f.endsWith(".yaml"));
  const out: [string, KubeObject[]][] = [];
  for (const f of files) {
    const input = readRenderInput(yaml.loadAll(fs.readFileSync(path.join(ROOT, f), "utf8")), templateDocument());
    if (!("input" in input)) continue;
    const { objects } = renderCluster(input.input);
    if (objects.length) out.push([f, objects]);
  }
  return out;
}

function fixtureCases(): [string, KubeObject[]][] {
  const gen = (label: string, params: ReturnType<typeof clusterParams>) => {
    const template = defaultTemplate();
    return [label, generateCluster({ name: "req", namespace: "x", params: applyDefaults(params, template), template })] as [
      string,
      KubeObject[],
    ];
  };
  return [
    gen("fixture seedParams", seedParams()),
    gen("fixture 1+2", clusterParams(1, 2)),
    gen("fixture 3+5", clusterParams(3, 5)),
  ];
}

describe("the real webhooks accept every generated object", () => {
  const cases = [...exampleCases(), ...fixtureCases()];
  test.each(cases.map((c, i) => [c[0], i] as const))("%s", async (label, i) => {
    const ns = await namespace(`accept-${i}`);
    for (const sent of cases[i][1]) {
      const obj = { ...structuredClone(sent), metadata: { ...sent.metadata, namespace: ns } };
      // References carry the namespace explicitly (BYOH reads installerRef.namespace verbatim).
      const text = JSON.stringify(obj).replaceAll(`"namespace":"${sent.metadata.namespace}"`, `"namespace":"${ns}"`);
      const r = await applyRaw(env.plane, JSON.parse(text));
      expect({ object: `${obj.kind}/${obj.metadata.name}`, status: r.status, message: r.body.message }).toEqual({
        object: `${obj.kind}/${obj.metadata.name}`,
        status: r.status < 300 ? r.status : 200,
        message: undefined,
      });
      expect(r.warnings).toEqual([]);
      for (const c of serverChanges((JSON.parse(text) as KubeObject).spec, r.body.spec)) {
        const key = `${obj.kind} ${c}`;
        added.set(key, (added.get(key) ?? new Set()).add(label));
      }
    }
    report.push(`${label}: ${cases[i][1].length} objects accepted, no warning`);
  });
});

describe("pinning with the real BYOH host selection", () => {
  test.each([
    ["1 master + 2 workers", 1],
    ["3 masters + 2 workers", 3],
  ])("%s: KCP's first machine lands on a pinned master, never on a decoy", async (label, masters) => {
    const ns = await namespace(`pin-${masters}`);
    const params = clusterParams(masters, 2);
    const pinned = [...params.hosts.masters, ...(params.hosts.workers ?? [])];
    // The pinned hosts, and decoys whose labels resemble theirs: a prefix, a suffix, another key with the same value.
    for (const h of pinned) await registerAsAgent(env.plane, `${h.hostName}`, { "host-id": String(h.hostId) }, ns);
    const m0 = String(params.hosts.masters[0].hostId);
    const decoys = {
      "decoy-prefix": { "host-id": `${m0}0` },
      "decoy-suffix": { "host-id": `x${m0}` },
      "decoy-key": { "host-idx": m0, "rack-id": m0 },
    };
    for (const [name, labels] of Object.entries(decoys)) await registerAsAgent(env.plane, name, labels, ns);

    const t0 = Date.now();
    const template = defaultTemplate();
    const objs = generateCluster({ name: "req", namespace: ns, params: applyDefaults(params, template), template });
    for (const o of objs) expect((await applyRaw(env.plane, o)).status).toBeLessThan(300);

    const attached = await waitFor(
      async () => {
        const hosts = await env.admin.list<KubeObject & { status?: { machineRef?: { name: string } } }>(R.ByoHost, {
          namespace: ns,
        });
        const taken = hosts.filter(h => h.status?.machineRef);
        return taken.length ? taken : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, message: "BYOH to attach a host" },
    );
    const masterNames = params.hosts.masters.map(h => h.hostName);
    for (const h of attached) expect(masterNames).toContain(h.metadata.name);
    report.push(
      `${label}: BYOH attached ${attached.map(h => `${h.metadata.name} (host-id=${h.metadata.labels?.["host-id"]}) to ${h.status!.machineRef!.name}`).join(", ")} in ${((Date.now() - t0) / 1000).toFixed(1)} s; decoys ${Object.keys(decoys).join(", ")} left free`,
    );
    // Where real KCP waits without host agents: its first machine's node must appear in a workload API server.
    const kcp = await env.admin.get<
      KubeObject & { status?: { conditions?: { type: string; status: string; reason?: string }[] } }
    >(R.KubeadmControlPlane, `${params.clusterName}-control-plane`, ns);
    const notTrue = (kcp.status?.conditions ?? [])
      .filter(c => c.status !== "True")
      .map(c => `${c.type}=${c.status}(${c.reason ?? ""})`);
    report.push(`${label}: KCP then waits: ${notTrue.join(", ") || "(no status yet)"}`);
  });
});
