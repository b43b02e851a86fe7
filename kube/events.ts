/** Kubernetes Events on the objects the module reconciles (core/v1, so kubectl describe shows them). */
import { KubeClient, KubeObject } from "./client";
import { R } from "./resources";

export type EventType = "Normal" | "Warning";

/** An Event to record, as a capability's pure status rules decide (kube/status-writer records it after the write). */
export interface EventSpec {
  type: EventType;
  reason: string;
  message: string;
}

export async function recordEvent(
  client: KubeClient,
  obj: KubeObject,
  type: EventType,
  reason: string,
  message: string,
  component: string,
): Promise<void> {
  const now = new Date().toISOString();
  const ns = obj.metadata.namespace ?? "default";
  await client.create(R.Event, {
    metadata: { name: `${obj.metadata.name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, namespace: ns },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    },
    type,
    reason,
    message: message.slice(0, 1024),
    source: { component },
    reportingComponent: component,
    reportingInstance: component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  } as unknown as KubeObject);
}
