/**
 * Starts the O2 IMS REST server: its own client (the ServiceAccount it runs as: in a pod the mounted token, locally
 * the KUBECONFIG the runner writes), every service, then the listener. pepr.ts calls main() when
 * OCP_COMPONENT=o2ims-api, so the server ships in the module's bundle and image without loading the capabilities.
 */
import { KubeClient } from "../kube/client";
import type { Service, ServiceContext } from "./contract";
import { jsonLog } from "./log";
import { createInventoryService } from "./inventory";
import { createProvisioningService } from "./provisioning";
import { createApiServer } from "./server";
import { ApiSettings, readSettings } from "./settings";
import { createSubscriptionService } from "./subscriptions";

/** Every service the server offers, built on one context. */
export function createServices(ctx: ServiceContext): Service[] {
  return [createProvisioningService(ctx), createInventoryService(ctx), createSubscriptionService(ctx)];
}

export interface Running {
  url: string;
  stop(): Promise<void>;
}

export async function startServer(settings: ApiSettings = readSettings(), log = jsonLog): Promise<Running> {
  const client = await KubeClient.create({ fieldManager: "o-cloud-provisioner/o2ims-api" });
  const ctx: ServiceContext = { client, namespace: settings.namespace, ownNamespace: settings.ownNamespace, log };
  const services = createServices(ctx);
  const server = await createApiServer({ services, client, settings, log });
  for (const s of services) await s.start?.();
  const url = await server.listen();
  log.info("O2 IMS REST API listening", {
    url,
    namespace: settings.namespace,
    services: services.map(s => s.name),
    tls: Boolean(settings.tls),
  });
  return {
    url,
    async stop() {
      await server.close();
      for (const s of services) await s.stop?.();
    },
  };
}

/** The process entry: start, stop on SIGTERM/SIGINT, exit non-zero (with the reason) when the start fails. */
export async function main(): Promise<void> {
  try {
    const running = await startServer();
    const stop = (signal: string) => {
      jsonLog.info("stopping", { signal });
      void running.stop().then(() => process.exit(0));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  } catch (e) {
    jsonLog.error("the O2 IMS REST API did not start", { error: String((e as Error)?.message ?? e) });
    process.exit(1);
  }
}
