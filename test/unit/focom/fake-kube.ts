/**
 * An in-memory stand-in for KubeClient with the calls the FOCOM reconciler makes, and failure injection, so the
 * reconcile and deletion paths run without an API server. Objects get uid, generation and resourceVersion.
 */
import { KubeClient, KubeError, KubeObject } from "../../../kube/client";
import type { Resource } from "../../../kube/resources";

type Op = "get" | "apply" | "delete" | "patch" | "create";

export class FakeKube {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  /** Return an error to make the call fail. */
  fail?: (op: Op, res: Resource, name?: string) => Error | undefined;
  private rv = 0;

  constructor(readonly name = "fake") {}

  private key = (res: Resource, ns: string | undefined, name: string) => `${res.plural}/${ns ?? ""}/${name}`;

  private check(op: Op, res: Resource, name?: string) {
    this.calls.push(`${op} ${res.plural}${name ? `/${name}` : ""}`);
    const e = this.fail?.(op, res, name);
    if (e) throw e;
  }

  put(res: Resource, obj: KubeObject): KubeObject {
    const stored = structuredClone({
      apiVersion: res.group ? `${res.group}/${res.version}` : res.version,
      kind: res.kind,
      ...obj,
    });
    stored.metadata.uid ??= `uid-${obj.metadata.name}`;
    stored.metadata.generation ??= 1;
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(this.key(res, obj.metadata.namespace, obj.metadata.name), stored);
    return structuredClone(stored);
  }

  peek<T extends KubeObject = KubeObject>(res: Resource, name: string, ns?: string): T | undefined {
    const o = this.objects.get(this.key(res, ns, name));
    return o ? (structuredClone(o) as T) : undefined;
  }

  client(): KubeClient {
    return this.asClient(this);
  }

  private asClient(self: FakeKube): KubeClient {
    return {
      server: this.name,
      async find(res: Resource, name: string, ns?: string) {
        self.check("get", res, name);
        return self.peek(res, name, ns);
      },
      async apply(res: Resource, obj: KubeObject, opts?: { dryRun?: boolean }) {
        self.check("apply", res, obj.metadata.name);
        if (opts?.dryRun) return structuredClone(obj);
        const before = self.peek(res, obj.metadata.name, obj.metadata.namespace);
        const changed = !before || JSON.stringify(before.spec) !== JSON.stringify(obj.spec);
        const merged: KubeObject = {
          ...before,
          ...obj,
          metadata: {
            ...before?.metadata,
            ...obj.metadata,
            labels: { ...before?.metadata.labels, ...obj.metadata.labels },
            annotations: { ...before?.metadata.annotations, ...obj.metadata.annotations },
            generation: (before?.metadata.generation ?? 0) + (changed ? 1 : 0),
          },
          status: before?.status,
        };
        return self.put(res, merged);
      },
      async delete(res: Resource, name: string, ns?: string) {
        self.check("delete", res, name);
        const o = self.peek(res, name, ns);
        if (!o) return false;
        if (o.metadata.finalizers?.length)
          self.put(res, { ...o, metadata: { ...o.metadata, deletionTimestamp: new Date().toISOString() } });
        else self.objects.delete(self.key(res, ns, name));
        return true;
      },
      async mergePatch(res: Resource, name: string, ns: string | undefined, patch: { metadata?: Record<string, unknown> }) {
        self.check("patch", res, name);
        const o = self.peek(res, name, ns);
        if (!o) throw new KubeError(404, `${name} not found`);
        const rv = patch.metadata?.resourceVersion;
        if (rv !== undefined && rv !== o.metadata.resourceVersion) throw new KubeError(409, "the object has been modified");
        const next = { ...o, metadata: { ...o.metadata, ...patch.metadata } } as KubeObject;
        if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
          self.objects.delete(self.key(res, ns, name));
          return next;
        }
        return self.put(res, next);
      },
      async jsonPatch(res: Resource, name: string, ns: string | undefined, ops: { op: string; path: string; value: unknown }[]) {
        self.check("patch", res, name);
        const o = self.peek(res, name, ns);
        if (!o) throw new KubeError(404, `${name} not found`);
        for (const op of ops) if (op.path === "/status") o.status = op.value;
        return self.put(res, o);
      },
      async create(res: Resource, obj: KubeObject, opts?: { dryRun?: boolean }) {
        self.check("create", res, obj.metadata.name);
        if (opts?.dryRun) return structuredClone(obj);
        return self.put(res, obj);
      },
      watch: () => () => undefined,
    } as unknown as KubeClient;
  }

  /** Events recorded with recordEvent: [type, reason]. */
  events(): [string, string][] {
    return [...this.objects.values()].filter(o => o.kind === "Event").map(o => [String(o.type), String(o.reason)]);
  }
}
