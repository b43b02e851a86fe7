/**
 * Writes a FocomProvisioningRequest's status through the shared policy (kube/status-writer): this file only says
 * what is particular to the kind (its condition types, its timestamp, its Event rule) and keeps fpr current.
 */
import { FPR_CONDITION_TYPES } from "../../api/vocabulary";
import { KubeClient } from "../../kube/client";
import type { OwnWrites } from "../../kube/own-writes";
import { R } from "../../kube/resources";
import { StatusPolicy, StatusWriter as KubeStatusWriter } from "../../kube/status-writer";
import type { FPRObject } from "./cache";
import { ComputedStatus, computeStatus, FocomStatus, StatusInput, statusEvents, statusUpdate, TIMESTAMPS } from "./status";

export const COMPONENT = "o-cloud-provisioner-focom";

export const FPR_STATUS_POLICY: StatusPolicy<FocomStatus> = {
  resource: R.FocomProvisioningRequest,
  conditionTypes: FPR_CONDITION_TYPES,
  timestamps: TIMESTAMPS,
  touchOnChange: TIMESTAMPS,
  events: statusEvents,
  component: COMPONENT,
};

export class StatusWriter {
  private readonly writer: KubeStatusWriter<FocomStatus>;

  constructor(client: KubeClient, ownWrites?: OwnWrites<FPRObject>) {
    this.writer = new KubeStatusWriter(client, FPR_STATUS_POLICY, ownWrites);
  }

  /** Computes and writes the status for an observation; keeps fpr's status and resourceVersion current. */
  async observe(fpr: FPRObject, input: Omit<StatusInput, "previous" | "generation">): Promise<ComputedStatus> {
    const computed = computeStatus({ ...input, previous: fpr.status, generation: fpr.metadata.generation });
    await this.writer.write(fpr, statusUpdate(computed));
    return computed;
  }
}
