/**
 * A small Kubernetes REST client bound to one kubeconfig. Pepr's K8s() uses one global kubeconfig and a fixed
 * field manager; the FOCOM capability talks to several O-Clouds and every writer here needs its own stable
 * field manager, so the module, the CLI and the tests share this client instead.
 */
import fs from "node:fs";
import https from "node:https";
import { Credentials, loadDefaultCredentials, loadKubeconfigFile, parseKubeconfig } from "./kubeconfig";
import { apiVersionOf, Resource } from "./resources";

export type { KubeObject, ListOptions, ObjectMeta, OwnerReference, WatchPhase } from "./types";
import type { KubeObject, ListOptions, WatchPhase } from "./types";

/** The API server's answer to a failed request, with its HTTP status and Status message. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof KubeError && e.status === 409;

export class KubeClient {
  readonly server: string;
  private readonly tls: https.RequestOptions;
  private readonly agent: https.Agent;
  private token?: { value: string; readAt: number };

  private constructor(
    private readonly creds: Credentials,
    readonly fieldManager: string,
  ) {
    this.server = creds.server;
    this.tls = { ca: creds.ca, cert: creds.cert, key: creds.key, rejectUnauthorized: !creds.insecureSkipTLSVerify };
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /** From a kubeconfig file path, its text, or (no argument) KUBECONFIG / ~/.kube/config / the pod's service account. */
  static async create(opts: { file?: string; text?: string; fieldManager?: string } = {}): Promise<KubeClient> {
    const creds = opts.text ? parseKubeconfig(opts.text) : opts.file ? loadKubeconfigFile(opts.file) : loadDefaultCredentials();
    return new KubeClient(creds, opts.fieldManager ?? "o-cloud-provisioner");
  }

  /** Authorization header; a token file is re-read every minute (projected service-account tokens rotate). */
  private get headers(): Record<string, string> {
    if (this.creds.token) return { Authorization: `Bearer ${this.creds.token}` };
    if (this.creds.tokenFile) {
      if (!this.token || Date.now() - this.token.readAt > 60_000) {
        this.token = { value: fs.readFileSync(this.creds.tokenFile, "utf8").trim(), readAt: Date.now() };
      }
      return { Authorization: `Bearer ${this.token.value}` };
    }
    return {};
  }

  path(res: Resource, namespace?: string, name?: string, sub?: string): string {
    const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
    const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${res.plural}${name ? `/${encodeURIComponent(name)}` : ""}${sub ? `/${sub}` : ""}`;
  }

  /** One HTTP request; resolves the parsed JSON body, rejects with KubeError on a non-2xx answer. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        this.server + path,
        {
          ...this.tls,
          agent: this.agent,
          method,
          headers: {
            ...this.headers,
            Accept: "application/json",
            ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on("data", c => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = undefined;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = text;
            }
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) return resolve(parsed as T);
            const status = parsed as { message?: string; reason?: string } | undefined;
            reject(new KubeError(code, status?.message ?? `${method} ${path}: HTTP ${code}`, status?.reason));
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  get<T extends KubeObject = KubeObject>(res: Resource, name: string, namespace?: string): Promise<T> {
    return this.request<T>("GET", this.path(res, namespace, name));
  }

  /** GET that answers undefined for a missing object. */
  async find<T extends KubeObject = KubeObject>(res: Resource, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(res, name, namespace);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list<T extends KubeObject = KubeObject>(res: Resource, opts: ListOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let cont = "";
    do {
      const q = new URLSearchParams();
      if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
      if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
      q.set("limit", "500");
      if (cont) q.set("continue", cont);
      const page = await this.request<{ items: T[]; metadata: { continue?: string } }>(
        "GET",
        `${this.path(res, opts.namespace)}?${q}`,
      );
      for (const item of page.items) items.push({ apiVersion: apiVersionOf(res), kind: res.kind, ...item });
      cont = page.metadata.continue ?? "";
    } while (cont);
    return items;
  }

  create<T extends KubeObject = KubeObject>(res: Resource, obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<T> {
    const q = opts.dryRun ? "?dryRun=All" : "";
    return this.request<T>("POST", this.path(res, obj.metadata.namespace) + q, withType(res, obj));
  }

  /** Server-side apply with this client's field manager. */
  apply<T extends KubeObject = KubeObject>(res: Resource, obj: KubeObject, opts: { force?: boolean } = {}): Promise<T> {
    const q = new URLSearchParams({ fieldManager: this.fieldManager, fieldValidation: "Strict" });
    if (opts.force ?? true) q.set("force", "true");
    return this.request<T>(
      "PATCH",
      `${this.path(res, obj.metadata.namespace, obj.metadata.name)}?${q}`,
      withType(res, obj),
      "application/apply-patch+yaml",
    );
  }

  /** JSON merge patch of the object (sub = "status" for the status subresource). */
  mergePatch<T extends KubeObject>(res: Resource, name: string, namespace: string | undefined, patch: unknown, sub?: string) {
    return this.request<T>("PATCH", this.path(res, namespace, name, sub), patch, "application/merge-patch+json");
  }

  /** JSON patch (RFC 6902), used with a test op for optimistic concurrency on lists such as finalizers. */
  jsonPatch<T extends KubeObject>(res: Resource, name: string, namespace: string | undefined, ops: unknown[], sub?: string) {
    return this.request<T>("PATCH", this.path(res, namespace, name, sub), ops, "application/json-patch+json");
  }

  /** DELETE; a missing object is not an error. Background propagation unless told otherwise. */
  async delete(res: Resource, name: string, namespace?: string, propagationPolicy = "Background"): Promise<boolean> {
    try {
      await this.request("DELETE", this.path(res, namespace, name), {
        kind: "DeleteOptions",
        apiVersion: "v1",
        propagationPolicy,
      });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * List then watch from the list's resourceVersion; on a dropped connection, re-watch (or re-list on 410 Gone).
   * Calls onEvent for the initial list (ADDED) and every change. Returns a stop function.
   */
  watch<T extends KubeObject = KubeObject>(
    res: Resource,
    onEvent: (phase: WatchPhase, obj: T) => void,
    opts: ListOptions & { onError?: (e: unknown) => void; onSynced?: () => void } = {},
  ): () => void {
    let stopped = false;
    let current: import("node:http").ClientRequest | undefined;
    // Only what a relist diff needs (the informers keep the objects): resourceVersion, and identity for DELETED.
    const known = new Map<string, T>();
    const slim = (o: T) =>
      ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          uid: o.metadata.uid,
          resourceVersion: o.metadata.resourceVersion,
          labels: o.metadata.labels,
          annotations: o.metadata.annotations,
        },
      }) as T;
    const loop = async () => {
      let rv = "";
      let backoff = 250;
      while (!stopped) {
        try {
          if (!rv) {
            const q = new URLSearchParams();
            if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
            if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
            const list = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>(
              "GET",
              `${this.path(res, opts.namespace)}?${q}`,
            );
            const seen = new Set<string>();
            for (const item of list.items) {
              const obj = { apiVersion: apiVersionOf(res), kind: res.kind, ...item } as T;
              seen.add(obj.metadata.uid!);
              const before = known.get(obj.metadata.uid!);
              known.set(obj.metadata.uid!, slim(obj));
              if (!before) onEvent("ADDED", obj);
              else if (before.metadata.resourceVersion !== obj.metadata.resourceVersion) onEvent("MODIFIED", obj);
            }
            for (const [uid, obj] of known) {
              if (!seen.has(uid)) {
                known.delete(uid);
                onEvent("DELETED", obj);
              }
            }
            rv = list.metadata.resourceVersion;
            opts.onSynced?.();
          }
          rv = await this.streamWatch<T>(
            res,
            rv,
            opts,
            (phase, obj) => {
              if (phase === "DELETED") known.delete(obj.metadata.uid!);
              else known.set(obj.metadata.uid!, slim(obj));
              onEvent(phase, obj);
            },
            r => (current = r),
          );
          backoff = 250;
        } catch (e) {
          if (stopped) return;
          if (e instanceof KubeError && e.status === 410) rv = "";
          else {
            opts.onError?.(e);
            rv = "";
            await new Promise(r => setTimeout(r, backoff));
            backoff = Math.min(backoff * 2, 10_000);
          }
        }
      }
    };
    void loop();
    return () => {
      stopped = true;
      current?.destroy();
    };
  }

  /** One watch stream; resolves with the last resourceVersion when the server closes it. */
  private streamWatch<T extends KubeObject>(
    res: Resource,
    rv: string,
    opts: ListOptions,
    onEvent: (phase: WatchPhase, obj: T) => void,
    onRequest: (r: import("node:http").ClientRequest) => void,
  ): Promise<string> {
    const q = new URLSearchParams({ watch: "1", resourceVersion: rv, allowWatchBookmarks: "true", timeoutSeconds: "300" });
    if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
    return new Promise((resolve, reject) => {
      let last = rv;
      const req = https.request(
        `${this.server}${this.path(res, opts.namespace)}?${q}`,
        { ...this.tls, agent: false, method: "GET", headers: { ...this.headers, Accept: "application/json" } },
        response => {
          if ((response.statusCode ?? 0) >= 300) {
            response.resume();
            return reject(new KubeError(response.statusCode ?? 0, `watch ${res.plural}: HTTP ${response.statusCode}`));
          }
          let buf = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            buf += chunk;
            let i: number;
            while ((i = buf.indexOf("\n")) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { type: string; object: T & { code?: number; message?: string } };
              if (ev.type === "ERROR") {
                req.destroy();
                return reject(new KubeError(ev.object.code ?? 500, ev.object.message ?? "watch error"));
              }
              last = ev.object.metadata?.resourceVersion ?? last;
              if (ev.type === "BOOKMARK") continue;
              onEvent(ev.type as WatchPhase, { apiVersion: apiVersionOf(res), kind: res.kind, ...ev.object });
            }
          });
          response.on("end", () => resolve(last));
          response.on("error", reject);
        },
      );
      onRequest(req);
      req.on("error", reject);
      req.end();
    });
  }
}

function withType(res: Resource, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(res), kind: res.kind };
}
