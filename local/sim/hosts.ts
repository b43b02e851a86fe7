/**
 * Host registration as the BYOH agent does it on start (BYOH agent/registration/host_registrar.go): a ByoHost
 * named after the hostname, labelled with the agent's --label flags only when it is first created, and a
 * status with the host's platform, network and K8sNodeBootstrapSucceeded=False/WaitingForMachineRefToBeAssigned.
 * "No host" is simply a host that was never registered.
 */
import type { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import { SimApi } from "./api";
import { falseCondition, nowTime, setConditions } from "./conditions";
import { AGENT_FIELD_MANAGER, ByoHost, CONDITION, REASON } from "./model";
import { ipFor, macFor } from "./names";

export { ipFor, macFor };

export interface HostRegistration {
  /** The hostname: ByoHost name and, later, Node name. */
  name: string;
  /** The agent's --namespace (default "default"). */
  namespace?: string;
  /** The agent's --label flags, e.g. {"host-id": "3"}. */
  labels?: Record<string, string>;
  /** IPv4 of the default interface; derived from the name when absent. */
  ip?: string;
}

export interface FleetOptions {
  /** Host names are `<prefix><id>` (default "host-"). */
  prefix?: string;
  namespace?: string;
  /** The first host gets host-id idOffset+1 (default 0). */
  idOffset?: number;
  /** Labels every host gets besides host-id. */
  labels?: Record<string, string>;
  /** Registrations in flight at once (default 16). */
  concurrency?: number;
}

/** Registers one host; an existing ByoHost keeps its labels (the agent applies --label only on creation). */
export async function registerHost(client: KubeClient, reg: HostRegistration): Promise<ByoHost> {
  const api = new SimApi(client, AGENT_FIELD_MANAGER);
  const namespace = reg.namespace ?? "default";
  const created = await api.createIfAbsent<ByoHost>(R.ByoHost, {
    metadata: { name: reg.name, namespace, ...(reg.labels ? { labels: { ...reg.labels } } : {}) },
    spec: {},
  });
  const host = created ?? (await client.get<ByoHost>(R.ByoHost, reg.name, namespace));
  const status: NonNullable<ByoHost["status"]> = {
    hostinfo: { osname: "linux", osimage: "Ubuntu 22.04.4 LTS", architecture: "amd64" },
    network: [
      {
        networkInterfaceName: "eth0",
        ipAddrs: [`${reg.ip ?? ipFor(reg.name)}/24`],
        macAddr: macFor(reg.name),
        isDefault: true,
        connected: true,
      },
    ],
  };
  // A fresh agent on a host without a machineRef reports that it waits for one; an attached host keeps its state.
  if (!host.status?.machineRef) {
    status.conditions = setConditions(
      host.status?.conditions,
      [falseCondition(CONDITION.k8sNodeBootstrapSucceeded, REASON.waitingForMachineRef)],
      nowTime(),
    );
  }
  return api.patch<ByoHost>(R.ByoHost, host, { status }, "status");
}

/**
 * Registers n hosts `<prefix><id>` with label host-id=<id>, ids idOffset+1 … idOffset+n, a few at a time;
 * resolves with them in id order.
 */
export async function registerFleet(client: KubeClient, n: number, opts: FleetOptions = {}): Promise<ByoHost[]> {
  const prefix = opts.prefix ?? "host-";
  const offset = opts.idOffset ?? 0;
  const out: ByoHost[] = new Array(n);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const id = String(offset + i + 1);
      out[i] = await registerHost(client, {
        name: `${prefix}${id}`,
        namespace: opts.namespace,
        labels: { ...(opts.labels ?? {}), "host-id": id },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, opts.concurrency ?? 16) }, worker));
  return out;
}
