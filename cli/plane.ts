/**
 * o-cloud-provisioner plane up|down|status|stop|start [COMPONENT] [--name NAME] [--crds none|project|all] [--owner PID]
 * (npm run plane -- ...)
 *
 *   up      start a plane that outlives this command (default CRDs: all), wait until it is ready and print
 *           KUBECONFIG=<path> as the last line; with --owner PID the plane ends when that process ends
 *   down    stop every process of the plane and remove its directory
 *   status  say whether it runs, with its server, ports, processes and kubeconfig (exit 1 if not running)
 *   stop COMPONENT / start COMPONENT
 *           stop one of etcd, kube-apiserver, kube-controller-manager and start it again on the same ports and data
 *           (an outage by hand: the plane stays up meanwhile)
 *
 * The default name is "dev"; planes live in <tmp>/ocp-planes/<name>.
 */
import { numberFlag, parseCommand, usageError } from "../kube/command-line";
import { attachPlane, PlaneComponent, planeStatus, startPlane, stopPlane } from "../local/plane/plane";
import { rssKiB } from "../local/plane/processes";

const USAGE = `usage: o-cloud-provisioner plane up|down|status|stop|start [COMPONENT] [flags]

Runs a local control plane (etcd, kube-apiserver, kube-controller-manager) by hand.
  up      start one that outlives this command, wait until ready, print KUBECONFIG=<path> last
  down    stop every process of the plane and remove its directory
  status  whether it runs, with its server, ports, processes and kubeconfig (exit 1 if not running)
  stop COMPONENT   stop etcd, kube-apiserver or kube-controller-manager (an outage; the plane stays up)
  start COMPONENT  start it again on the same ports and data, and wait until the API server is ready

  --name NAME            the plane (default dev; planes live in <tmp>/ocp-planes/<name>)
  --crds none|project|all  CRDs installed by up (default all)
  --owner PID            up: the plane ends when that process ends
  -h, --help             this text`;

const CRDS = ["none", "project", "all"] as const;
const COMPONENTS: readonly PlaneComponent[] = ["etcd", "kube-apiserver", "kube-controller-manager"];

function parse(argv: string[]) {
  const { values, positionals } = parseCommand(argv, {
    usage: USAGE,
    options: { name: { type: "string" }, crds: { type: "string" }, owner: { type: "string" } },
    positionals: { min: 1, max: 2, name: "the command: up, down, status, stop or start" },
  });
  const [command, component] = positionals;
  if (!["up", "down", "status", "stop", "start"].includes(command))
    usageError(USAGE, `unknown command ${JSON.stringify(command)}`);
  const takesComponent = command === "stop" || command === "start";
  if (takesComponent && !COMPONENTS.includes(component as PlaneComponent))
    usageError(USAGE, `${command}: expected one of ${COMPONENTS.join(", ")}, got ${JSON.stringify(component ?? "")}`);
  if (!takesComponent && component !== undefined)
    usageError(USAGE, `${command} takes no argument, got ${JSON.stringify(component)}`);
  const crds = (values.crds ?? "all") as (typeof CRDS)[number];
  if (!CRDS.includes(crds)) usageError(USAGE, `--crds: expected none, project or all, got ${JSON.stringify(values.crds)}`);
  const owner = values.owner === undefined ? undefined : numberFlag(USAGE, "owner", values.owner, 0, { min: 1 });
  return { command, component: component as PlaneComponent | undefined, name: values.name || "dev", crds, owner };
}

async function up(name: string, crds: (typeof CRDS)[number], ownerPid: number | undefined): Promise<void> {
  const running = attachPlane(name);
  if (running) {
    console.error(`plane ${name} is already running at ${running.server}`);
    console.log(`KUBECONFIG=${running.kubeconfig}`);
    return;
  }
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
  const { command, component, name, crds, owner } = parse(process.argv.slice(2));
  switch (command) {
    case "up":
      await up(name, crds, owner);
      return 0;
    case "down":
      if (!planeStatus(name)) console.log(`plane ${name} is not running`);
      else {
        await stopPlane(name);
        console.log(`plane ${name} stopped and removed`);
      }
      return 0;
    case "stop":
    case "start": {
      const plane = attachPlane(name);
      if (!plane) {
        console.error(`plane ${name} is not running`);
        return 1;
      }
      const started = Date.now();
      await (command === "stop" ? plane.stopComponent(component!) : plane.startComponent(component!));
      console.log(
        `plane ${name}: ${component} ${command === "stop" ? "stopped" : "started"} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return 0;
    }
    default:
      return status(name) ? 0 : 1;
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
