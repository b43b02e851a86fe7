/**
 * A small Kubernetes REST client bound to one kubeconfig. Pepr's K8s() uses one global kubeconfig and a fixed
 * field manager; the FOCOM capability talks to several O-Clouds and every writer here needs its own stable
 * field manager, so the module, the CLI and the tests share this client instead.
 */
import https from "node:https";
import { contextNamespace, KubeConfig, KubeconfigSource, loadKubeConfig } from "./kubeconfig";
import { apiVersionOf, Resource } from "./resources";
import { WatchTracker } from "./watch-health";

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
export const isForbidden = (e: unknown): e is KubeError => e instanceof KubeError && e.status === 403;

/**
 * How long the TLS material and Authorization header taken from the kubeconfig are reused. KubeConfig re-runs an
 * exec plugin whose credential has no expiry on every call and re-reads a service-account token file each minute;
 * a 401 drops them at once, so a rotated or expired credential is fetched again on the next request.
 */
const AUTH_TTL_MS = 60_000;

/** What KubeConfig.applyToHTTPSOptions sets that a request needs (its per-call agent is not used: ours keeps alive). */
type AuthOptions = Pick<
  https.RequestOptions,
  "ca" | "cert" | "key" | "pfx" | "passphrase" | "rejectUnauthorized" | "servername" | "auth"
> & { headers: Record<string, string>; proxyAgent?: https.Agent };

export class KubeClient {
  readonly server: string;
  /** The current context's namespace, if it names one (kubectl's default for -n). */
  readonly namespace?: string;
  /** The kubeconfig user of the current context, to name who was refused (not necessarily the API server's name). */
  readonly user?: string;
  private readonly agent: https.Agent;
  private auth?: { options: Promise<AuthOptions>; at: number };

  private constructor(
    private readonly kc: KubeConfig,
    readonly fieldManager: string,
  ) {
    this.server = kc.getCurrentCluster()!.server;
    this.namespace = contextNamespace(kc);
    this.user = kc.getContextObject(kc.getCurrentContext())?.user || undefined;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  }

  /**
   * From kubeconfig text, a file, or (neither) KUBECONFIG / ~/.kube/config / the pod's service account, with the
   * given context or the current one. Resolves once the credentials are usable (an exec plugin has run).
   */
  static async create(opts: KubeconfigSource & { fieldManager?: string } = {}): Promise<KubeClient> {
    const client = new KubeClient(await loadKubeConfig(opts), opts.fieldManager ?? "o-cloud-provisioner");
    await client.authOptions();
    return client;
  }

  /** TLS options and headers for the next request (see AUTH_TTL_MS). */
  authOptions(): Promise<AuthOptions> {
    if (!this.auth || Date.now() - this.auth.at > AUTH_TTL_MS) {
      const options = (async () => {
        const o: https.RequestOptions = {};
        await this.kc.applyToHTTPSOptions(o);
        const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername, auth } = o;
        return {
          ...{ ca, cert, key, pfx, passphrase, rejectUnauthorized, servername, auth },
          headers: { ...(o.headers as Record<string, string>) },
          // client-node builds the agent a proxy-url needs; without one its plain agent is dropped for ours.
          proxyAgent: this.kc.getCurrentCluster()?.proxyUrl ? (o.agent as https.Agent) : undefined,
        };
      })();
      const entry = { options, at: Date.now() };
      this.auth = entry;
      options.catch(() => {
        if (this.auth === entry) this.auth = undefined;
      });
    }
    return this.auth.options;
  }

  /** Request options: the auth material with the given agent (keep-alive pool, or none for a long watch). */
  private async requestOptions(method: string, headers: Record<string, string>, agent: https.Agent | false) {
    const { headers: authHeaders, proxyAgent, ...tls } = await this.authOptions();
    // The field manager as User-Agent: an audit log then tells this module's writers apart (and from Pepr's client).
    const userAgent = { "User-Agent": this.fieldManager };
    return { ...tls, agent: proxyAgent ?? agent, method, headers: { ...userAgent, ...authHeaders, ...headers } };
  }

  /** A 401 means the credential expired or rotated: the next request takes it afresh from the kubeconfig. */
  private refused(code: number): void {
    if (code === 401) this.auth = undefined;
  }

  path(res: Resource, namespace?: string, name?: string, sub?: string): string {
    const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
    const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${res.plural}${name ? `/${encodeURIComponent(name)}` : ""}${sub ? `/${sub}` : ""}`;
  }

  /** One HTTP request; resolves the parsed JSON body, rejects with KubeError on a non-2xx answer. */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const headers: Record<string, string> = { Accept: "application/json" };
    if (payload) Object.assign(headers, { "Content-Type": contentType, "Content-Length": String(payload.length) });
    const options = await this.requestOptions(method, headers, this.agent);
    return new Promise<T>((resolve, reject) => {
      const req = https.request(this.server + path, options, res => {
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
          this.refused(code);
          const status = parsed as { message?: string; reason?: string } | undefined;
          reject(new KubeError(code, status?.message ?? `${method} ${path}: HTTP ${code}`, status?.reason));
        });
        res.on("error", reject);
      });
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

  /** Server-side apply with this client's field manager (dryRun: judged and admitted as it would be, nothing stored). */
  apply<T extends KubeObject = KubeObject>(
    res: Resource,
    obj: KubeObject,
    opts: { force?: boolean; dryRun?: boolean } = {},
  ): Promise<T> {
    const q = new URLSearchParams({ fieldManager: this.fieldManager, fieldValidation: "Strict" });
    if (opts.force ?? true) q.set("force", "true");
    if (opts.dryRun) q.set("dryRun", "All");
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
   * An outage of any length is outlived: every failure is retried forever with capped, jittered back-off
   * (kube/watch-health), logged once per outage, and followed by a relist whose diff reports what changed
   * meanwhile; onRecovered follows the list that ends an outage, so a cache can re-deliver what it holds.
   */
  watch<T extends KubeObject = KubeObject>(
    res: Resource,
    onEvent: (phase: WatchPhase, obj: T) => void,
    opts: ListOptions & {
      onError?: (e: unknown) => void;
      onSynced?: () => void;
      onRecovered?: () => void;
    } = {},
  ): () => void {
    let stopped = false;
    const selectors = [opts.labelSelector, opts.fieldSelector].filter(Boolean).join(", ");
    const health = new WatchTracker(
      `${this.server} ${res.plural}${opts.namespace ? ` in ${opts.namespace}` : ""}${selectors ? ` (${selectors})` : ""}`,
    );
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
            const recovered = health.connected();
            opts.onSynced?.();
            if (recovered) opts.onRecovered?.();
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
            r => {
              current = r;
              if (stopped) r.destroy(); // stopped while the request's credentials were being read
            },
          );
        } catch (e) {
          if (stopped) return;
          // 410 Gone: the resourceVersion expired; relist at once, this is no outage.
          if (e instanceof KubeError && e.status === 410) rv = "";
          else {
            try {
              opts.onError?.(e);
            } catch {
              /* a listener's failure must not end the loop */
            }
            rv = "";
            await new Promise(r => setTimeout(r, health.failed(e)));
          }
        }
      }
    };
    // The loop catches every failure itself; this guard only keeps a bug in it from becoming an unhandled
    // rejection, which would end the process.
    loop().catch(e => health.failed(e));
    return () => {
      stopped = true;
      health.remove();
      current?.destroy();
    };
  }

  /** One watch stream; resolves with the last resourceVersion when the server closes it. */
  private async streamWatch<T extends KubeObject>(
    res: Resource,
    rv: string,
    opts: ListOptions,
    onEvent: (phase: WatchPhase, obj: T) => void,
    onRequest: (r: import("node:http").ClientRequest) => void,
  ): Promise<string> {
    const q = new URLSearchParams({ watch: "1", resourceVersion: rv, allowWatchBookmarks: "true", timeoutSeconds: "300" });
    if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (opts.fieldSelector) q.set("fieldSelector", opts.fieldSelector);
    const options = await this.requestOptions("GET", { Accept: "application/json" }, false);
    return new Promise((resolve, reject) => {
      let last = rv;
      const req = https.request(`${this.server}${this.path(res, opts.namespace)}?${q}`, options, response => {
        if ((response.statusCode ?? 0) >= 300) {
          this.refused(response.statusCode ?? 0);
          response.resume();
          return reject(new KubeError(response.statusCode ?? 0, `watch ${res.plural}: HTTP ${response.statusCode}`));
        }
        let buf = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          buf += chunk;
          let i: number;
          // A throw in a stream event handler would be uncaught and end the process: a malformed line or a
          // failing listener ends this stream instead, and the loop relists.
          try {
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
          } catch (e) {
            req.destroy();
            reject(e);
          }
        });
        response.on("end", () => resolve(last));
        response.on("error", reject);
      });
      onRequest(req);
      req.on("error", reject);
      req.end();
    });
  }
}

function withType(res: Resource, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(res), kind: res.kind };
}
