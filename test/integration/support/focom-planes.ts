/**
 * The two planes of the FOCOM suites, started once per test file and shared by every transport:
 * - the O-Cloud plane runs the built module, the BYOH/CAPI simulator and the O2 IMS REST server (local/o2ims-api.ts:
 *   the built bundle under its own ServiceAccount, TLS, serving namespace o2ims, callbacks allowed to 127.0.0.1);
 * - the SMO plane runs the built module with its notification callback endpoint on a free loopback port, no periodic
 *   resync (an hour: every status change must arrive by a watch, a notification or the REST transport's own polls)
 *   and a 5 s unreachable-release limit.
 * Hosts are registered once: each transport's scenarios pin their own.
 */
import fs from "node:fs";
import path from "node:path";
import { load } from "js-yaml";
import { KubeClient, KubeObject } from "../../../kube/client";
import { R } from "../../../kube/resources";
import { ModuleProcess, startModule } from "../../../local/module";
import { O2imsApiProcess, startO2imsApi } from "../../../local/o2ims-api";
import { Plane, startPlane } from "../../../local/plane/plane";
import { freePorts } from "../../../local/plane/ports";
import { registerHost } from "../../../local/sim/hosts";
import { Simulator } from "../../../local/sim/simulator";

export const ROOT = path.resolve(__dirname, "../../..");
/** The SMO namespace of seed 002, and the O-Cloud namespace requests land in (the REST server serves it too). */
export const NS = "o2ims";
export const RELEASE_SECONDS = 5;

export interface FocomPlanes {
  ocloudPlane: Plane;
  smoPlane: Plane;
  /** Admin clients. */
  edge: KubeClient;
  smo: KubeClient;
  edgeModule: ModuleProcess;
  smoModule: ModuleProcess;
  api: O2imsApiProcess;
  sim: Simulator;
  /** The SMO module's notification callback base URL. */
  callbackUrl: string;
  stop(): Promise<void>;
}

/** A host to register on the O-Cloud: its ByoHost name, pinning value (host-id) and address. */
export interface HostSpec {
  name: string;
  id: number;
  ip?: string;
}

export async function startFocomPlanes(hosts: HostSpec[]): Promise<FocomPlanes> {
  const [ocloudPlane, smoPlane] = await Promise.all([startPlane({ crds: "all" }), startPlane({ crds: "all" })]);
  const [edge, smo] = await Promise.all([ocloudPlane.client("focom-it"), smoPlane.client("focom-it")]);
  await edge.apply(
    R.ClusterTemplate,
    load(fs.readFileSync(path.join(ROOT, "templates/byoh-workload-cluster.yaml"), "utf8")) as KubeObject,
  );
  await edge.apply(R.Namespace, { metadata: { name: NS } });
  for (const h of hosts) await registerHost(edge, { name: h.name, labels: { "host-id": String(h.id) }, ip: h.ip });
  const sim = new Simulator(await ocloudPlane.client("capi-simulator"), { stepDelayMs: 50 });
  await sim.start();
  const [callbackPort] = await freePorts(1);
  const callbackUrl = `http://127.0.0.1:${callbackPort}`;
  const [edgeModule, smoModule] = await Promise.all([
    startModule({ kubeconfig: ocloudPlane.kubeconfig, dir: path.join(ocloudPlane.dir, "module") }),
    startModule({
      kubeconfig: smoPlane.kubeconfig,
      dir: path.join(smoPlane.dir, "module"),
      env: {
        OCP_RESYNC_SECONDS: "3600",
        OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS: String(RELEASE_SECONDS),
        OCP_FOCOM_CALLBACK_URL: callbackUrl,
        OCP_FOCOM_CALLBACK_PORT: String(callbackPort),
        OCP_FOCOM_CALLBACK_HOST: "127.0.0.1",
      },
    }),
  ]);
  const api = await startO2imsApi({
    kubeconfig: ocloudPlane.kubeconfig,
    dir: path.join(ocloudPlane.dir, "o2ims-api"),
    namespace: NS,
    env: { OCP_O2IMS_CALLBACK_ALLOW: "127.0.0.1" }, // the SMO module's callback endpoint
  });
  await smo.apply(R.Namespace, { metadata: { name: NS } });
  return {
    ocloudPlane,
    smoPlane,
    edge,
    smo,
    edgeModule,
    smoModule,
    api,
    sim,
    callbackUrl,
    async stop() {
      // OCP_FOCOM_TEST_LOGS=<dir> keeps the modules' and the O2 IMS server's logs (the planes' directories go).
      const keep = process.env.OCP_FOCOM_TEST_LOGS;
      if (keep) {
        fs.mkdirSync(keep, { recursive: true });
        for (const [name, file] of [
          ["smo-module.log", smoModule.logFile],
          ["ocloud-module.log", edgeModule.logFile],
          ["o2ims-api.log", api.logFile],
        ])
          if (file && fs.existsSync(file)) fs.copyFileSync(file, path.join(keep, name));
      }
      sim.stop();
      await api.stop();
      await Promise.all([edgeModule.stop(), smoModule.stop()]);
      await Promise.all([ocloudPlane.stop(), smoPlane.stop()]);
    },
  };
}
