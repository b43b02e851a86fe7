/**
 * The O2 IMS REST client against a real local HTTP server: the bearer token in the header and nowhere else, the
 * paths and dryRun parameter, 404 as absence, problem details as O2imsError, and redirects never followed.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { O2imsClient, O2imsError, PROVISIONING_PATH } from "../../../capabilities/focom/o2ims-client";

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
let answer: (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { "Content-Type": "application/json", ...a.headers });
      res.end(a.body === undefined ? "" : JSON.stringify(a.body));
    });
  });
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise(r => server.close(r)));
beforeEach(() => (seen.length = 0));

const data = {
  provisioningRequestId: "0b6f7c1e-3d2a-4f7e-9a51-2c4d6e8f0a1b",
  name: "r",
  templateName: "t",
  templateVersion: "v1",
  templateParameters: {},
};

describe("O2imsClient", () => {
  it("sends the bearer token and the data to the provisioning paths, dryRun as the extension's query parameter", async () => {
    answer = () => ({ status: 201, body: { ...data, status: { provisioningPhase: "PENDING" } } });
    const client = new O2imsClient({ url: base, token: "tkn" });
    await client.create(data);
    await client.create(data, true);
    answer = () => ({ status: 200, body: data });
    await client.update(data, true);
    expect(seen.map(s => `${s.method} ${s.url}`)).toEqual([
      `POST ${PROVISIONING_PATH}`,
      `POST ${PROVISIONING_PATH}?dryRun=All`,
      `PUT ${PROVISIONING_PATH}/${data.provisioningRequestId}?dryRun=All`,
    ]);
    expect(seen.every(s => s.auth === "Bearer tkn")).toBe(true);
    expect(JSON.parse(seen[0].body)).toEqual(data);
    client.close();
  });

  it("reads 404 as absent (get, delete) and other problems as O2imsError with their detail", async () => {
    const client = new O2imsClient({ url: base, token: "tkn" });
    answer = () => ({ status: 404, body: { status: 404, detail: "not found" } });
    expect(await client.get("x")).toBeUndefined();
    expect(await client.delete("x")).toBe(false);
    answer = () => ({ status: 422, body: { status: 422, detail: "spec.templateParameters: bad" } });
    const e = await client.create(data).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(O2imsError);
    expect(e).toMatchObject({ status: 422, message: "spec.templateParameters: bad" });
    expect(String((e as Error).message)).not.toContain("tkn");
    client.close();
  });

  it("never follows a redirect (the token would go along)", async () => {
    const client = new O2imsClient({ url: base, token: "tkn" });
    answer = s =>
      s.url.startsWith("/elsewhere") ? { status: 200, body: data } : { status: 307, headers: { Location: `${base}/elsewhere` } };
    await expect(client.get("x")).rejects.toMatchObject({ status: 307 });
    expect(seen.map(s => s.url)).toEqual([`${PROVISIONING_PATH}/x`]);
    client.close();
  });
});
