import { PeprModule } from "pepr";
import cfg from "./package.json";
import { O2ims } from "./capabilities/o2ims";
import { Focom } from "./capabilities/focom";

// deferStart lets a local run choose its port (several planes, each with its own module process); in a cluster the
// controller image runs it on Pepr's default 3000. In build mode Pepr only collects the capabilities.
const module = new PeprModule(cfg, [Focom, O2ims], { deferStart: true });
if (process.env.PEPR_MODE !== "build") module.start(Number(process.env.OCP_MODULE_PORT ?? 3000));
