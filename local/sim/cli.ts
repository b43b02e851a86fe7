/**
 * Runs the CAPI/BYOH simulator standalone against a plane, for demos:
 *
 *   npx tsx local/sim/cli.ts --kubeconfig <file> [--hosts 5] [--namespace default] [--prefix host-] [--id-offset 0]
 *       [--step-delay-ms 0] [--fault host-3=bootstrap-failure] [--fault host-4=slow:5000]
 *       [--cluster demo --cp 1 --workers 2,3 [--version v1.32.0]]
 *
 * Registers --hosts ByoHosts (host-1 … with label host-id=1 …) unless 0, optionally creates a hand-written
 * pinned cluster (--cluster), then reconciles until Ctrl-C.
 */
import { KubeClient } from "../../kube/client";
import type { HostFault } from "./context";
import { createAll, pinnedCluster } from "./fixtures";
import { registerFleet } from "./hosts";
import { FIELD_MANAGER } from "./model";
import { Simulator } from "./simulator";

const USAGE =
  "usage: npx tsx local/sim/cli.ts --kubeconfig <file> [--hosts N] [--namespace NS] [--prefix P] [--id-offset N] " +
  "[--step-delay-ms MS] [--fault HOST=bootstrap-failure|slow:MS]... [--cluster NAME --cp IDS --workers IDS --version V]";

export function parseArgs(argv: string[]): { flags: Record<string, string>; faults: Record<string, HostFault> } {
  const flags: Record<string, string> = {};
  const faults: Record<string, HostFault> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    if (m[1] === "fault") {
      const [host, what] = value.split("=");
      const slow = /^slow:(\d+)$/.exec(what ?? "");
      if (what === "bootstrap-failure") faults[host] = "bootstrap-failure";
      else if (slow) faults[host] = { slowMs: Number(slow[1]) };
      else throw new Error(`--fault ${value}: expected HOST=bootstrap-failure or HOST=slow:MS`);
    } else flags[m[1]] = value;
  }
  return { flags, faults };
}

const ids = (s: string | undefined) =>
  s
    ? s
        .split(",")
        .map(x => x.trim())
        .filter(Boolean)
    : [];

async function main(): Promise<void> {
  const { flags, faults } = parseArgs(process.argv.slice(2));
  if (!flags.kubeconfig) throw new Error(`--kubeconfig is required\n${USAGE}`);
  const client = await KubeClient.create({ file: flags.kubeconfig, fieldManager: FIELD_MANAGER });
  const namespace = flags.namespace ?? "default";
  const hosts = Number(flags.hosts ?? "5");
  if (hosts > 0) {
    const registered = await registerFleet(client, hosts, {
      prefix: flags.prefix ?? "host-",
      namespace,
      idOffset: Number(flags["id-offset"] ?? "0"),
    });
    console.error(
      `registered ${registered.length} hosts: ${registered[0].metadata.name} … ${registered[registered.length - 1].metadata.name}`,
    );
  }
  const sim = new Simulator(client, {
    faults,
    stepDelayMs: Number(flags["step-delay-ms"] ?? "0"),
    normalEvents: true,
    log: m => console.error(m),
  });
  await sim.start();
  console.error(`simulator running (faults: ${JSON.stringify(faults)}); Ctrl-C to stop`);
  if (flags.cluster) {
    await createAll(
      client,
      pinnedCluster({
        name: flags.cluster,
        namespace,
        version: flags.version,
        controlPlaneHostIds: ids(flags.cp ?? "1"),
        workerHostIds: ids(flags.workers),
      }),
    );
    console.error(`created cluster ${namespace}/${flags.cluster}`);
  }
  const stop = () => {
    sim.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) {
  main().catch(e => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
