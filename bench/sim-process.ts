/**
 * The BYOH/CAPI simulator (test/sim) in its own process for the benchmark, so its work neither delays the
 * benchmark's watch timestamps nor hides in the benchmark's own CPU figures.
 *
 *   node --import tsx bench/sim-process.ts <kubeconfig> [stepDelayMs]
 *
 * Prints "ready" once every cache is synced and the initial reconciles are done; stops on SIGTERM or when the
 * parent process is gone.
 */
import { KubeClient } from "../kube/client";
import { Simulator } from "../local/sim/simulator";

async function main(): Promise<void> {
  const [kubeconfig, step] = process.argv.slice(2);
  if (!kubeconfig) throw new Error("usage: sim-process.ts <kubeconfig> [stepDelayMs]");
  const client = await KubeClient.create({ file: kubeconfig, fieldManager: "capi-simulator" });
  const errors: string[] = [];
  // OCP_SIM_COALESCE_MS: the owners' coalescing delay (SimulatorOptions.coalesceMs), for A/B runs of the bench.
  const coalesce = process.env.OCP_SIM_COALESCE_MS;
  const sim = new Simulator(client, {
    stepDelayMs: Number(step ?? 0),
    ...(coalesce ? { coalesceMs: Number(coalesce) } : {}),
    log: m => errors.push(m),
  });
  const stop = () => {
    sim.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
    if (errors.length) process.stderr.write(errors.splice(0).join("\n") + "\n");
  }, 500).unref();
  await sim.start();
  await sim.idle();
  process.stdout.write("ready\n");
  setInterval(() => undefined, 1 << 30); // keep running until told to stop
}

main().catch(e => {
  process.stderr.write(`simulator failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
