/**
 * A client of an O-Cloud's O2 IMS provisioning API (/o2ims-infrastructureProvisioning/v1/provisioningRequests),
 * authenticated with a bearer token. Hand-written on node:https rather than fetch: the per-OCloud CA bundle needs an
 * https.Agent option (fetch would need undici's Agent, not a dependency), and node:https never follows redirects,
 * which a credential-carrying client must not do. The token goes into the Authorization header only: no message of
 * this file quotes it, and errors carry the server's problem details, never the request.
 */
import https from "node:https";
import http from "node:http";

import {
  PROVISIONING_PATH,
  PROVISIONING_SUBSCRIPTIONS_PATH as SUBSCRIPTIONS_PATH,
  type ProvisioningRequestData,
  type ProvisioningRequestInfo as ServerInfo,
} from "../../api/o2ims-rest";

export { PROVISIONING_PATH, SUBSCRIPTIONS_PATH, type ProvisioningRequestData };

export interface SubscriptionInfo {
  subscriptionId: string;
  callback: string;
  consumerSubscriptionId?: string;
  filter?: string;
}

/** The O2 IMS ProvisioningRequestInfo as FOCOM reads it: only the id is relied upon, the rest is checked where used. */
export type ProvisioningRequestInfo = Partial<Omit<ServerInfo, "provisioningRequestId" | "status">> & {
  provisioningRequestId: string;
  status?: Partial<ServerInfo["status"]>;
};

/** An answer of the O2 IMS server other than 2xx: its status and its RFC 7807 detail and invalidParams. */
export class O2imsError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly invalidParams: { param: string; reason: string }[] = [],
  ) {
    super(detail);
  }
}

export interface O2imsClientOptions {
  /** https://host:port (a path, if any, is kept as the prefix). */
  url: string;
  token: string;
  /** PEM CA bundle; default the system CAs. */
  ca?: string;
  timeoutMs?: number;
}

const MAX_DETAIL = 600;

export class O2imsClient {
  private readonly base: URL;
  private readonly agent: https.Agent | http.Agent;

  constructor(private readonly opts: O2imsClientOptions) {
    this.base = new URL(opts.url);
    this.agent =
      this.base.protocol === "https:" ? new https.Agent({ keepAlive: true, ca: opts.ca }) : new http.Agent({ keepAlive: true });
  }

  /** The request, or undefined when the O-Cloud has none of that id (404). */
  async get(id: string): Promise<ProvisioningRequestInfo | undefined> {
    try {
      return await this.call<ProvisioningRequestInfo>("GET", `${PROVISIONING_PATH}/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof O2imsError && e.status === 404) return undefined;
      throw e;
    }
  }

  create(data: ProvisioningRequestData, dryRun = false): Promise<ProvisioningRequestInfo> {
    return this.call("POST", `${PROVISIONING_PATH}${dryRun ? "?dryRun=All" : ""}`, data);
  }

  update(data: ProvisioningRequestData, dryRun = false): Promise<ProvisioningRequestInfo> {
    const id = encodeURIComponent(data.provisioningRequestId);
    return this.call("PUT", `${PROVISIONING_PATH}/${id}${dryRun ? "?dryRun=All" : ""}`, data);
  }

  /** Starts the deletion; false when the O-Cloud has no such request. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.call("DELETE", `${PROVISIONING_PATH}/${encodeURIComponent(id)}`);
      return true;
    } catch (e) {
      if (e instanceof O2imsError && e.status === 404) return false;
      throw e;
    }
  }

  listSubscriptions(): Promise<SubscriptionInfo[]> {
    return this.call("GET", SUBSCRIPTIONS_PATH);
  }

  createSubscription(data: Omit<SubscriptionInfo, "subscriptionId">): Promise<SubscriptionInfo> {
    return this.call("POST", SUBSCRIPTIONS_PATH, data);
  }

  /** False when it was gone already. */
  async deleteSubscription(id: string): Promise<boolean> {
    try {
      await this.call("DELETE", `${SUBSCRIPTIONS_PATH}/${encodeURIComponent(id)}`);
      return true;
    } catch (e) {
      if (e instanceof O2imsError && e.status === 404) return false;
      throw e;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(this.base.pathname.replace(/\/$/, "") + path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      Accept: "application/json, application/problem+json",
      Authorization: `Bearer ${this.opts.token}`,
    };
    if (payload) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": String(payload.length) });
    const mod = url.protocol === "https:" ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent, timeout: this.opts.timeoutMs ?? 10_000 }, res => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300) return resolve(parsed as T);
          reject(problemError(status, parsed));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`no answer from ${url.origin} within ${this.opts.timeoutMs ?? 10_000} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}

/** The O2imsError of a non-2xx answer: the problem's detail (bounded), else the status alone. */
export function problemError(status: number, body: unknown): O2imsError {
  const p = (typeof body === "object" && body !== null ? body : {}) as { detail?: unknown; invalidParams?: unknown };
  const detail = typeof p.detail === "string" && p.detail ? p.detail : `HTTP ${status}`;
  const invalid = Array.isArray(p.invalidParams)
    ? (p.invalidParams as { param?: unknown; reason?: unknown }[])
        .filter(i => typeof i.param === "string" && typeof i.reason === "string")
        .map(i => ({ param: i.param as string, reason: i.reason as string }))
    : [];
  return new O2imsError(status, detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail, invalid);
}
