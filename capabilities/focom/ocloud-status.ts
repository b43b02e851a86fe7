/**
 * The OCloud's status conditions, written by the FOCOM controller from what its requests' reconciles observed:
 * Reachable (with the failure's reason and its credential-free message), Transport and StatusDelivery. Written only
 * when they say something new (an in-memory copy of the last write per OCloud), so a poll loop costs no writes.
 */
import { OCLOUD_CONDITION_TYPES } from "../../api/vocabulary";
import { Condition, ConditionInput, mergeConditions } from "../../kube/conditions";
import { canonicalJson } from "../../kube/json";
import type { KubeClient } from "../../kube/client";
import { R } from "../../kube/resources";
import type { OCloudObject } from "./cache";
import type { RemoteFailure } from "./errors";
import { Delivery, POLLING_UNCONFIGURED } from "./rest-subscriptions";
import { transportOf } from "./transport";

export interface OCloudReport {
  /** Undefined: the O-Cloud answered. */
  failure?: RemoteFailure;
  /** How status arrives (REST); undefined: as last reported. */
  delivery?: Delivery;
}

type OCloudConditionType = (typeof OCLOUD_CONDITION_TYPES)[number];

/** The conditions a report gives (pure). */
export function ocloudConditions(ocloud: OCloudObject, report: OCloudReport): ConditionInput[] {
  const cond = (type: OCloudConditionType, status: Condition["status"], reason: string, message: string): ConditionInput => ({
    type,
    status,
    reason,
    message,
  });
  const transport = transportOf(ocloud);
  const name = ocloud.metadata.name;
  const f = report.failure;
  return [
    f ? cond("Reachable", "False", f.reason, f.message) : cond("Reachable", "True", "Reachable", `O-Cloud ${name} answered`),
    transport === "rest"
      ? cond("Transport", "True", "Rest", `O2 IMS REST API at ${ocloud.spec?.o2ims?.url}; no kubeconfig of the O-Cloud is used`)
      : transport === "kubeconfig"
        ? cond("Transport", "True", "Kubeconfig", `the kubeconfig in Secret ${ocloud.spec?.secretRef?.name}`)
        : cond("Transport", "True", "Local", "this cluster"),
    transport === "rest"
      ? deliveryCondition(report.delivery ?? POLLING_UNCONFIGURED)
      : cond("StatusDelivery", "True", "Watch", "FOCOM watches the O-Cloud's ProvisioningRequests"),
  ];
}

const deliveryCondition = (d: Delivery): ConditionInput => ({
  type: "StatusDelivery",
  status: "True",
  reason: d.mode === "notifications" ? "Notifications" : "Polling",
  message: d.message,
});

export class OCloudStatusReporter {
  private readonly written = new Map<string, string>();
  private readonly deliveries = new Map<string, Delivery>();

  constructor(private readonly client: KubeClient) {}

  async report(ocloud: OCloudObject, report: OCloudReport): Promise<void> {
    const key = `${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    if (report.delivery) this.deliveries.set(key, report.delivery);
    const wanted = ocloudConditions(ocloud, { ...report, delivery: report.delivery ?? this.deliveries.get(key) });
    const fingerprint = `${ocloud.metadata.uid}:${canonicalJson(wanted)}`;
    if (this.written.get(key) === fingerprint) return;
    const current = (ocloud as { status?: { conditions?: Condition[] } }).status?.conditions;
    const conditions = mergeConditions(current, wanted, new Date().toISOString());
    try {
      await this.client.mergePatch(
        R.OCloud,
        ocloud.metadata.name,
        ocloud.metadata.namespace,
        { status: { conditions } },
        "status",
      );
      this.written.set(key, fingerprint);
    } catch {
      // Best effort: the requests' own status says the same; the next reconcile writes it again.
      this.written.delete(key);
    }
  }
}
