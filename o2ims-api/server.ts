/**
 * The O2 IMS REST server's core: one Node http(s) server for every service. Each request is authenticated
 * (TokenReview), routed and validated by the service's OpenAPI 3 document, authorised (a SubjectAccessReview per
 * Access the operation names) and then handled; every error is an RFC 7807 problem.
 *
 * Routing and validation use openapi-backend (npm): it routes by the document's paths (telling 404 from 405), and
 * compiles the document's parameter and body schemas with ajv, so the document the tests validate responses
 * against is the one that judges requests; no schema is restated in code.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import type { AddressInfo } from "node:net";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import OpenAPIBackend, { type Document } from "openapi-backend";
import type { KubeClient } from "../kube/client";
import { Authenticator, authorize } from "./auth";
import { ApiRequest, ApiResponse, Problem, Service, ServiceContext } from "./contract";
import { PROBLEM_CONTENT_TYPE, problem, problemBody } from "./problem";
import type { ApiSettings } from "./settings";

/** Largest request body accepted (a ProvisioningRequest is a few KiB). */
const MAX_BODY = 1 << 20;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

interface Mounted {
  service: Service;
  api: OpenAPIBackend;
  /** The document's servers[0].url path, e.g. /o2ims-infrastructureProvisioning/v1 ("/" when none). */
  root: string;
}

/** Where a service's document is read from: its own path, or by file name in OCP_O2IMS_API_DOCUMENTS. */
export const documentPath = (service: Service, documentsDir?: string) =>
  documentsDir ? path.join(documentsDir, path.basename(service.document)) : service.document;

/** The API root of a document: the path of its first server URL (relative or absolute), or "/". */
export function apiRootOf(doc: Document): string {
  const url = doc.servers?.[0]?.url;
  if (!url) return "/";
  const p = url.startsWith("/") ? url : new URL(url).pathname;
  return p.replace(/\/+$/, "") || "/";
}

/** Loads a service's document into openapi-backend; refuses a document and implementation that disagree. */
export async function mount(service: Service, documentsDir?: string): Promise<Mounted> {
  const file = documentPath(service, documentsDir);
  const doc = load(fs.readFileSync(file, "utf8")) as Document;
  const root = apiRootOf(doc);
  // strict: an invalid document fails the start instead of serving half an API.
  // ajv-formats: openapi-backend leaves uuid, date-time, uri unchecked otherwise.
  const api = new OpenAPIBackend({
    definition: doc,
    apiRoot: root,
    strict: true,
    validate: true,
    // Every violation at once, so a client fixes its request in one round.
    ajvOpts: { allErrors: true },
    customizeAjv: ajv => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  const documented = api.getOperations().map(o => o.operationId ?? `${o.method.toUpperCase()} ${o.path} (no operationId)`);
  const implemented = Object.keys(service.operations);
  const missing = documented.filter(id => !implemented.includes(id));
  const extra = implemented.filter(id => !documented.includes(id));
  if (missing.length || extra.length)
    throw new Error(
      `service ${service.name} (${file}): ` +
        [
          missing.length && `documented, not implemented: ${missing.join(", ")}`,
          extra.length && `implemented, not documented: ${extra.join(", ")}`,
        ]
          .filter(Boolean)
          .join("; "),
    );
  return { service, api, root };
}

const underRoot = (p: string, root: string) => root === "/" || p === root || p.startsWith(`${root}/`);

/** ajv's errors of openapi-backend's combined request schema, as invalidParams naming the parameter or body field. */
function invalidParamsOf(errors: { instancePath?: string; message?: string; params?: Record<string, unknown> }[]) {
  const all = errors.map(e => {
    const parts = (e.instancePath ?? "").split("/").filter(Boolean);
    const where = parts[0] === "requestBody" ? "body" : (parts[0] ?? "request");
    let field = parts.slice(1).join(".");
    const missing = e.params?.missingProperty ?? e.params?.additionalProperty;
    if (typeof missing === "string") field = field ? `${field}.${missing}` : missing;
    const param = where === "body" ? field || "body" : field || where;
    const what = e.params?.additionalProperty ? "is not a known field/parameter" : (e.message ?? "is invalid");
    return { param, in: where, reason: what };
  });
  // One entry per parameter (a uuid is checked by format and by pattern: both would name it).
  const merged = new Map<string, { param: string; in: string; reason: string }>();
  for (const p of all) {
    const key = `${p.in} ${p.param}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...p });
    else if (!seen.reason.split("; ").includes(p.reason)) seen.reason += `; ${p.reason}`;
  }
  return [...merged.values()];
}

export interface ServerOptions {
  services: Service[];
  client: KubeClient;
  settings: ApiSettings;
  log: ServiceContext["log"];
}

export interface ApiServer {
  /** Answers one request (exported for in-process tests of the routing). */
  dispatch(method: string, url: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<Answer>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}, type = "application/json"): Answer => ({
  status,
  headers: { "Content-Type": type, ...headers },
  body: body === undefined ? undefined : JSON.stringify(body),
});

export async function createApiServer(opts: ServerOptions): Promise<ApiServer> {
  const { client, settings, log } = opts;
  // OCP_O2IMS_API_DOCUMENTS finds documents by file name, so two services may not share one.
  const names = opts.services.map(s => path.basename(s.document));
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new Error(`services share the document file name ${twice.join(", ")}`);
  const mounted = await Promise.all(opts.services.map(s => mount(s, settings.documentsDir)));
  // Longest root first, so a nested root wins over "/".
  mounted.sort((a, b) => b.root.length - a.root.length);
  const authn = new Authenticator(client, settings.authCacheSeconds * 1000);

  async function route(method: string, url: URL, headers: http.IncomingHttpHeaders, raw: Buffer): Promise<Answer> {
    const caller = await authn.authenticate(headers.authorization);
    const p = url.pathname;
    const req = { method: method.toLowerCase(), path: p, headers: headers as Record<string, string>, query: url.search.slice(1) };
    // Several documents may share a root (provisioning and its subscriptions): the first that has the path wins.
    const candidates = mounted.filter(x => underRoot(p, x.root));
    const found = candidates.map(x => ({ m: x, op: x.api.router.matchOperation(req) })).find(x => x.op !== undefined);
    if (!found) {
      const allow = METHODS.filter(x => candidates.some(c => c.api.router.matchOperation({ ...req, method: x }))).map(x =>
        x.toUpperCase(),
      );
      if (!allow.length) throw problem(404, `no resource at ${p}`);
      throw new Problem(405, "Method Not Allowed", `${method} is not allowed on ${p}; allowed: ${allow.join(", ")}`, {
        allow,
      });
    }
    const { m, op } = found as { m: Mounted; op: NonNullable<(typeof found)["op"]> };
    let body: unknown = undefined;
    if (raw.length) {
      const type = String(headers["content-type"] ?? "");
      if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type))
        throw problem(415, `the body must be application/json, not "${type || "(no Content-Type)"}"`);
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (e) {
        throw problem(400, `the body is not valid JSON: ${(e as Error).message}`, {
          invalidParams: [{ param: "body", in: "body", reason: "not valid JSON" }],
        });
      }
    }
    const validation = m.api.validateRequest({ ...req, body }, op);
    if (!validation.valid) {
      const invalidParams = invalidParamsOf(validation.errors ?? []);
      throw problem(400, invalidParams.map(x => `${x.param}: ${x.reason}`).join("; "), { invalidParams });
    }
    const parsed = m.api.router.parseRequest(req, op);
    const apiReq: ApiRequest = {
      method: method.toUpperCase(),
      path: p,
      params: parsed.params as Record<string, string>,
      query: url.searchParams,
      body,
      caller,
    };
    const operation = m.service.operations[op.operationId!];
    await authorize(client, caller, operation.access(apiReq));
    const res: ApiResponse = await operation.handle(apiReq);
    return json(res.status, res.body, res.headers);
  }

  async function dispatch(method: string, rawUrl: string, headers: http.IncomingHttpHeaders, raw: Buffer): Promise<Answer> {
    const url = new URL(rawUrl, "http://o2ims.invalid");
    if (url.pathname === "/healthz" && (method === "GET" || method === "HEAD"))
      return { status: 200, headers: { "Content-Type": "text/plain" }, body: "ok" };
    try {
      return await route(method, url, headers, raw);
    } catch (e) {
      const p = e instanceof Problem ? e : problem(500, "internal error; see the server's log");
      if (!(e instanceof Problem))
        log.error("request failed", { method, path: url.pathname, error: String((e as Error)?.stack ?? e) });
      else if (p.status >= 500) log.error("request failed", { method, path: url.pathname, status: p.status, detail: p.detail });
      const extraHeaders: Record<string, string> = {};
      if (p.status === 401) extraHeaders["WWW-Authenticate"] = 'Bearer realm="o2ims"';
      if (p.status === 405) extraHeaders.Allow = (p.extra.allow as string[]).join(", ");
      const { allow: _allow, ...extra } = p.extra;
      const body = problemBody(new Problem(p.status, p.title, p.detail, extra), url.pathname);
      return json(p.status, body, extraHeaders, PROBLEM_CONTENT_TYPE);
    }
  }

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      const answer = tooLarge
        ? Promise.resolve(
            json(413, problemBody(problem(413, `the body exceeds ${MAX_BODY} bytes`), req.url ?? "/"), {}, PROBLEM_CONTENT_TYPE),
          )
        : dispatch(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks));
      void answer.then(a => {
        res.writeHead(a.status, a.headers);
        res.end(req.method === "HEAD" ? undefined : a.body);
      });
    });
  };

  let server: http.Server | https.Server;
  if (settings.tls) {
    const { certFile, keyFile } = settings.tls;
    server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, handler);
    // A rotated certificate (cert-manager, a renewed Secret) is picked up without a restart.
    fs.watchFile(certFile, { interval: 10_000 }, () => {
      try {
        (server as https.Server).setSecureContext({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) });
        log.info("TLS certificate reloaded", { certFile });
      } catch (e) {
        log.error("TLS certificate reload failed; keeping the previous one", { certFile, error: String(e) });
      }
    });
  } else {
    log.warn(
      "no TLS certificate configured (OCP_O2IMS_API_TLS_CERT/KEY): serving plain HTTP; bearer tokens cross the network in clear",
    );
    server = http.createServer(handler);
  }
  server.requestTimeout = 60_000;

  return {
    dispatch,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(settings.port, settings.host, () => {
          const a = server.address() as AddressInfo;
          const host = a.address.includes(":") ? `[${a.address}]` : a.address;
          resolve(`${settings.tls ? "https" : "http"}://${host}:${a.port}`);
        });
      }),
    close: () =>
      new Promise(resolve => {
        if (settings.tls) fs.unwatchFile(settings.tls.certFile);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
