/**
 * npm run plane -- up|down|status [--name NAME] [--crds none|project|all] [--owner PID]
 *
 *   up      start a plane that outlives this command (default CRDs: all), wait until it is ready and print
 *           KUBECONFIG=<path> as the last line; with --owner PID the plane ends when that process ends
 *   down    stop every process of the plane and remove its directory
 *   status  say whether it runs, with its server, ports, processes and kubeconfig (exit 1 if not running)
 *
 * The default name is "dev"; planes live in <tmp>/ocp-planes/<name>.
 */
import { attachPlane, planeStatus, startPlane, stopPlane } from "../local/plane/plane";
import { rssKiB } from "../local/plane/processes";

const USAGE = "usage: npm run plane -- up|down|status [--name NAME] [--crds none|project|all] [--owner PID]";

function parse(argv: string[]): { command: string; flags: Record<string, string> } {
  const [command = "", ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(rest[i]);
    if (!m) throw new Error(`unexpected argument ${rest[i]}\n${USAGE}`);
    flags[m[1]] = m[2] ?? rest[++i] ?? "";
  }
  return { command, flags };
}

async function up(name: string, flags: Record<string, string>): Promise<void> {
  const running = attachPlane(name);
  if (running) {
    console.error(`plane ${name} is already running at ${running.server}`);
    console.log(`KUBECONFIG=${running.kubeconfig}`);
    return;
  }
  const crds = (flags.crds ?? "all") as "none" | "project" | "all";
  if (!["none", "project", "all"].includes(crds)) throw new Error(`--crds must be none, project or all\n${USAGE}`);
  const ownerPid = flags.owner ? Number(flags.owner) : undefined;
  if (ownerPid !== undefined && !Number.isInteger(ownerPid)) throw new Error(`--owner takes a pid\n${USAGE}`);
  console.error(`starting plane ${name} (CRDs: ${crds})…`);
  const started = Date.now();
  const plane = await startPlane({ name, crds, persistent: ownerPid === undefined, ownerPid });
  console.error(`plane ${name} ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${plane.server}`);
  console.log(`KUBECONFIG=${plane.kubeconfig}`);
}

function status(name: string): boolean {
  const s = planeStatus(name);
  if (!s) {
    console.log(`plane ${name}: not running (no ${name} in the planes directory)`);
    return false;
  }
  const state = s.running ? "running" : s.failure ? `failed: ${s.failure}` : "not running";
  console.log(`plane ${name}: ${state}${s.persistent ? "" : " (ends with its owner process)"}`);
  console.log(`  dir:        ${s.dir}`);
  if (s.server) console.log(`  server:     ${s.server}`);
  if (s.ports) console.log(`  ports:      apiserver ${s.ports.apiserver}, etcd ${s.ports.etcd} (peer ${s.ports.etcdPeer})`);
  for (const [proc, pid] of Object.entries(s.pids))
    console.log(`  ${proc}: pid ${pid}, RSS ${Math.round(rssKiB(pid) / 1024)} MiB`);
  console.log(`  kubeconfig: ${s.kubeconfig}`);
  return s.running;
}

async function main(): Promise<number> {
  const { command, flags } = parse(process.argv.slice(2));
  const name = flags.name || "dev";
  switch (command) {
    case "up":
      await up(name, flags);
      return 0;
    case "down":
      if (!planeStatus(name)) console.log(`plane ${name} is not running`);
      else {
        await stopPlane(name);
        console.log(`plane ${name} stopped and removed`);
      }
      return 0;
    case "status":
      return status(name) ? 0 : 1;
    default:
      console.error(USAGE);
      return 2;
  }
}

// Exit explicitly: keep-alive client sockets to the (still running) plane would hold the event loop open.
main().then(
  code => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(1);
  },
);
