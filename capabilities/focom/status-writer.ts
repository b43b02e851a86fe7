/** Writes a FocomProvisioningRequest's status when it says something new, with an Event per phase change. */
import { recordEvent } from "../../kube/events";
import { isNotFound, KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import type { FPRObject } from "./cache";
import { ComputedStatus, computeStatus, nextStatus, StatusInput, statusChanged, statusEvents } from "./status";

export const COMPONENT = "o-cloud-provisioner-focom";

export class StatusWriter {
  constructor(private readonly client: KubeClient) {}

  /** Computes and writes the status for an observation; keeps fpr's status and resourceVersion current. */
  async observe(fpr: FPRObject, input: Omit<StatusInput, "previous" | "generation">): Promise<ComputedStatus> {
    const computed = computeStatus({ ...input, previous: fpr.status, generation: fpr.metadata.generation });
    await this.write(fpr, computed);
    return computed;
  }

  async write(fpr: FPRObject, computed: ComputedStatus): Promise<void> {
    const previous = fpr.status;
    const next = nextStatus(previous, computed, fpr.metadata.generation, new Date().toISOString());
    if (!statusChanged(previous, next)) return;
    try {
      // Replace the whole status: a merge patch would keep keys the new status no longer has (remoteState fields).
      const updated = await this.client.jsonPatch<FPRObject>(
        R.FocomProvisioningRequest,
        fpr.metadata.name,
        fpr.metadata.namespace,
        [{ op: "add", path: "/status", value: next }],
        "status",
      );
      fpr.status = updated.status ?? next;
      fpr.metadata.resourceVersion = updated.metadata.resourceVersion;
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    for (const ev of statusEvents(previous, next)) {
      await recordEvent(this.client, fpr, ev.type, ev.reason, ev.message, COMPONENT).catch(() => undefined);
    }
  }
}
