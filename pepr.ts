import { PeprModule } from "pepr";
import cfg from "./package.json";

/**
 * One bundle, two programs: the Pepr module (admission + watcher) by default, or, with OCP_COMPONENT=o2ims-api, the
 * O2 IMS REST server (o2ims-api/), which ships in the same bundle and image. The capabilities are imported lazily:
 * their modules start servers at import (the readiness endpoint in capabilities/health.ts), which the REST server's
 * process must not do. esbuild bundles both dynamic imports, and `pepr build` (PEPR_MODE=build, no OCP_COMPONENT)
 * still collects the capabilities from the PeprModule below.
 */
async function run(): Promise<void> {
  if (process.env.OCP_COMPONENT === "o2ims-api") {
    const { main } = await import("./o2ims-api/main");
    return main();
  }
  const [{ Focom }, { O2ims }] = await Promise.all([import("./capabilities/focom"), import("./capabilities/o2ims")]);
  // deferStart lets a local run choose its port (several planes, each with its own module process); in a cluster the
  // controller image runs it on Pepr's default 3000. In build mode Pepr only collects the capabilities.
  const module = new PeprModule(cfg, [Focom, O2ims], { deferStart: true });
  if (process.env.PEPR_MODE !== "build") module.start(Number(process.env.OCP_MODULE_PORT ?? 3000));
}

run().catch(e => {
  console.error(e);
  process.exit(1);
});
