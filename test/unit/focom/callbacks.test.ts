/**
 * The module's notification callback endpoint on a real port: only a POST to a live token's path is accepted and
 * handed on; a wrong, retired or malformed token and any other method or path get a bare 404. Settings are checked.
 */
import http from "node:http";
import { CALLBACK_PATH, CallbackServer, readCallbackSettings } from "../../../capabilities/focom/callbacks";
import { freePorts } from "../../../local/plane/ports";

function send(url: string, method: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { "Content-Type": "application/json" } }, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("CallbackServer", () => {
  let server: CallbackServer;
  let base: string;
  const seen: [string, string | undefined][] = [];

  beforeAll(async () => {
    const [port] = await freePorts(1);
    base = `http://127.0.0.1:${port}`;
    server = new CallbackServer({ baseUrl: base, port, host: "127.0.0.1" }, (registration, id) => seen.push([registration, id]));
    await server.start();
  });
  afterAll(() => server.stop());

  it("hands on a notification posted to a live token's URL, with the request id it names", async () => {
    const url = server.register("ns/edge");
    expect(url.startsWith(`${base}${CALLBACK_PATH}`)).toBe(true);
    expect(url.slice(`${base}${CALLBACK_PATH}`.length)).toMatch(/^[0-9a-f]{64}$/);
    expect(await send(url, "POST", JSON.stringify({ provisioningRequestId: "uid-1", status: {} }))).toBe(204);
    expect(await send(url, "POST", "not json")).toBe(204);
    expect(seen).toEqual([
      ["ns/edge", "uid-1"],
      ["ns/edge", undefined],
    ]);
  });

  it("answers 404 to a wrong, retired or malformed token, another method or path, and hands nothing on", async () => {
    seen.length = 0;
    const url = server.register("ns/other");
    const wrong = url.replace(/.$/, c => (c === "0" ? "1" : "0"));
    expect(await send(wrong, "POST", "{}")).toBe(404);
    expect(await send(`${base}${CALLBACK_PATH}abc`, "POST", "{}")).toBe(404);
    expect(await send(url, "GET")).toBe(404);
    expect(await send(`${base}/elsewhere`, "POST", "{}")).toBe(404);
    const renewed = server.register("ns/other"); // a new subscription retires the old token
    expect(await send(url, "POST", "{}")).toBe(404);
    expect(await send(renewed, "POST", "{}")).toBe(204);
    server.unregister("ns/other");
    expect(await send(renewed, "POST", "{}")).toBe(404);
    expect(seen).toEqual([["ns/other", undefined]]);
  });
});

describe("callback settings", () => {
  it("are off without OCP_FOCOM_CALLBACK_URL, and refuse a URL with credentials or a bad port, naming the variable", () => {
    expect(readCallbackSettings({})).toBeUndefined();
    expect(readCallbackSettings({ OCP_FOCOM_CALLBACK_URL: "https://smo.example:3002/" })).toEqual({
      baseUrl: "https://smo.example:3002",
      port: 3002,
      host: "0.0.0.0",
    });
    expect(() => readCallbackSettings({ OCP_FOCOM_CALLBACK_URL: "https://u:p@smo.example" })).toThrow("OCP_FOCOM_CALLBACK_URL");
    expect(() => readCallbackSettings({ OCP_FOCOM_CALLBACK_URL: "ftp://smo" })).toThrow("OCP_FOCOM_CALLBACK_URL");
    expect(() => readCallbackSettings({ OCP_FOCOM_CALLBACK_URL: "http://smo", OCP_FOCOM_CALLBACK_PORT: "99999" })).toThrow(
      "OCP_FOCOM_CALLBACK_PORT",
    );
  });
});
