/**
 * A small in-process O2 IMS provisioning endpoint for the FOCOM unit tests: a real HTTP server holding requests and
 * subscriptions in maps, with the answers the REST transport relies on (201/200/202/404/401, dryRun=All stores
 * nothing, DELETE leaves the request DELETING until the test removes it) and failure injection for writes.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ProvisioningRequestInfo, SubscriptionInfo } from "../../../capabilities/focom/o2ims-client";

export class FakeO2ims {
  readonly requests = new Map<string, ProvisioningRequestInfo>();
  readonly subscriptions = new Map<string, SubscriptionInfo>();
  readonly calls: string[] = [];
  /** The one token accepted. */
  token = "good";
  /** Answer POST/PUT with this problem. */
  refuse?: { status: number; detail: string; invalidParams?: { param: string; reason: string }[] };
  url = "";
  private server?: http.Server;
  private next = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, res, chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined));
    });
    await new Promise<void>(r => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise(r => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.requests.clear();
    this.subscriptions.clear();
    this.calls.length = 0;
    this.refuse = undefined;
    this.token = "good";
    this.next = 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): void {
    this.calls.push(`${req.method} ${req.url}`);
    const send = (status: number, answer?: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(answer === undefined ? "" : JSON.stringify(answer));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { status: 401, detail: "token not accepted" });
    const [path, query] = (req.url ?? "").split("?");
    const parts = path.split("/"); // ["", "o2ims-infrastructureProvisioning", "v1", kind, id?]
    const id = decodeURIComponent(parts[4] ?? "");
    if (parts[3] === "subscriptions") {
      if (req.method === "GET") return send(200, [...this.subscriptions.values()]);
      if (req.method === "POST") {
        const sub = { ...(body as Omit<SubscriptionInfo, "subscriptionId">), subscriptionId: `sub-${++this.next}` };
        this.subscriptions.set(sub.subscriptionId, sub);
        return send(201, sub);
      }
      if (req.method === "DELETE") return send(this.subscriptions.delete(id) ? 204 : 404, undefined);
      return send(405);
    }
    const dryRun = query === "dryRun=All";
    if (req.method === "GET")
      return this.requests.has(id) ? send(200, this.requests.get(id)) : send(404, { status: 404, detail: "nf" });
    if (req.method === "POST" || req.method === "PUT") {
      if (this.refuse) return send(this.refuse.status, { ...this.refuse });
      const data = body as ProvisioningRequestInfo;
      const saved = { ...data, status: { provisioningPhase: "PROGRESSING" as const, updateTime: "2026-01-01T00:00:00Z" } };
      if (!dryRun) this.requests.set(data.provisioningRequestId, saved);
      return send(req.method === "POST" ? 201 : 200, saved);
    }
    if (req.method === "DELETE") {
      const had = this.requests.get(id);
      if (!had) return send(404, { status: 404, detail: "nf" });
      this.requests.set(id, { ...had, status: { ...had.status, provisioningPhase: "DELETING" } });
      return send(202);
    }
    send(405);
  }
}
