/**
 * Runs the CAPI/BYOH simulator standalone against a plane, for demos:
 *
 *   npx tsx local/sim/cli.ts [--kubeconfig <file>] [--context NAME] [--hosts 5] [-n default] [--prefix host-]
 *       [--id-offset 0] [--step-delay-ms 0] [--fault host-3=bootstrap-failure] [--fault host-4=slow:5000]
 *       [--cluster demo --cp 1 --workers 2,3 [--version v1.32.0]]
 *
 * Registers --hosts ByoHosts (host-1 … with label host-id=1 …) unless 0, optionally creates a hand-written
 * pinned cluster (--cluster), then reconciles until Ctrl-C.
 */
import { KubeClient } from "../../kube/client";
import { KUBE_FLAGS, KUBE_FLAGS_USAGE, numberFlag, parseCommand, usageError } from "../../kube/command-line";
import type { HostFault } from "./context";
import { createAll, pinnedCluster } from "./fixtures";
import { registerFleet } from "./hosts";
import { FIELD_MANAGER } from "./model";
import { Simulator } from "./simulator";

const USAGE = `usage: npx tsx local/sim/cli.ts [flags]

Runs the BYOH/CAPI simulator against a cluster until Ctrl-C: registers hosts, optionally creates a pinned cluster.

${KUBE_FLAGS_USAGE}
  --hosts N              ByoHosts to register (host-1 … with label host-id=1 …; default 5, 0 for none)
  --prefix P             host name prefix (default host-)
  --id-offset N          first host-id minus one (default 0)
  --step-delay-ms MS     delay of each simulated step (default 0)
  --fault HOST=bootstrap-failure|HOST=slow:MS   a host's fault (repeatable)
  --cluster NAME --cp IDS --workers IDS [--version V]   also create a pinned cluster on those host-ids
  -h, --help             this text`;

function parseFault(value: string, faults: Record<string, HostFault>): void {
  const [host, what] = value.split("=");
  const slow = /^slow:(\d+)$/.exec(what ?? "");
  if (host && what === "bootstrap-failure") faults[host] = "bootstrap-failure";
  else if (host && slow) faults[host] = { slowMs: Number(slow[1]) };
  else usageError(USAGE, `--fault: expected HOST=bootstrap-failure or HOST=slow:MS, got ${JSON.stringify(value)}`);
}

function parse(argv: string[]) {
  const { values } = parseCommand(argv, {
    usage: USAGE,
    options: {
      ...KUBE_FLAGS,
      hosts: { type: "string" },
      prefix: { type: "string" },
      "id-offset": { type: "string" },
      "step-delay-ms": { type: "string" },
      fault: { type: "string", multiple: true },
      cluster: { type: "string" },
      cp: { type: "string" },
      workers: { type: "string" },
      version: { type: "string" },
    },
  });
  const faults: Record<string, HostFault> = {};
  for (const f of values.fault ?? []) parseFault(f, faults);
  return {
    values,
    faults,
    hosts: numberFlag(USAGE, "hosts", values.hosts, 5, { min: 0 }),
    idOffset: numberFlag(USAGE, "id-offset", values["id-offset"], 0, { min: 0 }),
    stepDelayMs: numberFlag(USAGE, "step-delay-ms", values["step-delay-ms"], 0, { min: 0 }),
  };
}

const ids = (s: string | undefined) =>
  s
    ? s
        .split(",")
        .map(x => x.trim())
        .filter(Boolean)
    : [];

async function main(): Promise<void> {
  const { values: flags, faults, hosts, idOffset, stepDelayMs } = parse(process.argv.slice(2));
  const client = await KubeClient.create({ file: flags.kubeconfig, context: flags.context, fieldManager: FIELD_MANAGER });
  const namespace = flags.namespace ?? client.namespace ?? "default";
  if (hosts > 0) {
    const registered = await registerFleet(client, hosts, { prefix: flags.prefix ?? "host-", namespace, idOffset });
    console.error(
      `registered ${registered.length} hosts: ${registered[0].metadata.name} … ${registered[registered.length - 1].metadata.name}`,
    );
  }
  const sim = new Simulator(client, {
    faults,
    stepDelayMs,
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
