/**
 * The kubeconfig and local transports: the mirror is a ProvisioningRequest CR on the O-Cloud's API server (this
 * cluster, or the one the OCloud's kubeconfig Secret reaches), server-side applied under FOCOM's field manager and
 * never over someone else's (the request-uid label decides ownership). Reads come from the connection's watch of
 * FOCOM's ProvisioningRequests there while it is synced (capabilities/focom/oclouds.ts), else live, which is also
 * how an unreachable O-Cloud is found.
 */
import { FOCOM_REQUEST_ANNOTATION } from "../../api/vocabulary";
import type { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import { isRemoteDenial, remoteDenialMessage } from "./admission";
import type { FPRObject, OCloudObject } from "./cache";
import { classifyFailure } from "./errors";
import type { OCloudConnections } from "./oclouds";
import type { RemoteCache } from "./remote-cache";
import { desiredRemote, isOwnedBy, needsApply, RemoteRequest, remoteRefOf } from "./remote";
import type { Ensured, OCloudTransport, Removal } from "./transport";

/** Fallback re-check while the O-Cloud deletes the remote; its DELETED watch event normally comes first. */
export const DELETION_RECHECK_MS = 30_000;

export class KubeTransport implements OCloudTransport {
  constructor(private readonly connections: OCloudConnections) {}

  refOf(fpr: FPRObject) {
    return remoteRefOf(fpr);
  }

  async ensure(fpr: FPRObject, ocloud: OCloudObject, opts: { force?: boolean } = {}): Promise<Ensured> {
    const ref = remoteRefOf(fpr);
    const name = ocloud.metadata.name;
    let client: KubeClient;
    let remotes: RemoteCache | undefined;
    let remote: RemoteRequest | undefined;
    try {
      ({ client, remotes } = await this.connections.connect(ocloud));
      const cached = remotes?.lookup(ref.namespace, ref.name);
      remote = cached ? cached.remote : await client.find<RemoteRequest>(R.ProvisioningRequest, ref.name, ref.namespace);
    } catch (e) {
      return { observation: { kind: "disconnected", failure: classifyFailure(e, name, "read") } };
    }
    if (remote && !isOwnedBy(remote, fpr))
      return { observation: { kind: "conflict", owner: remote.metadata.annotations?.[FOCOM_REQUEST_ANNOTATION] } };

    const desired = desiredRemote(fpr, ocloud);
    // A remote being deleted (by hand on the O-Cloud) cannot be revived; it is created again once gone.
    if ((!remote || opts.force || needsApply(remote, desired)) && !remote?.metadata.deletionTimestamp) {
      try {
        remote = await client.apply<RemoteRequest>(R.ProvisioningRequest, desired);
        remotes?.record(remote);
      } catch (e) {
        const failure = classifyFailure(e, name, "write");
        if (failure.kind !== "rejected") return { observation: { kind: "disconnected", failure } };
        return { observation: { kind: "rejected", message: failure.message, remote } };
      }
    }
    return { observation: { kind: "mirrored", remote } };
  }

  async remove(fpr: FPRObject, ocloud: OCloudObject): Promise<Removal> {
    const ref = remoteRefOf(fpr);
    const label = `${ref.namespace}/${ref.name}`;
    const name = ocloud.metadata.name;
    let remote: RemoteRequest | undefined;
    try {
      const { client } = await this.connections.connect(ocloud);
      remote = await client.find<RemoteRequest>(R.ProvisioningRequest, ref.name, ref.namespace);
      if (remote && isOwnedBy(remote, fpr) && !remote.metadata.deletionTimestamp) {
        await client.delete(R.ProvisioningRequest, ref.name, ref.namespace);
        remote = await client.find<RemoteRequest>(R.ProvisioningRequest, ref.name, ref.namespace);
      }
    } catch (e) {
      return { state: "failed", failure: classifyFailure(e, name, "delete") };
    }
    if (remote && isOwnedBy(remote, fpr)) {
      const detail = remote.status?.provisioningStatus?.provisioningMessage;
      return {
        state: "waiting",
        remote,
        message: `waiting for O-Cloud ${name} to delete ProvisioningRequest ${label}${detail ? `: ${detail}` : ""}`,
        requeueAfterMs: DELETION_RECHECK_MS,
      };
    }
    return {
      state: "gone",
      message: remote
        ? `ProvisioningRequest ${label} on O-Cloud ${name} belongs to another request and is left in place; releasing`
        : `ProvisioningRequest ${label} is gone from O-Cloud ${name}; releasing`,
    };
  }

  /** A create is judged as created; an update as the apply the reconciler would make. */
  async dryRun(fpr: FPRObject, ocloud: OCloudObject, operation: "CREATE" | "UPDATE"): Promise<void> {
    const mirror = desiredRemote(fpr, ocloud);
    const { client } = await this.connections.connect(ocloud);
    if (operation === "CREATE") await client.create(R.ProvisioningRequest, mirror, { dryRun: true });
    else await client.apply(R.ProvisioningRequest, mirror, { dryRun: true });
  }

  denialOf(e: unknown, fpr: FPRObject, ocloud: OCloudObject): string | undefined {
    return isRemoteDenial(e) ? remoteDenialMessage(ocloud.metadata.name, remoteRefOf(fpr), e) : undefined;
  }

  /** Connections are made by the first request that needs them. */
  async prepare(): Promise<void> {}

  async forget(namespace: string, name: string): Promise<void> {
    this.connections.forget(namespace, name);
  }
}
