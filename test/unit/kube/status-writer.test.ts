/**
 * The shared status policy (kube/status-writer) with a fake client that records every call: the full condition set
 * on every path, transition times that move only with the status, no request when nothing changed, and the Events
 * the capability's rule asks for.
 */
import { KubeClient, KubeError, KubeObject } from "../../../kube/client";
import type { EventSpec } from "../../../kube/events";
import type { Resource } from "../../../kube/resources";
import { nextStatus, StatusPolicy, StatusUpdate, StatusWriter, WritableStatus } from "../../../kube/status-writer";
import type { Condition } from "../../../kube/types";

interface WidgetStatus extends WritableStatus {
  state?: string;
  message?: string;
  updated?: string;
  detail?: { since?: string; note?: string };
}
type Widget = KubeObject & { status?: WidgetStatus };

const WIDGETS: Resource = { group: "example.org", version: "v1", kind: "Widget", plural: "widgets", namespaced: true };
const T0 = new Date("2026-01-01T00:00:00.000Z");
const T1 = new Date("2026-01-01T00:05:00.000Z");
const T2 = new Date("2026-01-01T00:09:00.000Z");

const POLICY: StatusPolicy<WidgetStatus> = {
  resource: WIDGETS,
  conditionTypes: ["Valid", "Ready", "Deleting"],
  timestamps: ["updated", "detail.since"],
  touchOnChange: ["updated"],
  component: "widget-controller",
  events: (previous, next) =>
    previous?.state === next.state
      ? []
      : [{ type: next.state === "failed" ? "Warning" : "Normal", reason: String(next.state), message: String(next.message) }],
};

/** Records every call; the object lives in `live`, as the API server would keep it. */
function fake(live: Widget, opts: { fail?: Error } = {}) {
  const calls: { verb: string; path?: string; body: unknown }[] = [];
  let rv = 1;
  const client = {
    async jsonPatch(
      res: Resource,
      name: string,
      ns: string | undefined,
      ops: { op: string; path: string; value: unknown }[],
      sub?: string,
    ) {
      calls.push({ verb: "patch", path: `${res.plural}/${ns}/${name}/${sub}`, body: ops });
      if (opts.fail) throw opts.fail;
      for (const op of ops) if (op.op === "add" && op.path === "/status") live.status = structuredClone(op.value) as WidgetStatus;
      live.metadata.resourceVersion = String(++rv);
      return structuredClone(live);
    },
    async create(res: Resource, obj: KubeObject) {
      calls.push({ verb: "create", path: res.plural, body: obj });
      return obj;
    },
  } as unknown as KubeClient;
  const events = () =>
    calls
      .filter(c => c.verb === "create")
      .map(c => {
        const e = c.body as { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } };
        return { type: e.type, reason: e.reason, message: e.message, on: `${e.involvedObject.kind}/${e.involvedObject.name}` };
      });
  return { client, calls, events, patches: () => calls.filter(c => c.verb === "patch") };
}

const widget = (generation = 1): Widget => ({
  apiVersion: "example.org/v1",
  kind: "Widget",
  metadata: { name: "w", namespace: "ns", uid: "u1", generation, resourceVersion: "1" },
});
const condition = (s: WidgetStatus | undefined, type: string) => s?.conditions?.find(c => c.type === type) as Condition;

const ok: StatusUpdate<WidgetStatus> = {
  fields: { state: "ready", message: "all good" },
  conditions: [
    { type: "Valid", status: "True", reason: "Valid", message: "valid" },
    { type: "Ready", status: "True", reason: "Ready", message: "ready" },
  ],
};

describe("kube/status-writer", () => {
  it("writes every condition type of the kind on every path: set, carried over, or Unknown/NotChecked", async () => {
    const w = widget();
    const f = fake(w);
    const writer = new StatusWriter(f.client, POLICY);
    await writer.write(w, ok, T0);
    expect(w.status?.conditions?.map(c => [c.type, c.status, c.reason])).toEqual([
      ["Valid", "True", "Valid"],
      ["Ready", "True", "Ready"],
      ["Deleting", "Unknown", "NotChecked"],
    ]);
    expect(w.status?.observedGeneration).toBe(1);
    // A path that evaluates only Deleting: Valid and Ready are carried over as they were.
    await writer.write(
      w,
      {
        fields: { state: "deleting", message: "bye" },
        conditions: [{ type: "Deleting", status: "True", reason: "Deleting", message: "bye" }],
      },
      T1,
    );
    expect(w.status?.conditions?.map(c => [c.type, c.status, c.reason, c.lastTransitionTime])).toEqual([
      ["Valid", "True", "Valid", T0.toISOString()],
      ["Ready", "True", "Ready", T0.toISOString()],
      ["Deleting", "True", "Deleting", T1.toISOString()],
    ]);
  });

  it("refuses a condition type the kind does not have", () => {
    expect(() =>
      nextStatus(
        undefined,
        { fields: {}, conditions: [{ type: "Bogus", status: "True", reason: "R", message: "" }] },
        POLICY,
        1,
        "",
      ),
    ).toThrow("condition type Bogus is not one of Valid, Ready, Deleting");
  });

  it("moves lastTransitionTime only when a condition's status changes, not its reason or message", async () => {
    const w = widget();
    const writer = new StatusWriter(fake(w).client, POLICY);
    await writer.write(w, ok, T0);
    const reworded: StatusUpdate<WidgetStatus> = {
      ...ok,
      conditions: [ok.conditions[0], { type: "Ready", status: "True", reason: "StillReady", message: "reworded" }],
    };
    await writer.write(w, reworded, T1);
    expect(condition(w.status, "Ready")).toMatchObject({
      reason: "StillReady",
      message: "reworded",
      lastTransitionTime: T0.toISOString(),
    });
    await writer.write(w, { ...ok, conditions: [{ type: "Ready", status: "False", reason: "Broken", message: "no" }] }, T2);
    expect(condition(w.status, "Ready").lastTransitionTime).toBe(T2.toISOString());
    expect(condition(w.status, "Valid").lastTransitionTime).toBe(T0.toISOString());
  });

  it("makes no request when the live status already says it (timestamps, key and condition order aside)", async () => {
    const w = widget();
    const f = fake(w);
    const writer = new StatusWriter(f.client, POLICY);
    await writer.write(w, { ...ok, fields: { ...ok.fields, detail: { since: T0.toISOString(), note: "n" } } }, T0);
    expect(f.patches()).toHaveLength(1);
    // The API server answers with its own key order and the list reordered; the clock-like field differs.
    const live = w.status!;
    w.status = {
      detail: { note: "n", since: T1.toISOString() },
      updated: live.updated,
      conditions: [...live.conditions!].reverse(),
      message: live.message,
      observedGeneration: 1,
      state: live.state,
    };
    const result = await writer.write(w, { ...ok, fields: { ...ok.fields, detail: { since: T2.toISOString(), note: "n" } } }, T2);
    expect(result.written).toBe(false);
    expect(f.patches()).toHaveLength(1);
    expect(f.events()).toHaveLength(1);
  });

  it("writes when only observedGeneration changed, and moves the touched timestamp only on a change", async () => {
    const w = widget();
    const f = fake(w);
    const writer = new StatusWriter(f.client, POLICY);
    await writer.write(w, ok, T0);
    expect(w.status?.updated).toBe(T0.toISOString());
    await writer.write(w, ok, T1);
    expect(w.status?.updated).toBe(T0.toISOString());
    w.metadata.generation = 2;
    await writer.write(w, ok, T2);
    expect(f.patches()).toHaveLength(2);
    expect(w.status).toMatchObject({ observedGeneration: 2, updated: T2.toISOString() });
    expect(condition(w.status, "Ready")).toMatchObject({ observedGeneration: 2, lastTransitionTime: T0.toISOString() });
  });

  it("replaces the whole status subresource with one JSON patch, so a field the update drops is removed", async () => {
    const w = widget();
    const f = fake(w);
    const writer = new StatusWriter(f.client, POLICY);
    await writer.write(w, { ...ok, fields: { ...ok.fields, detail: { note: "temporary" } } }, T0);
    await writer.write(w, ok, T1);
    const last = f.patches().at(-1)!;
    expect(last.path).toBe("widgets/ns/w/status");
    expect(last.body).toEqual([{ op: "add", path: "/status", value: expect.objectContaining({ state: "ready" }) }]);
    expect(w.status).not.toHaveProperty("detail");
  });

  it("records the Events the capability's rule gives, on the object, after the write", async () => {
    const w = widget();
    const f = fake(w);
    const writer = new StatusWriter(f.client, POLICY);
    await writer.write(w, ok, T0);
    await writer.write(w, { ...ok, fields: { state: "ready", message: "still good" } }, T1); // written, no state change
    const failed = await writer.write(
      w,
      {
        fields: { state: "failed", message: "denied" },
        conditions: [{ type: "Ready", status: "False", reason: "Denied", message: "denied" }],
      },
      T2,
    );
    expect(failed.events).toEqual<EventSpec[]>([{ type: "Warning", reason: "failed", message: "denied" }]);
    expect(f.events()).toEqual([
      { type: "Normal", reason: "ready", message: "all good", on: "Widget/w" },
      { type: "Warning", reason: "failed", message: "denied", on: "Widget/w" },
    ]);
  });

  it("treats a deleted object as nothing to write, and throws any other failure (the queue retries)", async () => {
    const gone = widget();
    const f = fake(gone, { fail: new KubeError(404, "not found") });
    expect(await new StatusWriter(f.client, POLICY).write(gone, ok, T0)).toMatchObject({ written: false });
    expect(f.events()).toEqual([]);
    const busy = widget();
    await expect(
      new StatusWriter(fake(busy, { fail: new KubeError(500, "etcd") }).client, POLICY).write(busy, ok, T0),
    ).rejects.toThrow("etcd");
  });
});
