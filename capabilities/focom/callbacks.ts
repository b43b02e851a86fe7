/**
 * The callback endpoint O-Clouds' O2 IMS servers POST ProvisioningRequest state notifications to, served by the
 * FOCOM controller (watcher) on its own port when OCP_FOCOM_CALLBACK_URL says how O-Clouds reach it:
 *   OCP_FOCOM_CALLBACK_URL   base URL the O-Clouds can reach (http(s)://host:port, e.g. behind a Service); unset =
 *                            no callbacks, FOCOM polls every O2 IMS O-Cloud
 *   OCP_FOCOM_CALLBACK_PORT  port the module listens on (default 3002); OCP_FOCOM_CALLBACK_HOST its address (0.0.0.0)
 * Each subscription gets an unguessable token (32 random bytes) in its callback path,
 * <base>/focom/o2ims/notifications/<token>; a POST is accepted only for a live token, compared in constant time, and
 * anything else is a 404 that says nothing. A notification is only a trigger: the request is re-read from the O-Cloud
 * before anything is written, so a forged or replayed body can at most cause one extra GET. Hand-written on node:http:
 * one POST route with a bounded body needs no framework. Tokens are never logged.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";

export const CALLBACK_PATH = "/focom/o2ims/notifications/";
const MAX_BODY = 256 * 1024;

export interface CallbackSettings {
  baseUrl: string;
  port: number;
  host: string;
}

/** The callback settings, or undefined when none is configured (polling); a bad value throws naming its variable. */
export function readCallbackSettings(env: NodeJS.ProcessEnv = process.env): CallbackSettings | undefined {
  const raw = env.OCP_FOCOM_CALLBACK_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error("OCP_FOCOM_CALLBACK_URL: must be an http(s) URL such as https://smo-focom.example:3002");
  }
  if (!["http:", "https:"].includes(url.protocol) || url.username || url.password || url.search || url.hash)
    throw new Error("OCP_FOCOM_CALLBACK_URL: must be an http(s) URL without user information, query or fragment");
  const port = Number(env.OCP_FOCOM_CALLBACK_PORT || 3002);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`OCP_FOCOM_CALLBACK_PORT="${env.OCP_FOCOM_CALLBACK_PORT}" must be a port number`);
  return { baseUrl: raw.replace(/\/+$/, ""), port, host: env.OCP_FOCOM_CALLBACK_HOST || "0.0.0.0" };
}

/** A notification that arrived for a live token: which registration it was for and the request id it names. */
export type NotificationHandler = (registration: string, provisioningRequestId: string | undefined) => void;

export class CallbackServer {
  private readonly tokens = new Map<string, Buffer>(); // registration -> token
  private server?: http.Server;

  constructor(
    private readonly settings: CallbackSettings,
    private readonly onNotification: NotificationHandler,
  ) {}

  /** A fresh token for a registration (e.g. one OCloud's subscription), replacing its previous one; the callback URL. */
  register(registration: string): string {
    const token = randomBytes(32);
    this.tokens.set(registration, token);
    return `${this.settings.baseUrl}${CALLBACK_PATH}${token.toString("hex")}`;
  }

  /** Whether a callback URL is one this server hands out (under its base URL and path), live or not. */
  owns(callback: string): boolean {
    return callback.startsWith(`${this.settings.baseUrl}${CALLBACK_PATH}`);
  }

  unregister(registration: string): void {
    this.tokens.delete(registration);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.settings.port, this.settings.host, () => resolve());
    });
    this.server = server;
  }

  stop(): void {
    this.server?.close();
  }

  /** The registration a presented token belongs to: every live token compared in constant time. */
  private registrationOf(presented: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(presented)) return undefined;
    const given = Buffer.from(presented, "hex");
    let found: string | undefined;
    for (const [registration, token] of this.tokens) if (timingSafeEqual(given, token)) found = registration;
    return found;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "").split("?")[0];
    const registration =
      req.method === "POST" && path.startsWith(CALLBACK_PATH) ? this.registrationOf(path.slice(CALLBACK_PATH.length)) : undefined;
    if (!registration) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      if (res.writableEnded) return;
      let id: string | undefined;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { provisioningRequestId?: unknown };
        if (typeof body.provisioningRequestId === "string") id = body.provisioningRequestId;
      } catch {
        // Not JSON: still a sign of life from that O-Cloud; every request on it is re-read.
      }
      this.onNotification(registration, id);
      res.writeHead(204).end();
    });
  }
}
