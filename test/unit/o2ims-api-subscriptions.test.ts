/**
 * Subscriptions: callback URL checks, notification diffing and filtering, the retry policy, and delivery against a
 * real local HTTP server (ordering, retries, no redirects, one dead consumer not blocking another).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { addressUsable, callbackRefusal, parseCallbackAllow } from "../../o2ims-api/subscriptions/callback-url";
import { Deliverer, httpSender, retryDelay, RetryPolicy } from "../../o2ims-api/subscriptions/delivery";
import { changeType, EVENT, notificationsFor, selects, SubscriptionInfo } from "../../o2ims-api/subscriptions/events";
import { readSubscriptionSettings } from "../../o2ims-api/subscriptions/settings";
import { checkNewSubscription } from "../../o2ims-api/subscriptions/store";
import { parseFilter } from "../../o2ims-api/query";
import { Problem } from "../../o2ims-api/contract";

describe("callback URL checks", () => {
  const policy = parseCallbackAllow("10.20.0.0/16, 192.0.2.7, smo.example.com, *.smo.example.org, fd00::/8, 169.254.0.0/16");

  it.each([
    ["https://10.20.3.4:8443/notify", undefined],
    ["http://192.0.2.7/cb", undefined],
    ["https://SMO.example.com/cb", undefined],
    ["https://a.b.smo.example.org/cb", undefined],
    ["http://[fd00::5]:8080/cb", undefined],
  ])("%s is allowed", (url, expected) => expect(callbackRefusal(url, policy)).toBe(expected));

  it.each([
    ["ftp://10.20.3.4/x", /scheme ftp is not http or https/],
    ["https://user:pw@smo.example.com/cb", /user information/],
    ["https://smo.example.com/cb#frag", /fragment/],
    ["not a url", /not an absolute URL/],
    ["http://10.21.0.1/cb", /host 10\.21\.0\.1 is not in the callback allow-list/],
    ["http://evil.example.com/cb", /host evil\.example\.com is not in the callback allow-list/],
    ["http://smo.example.org/cb", /not in the callback allow-list/], // *.domain does not cover the domain itself
    ["http://169.254.169.254/latest/meta-data", /link-local .* never allowed/], // even though an entry covers it
    ["http://[fe80::1]/cb", /link-local/],
    ["http://0.0.0.0/cb", /link-local or unspecified/],
  ])("%s is refused", (url, reason) => expect(callbackRefusal(url, policy)).toMatch(reason));

  it("nothing is allowed by default, and the message says the list is empty", () => {
    expect(callbackRefusal("http://127.0.0.1/cb", parseCallbackAllow(undefined))).toMatch(/OCP_O2IMS_CALLBACK_ALLOW is empty/);
  });

  it("a bad allow-list entry is named", () => {
    expect(() => parseCallbackAllow("10.0.0.0/33")).toThrow(/OCP_O2IMS_CALLBACK_ALLOW: "10.0.0.0\/33" is not a CIDR/);
    expect(() => parseCallbackAllow("bad_name!")).toThrow(/"bad_name!" is neither/);
  });

  it("resolved addresses: link-local and metadata are unusable", () => {
    expect(addressUsable("169.254.169.254")).toBe(false);
    expect(addressUsable("fe80::1")).toBe(false);
    expect(addressUsable("10.0.0.1")).toBe(true);
  });

  it("a new subscription with a refused callback is a 400 naming callback; a bad filter a 400 naming filter", () => {
    const p = parseCallbackAllow("127.0.0.1");
    const err = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e as Problem;
      }
      throw new Error("no error");
    };
    const e1 = err(() => checkNewSubscription({ callback: "http://169.254.169.254/" }, p));
    expect(e1.status).toBe(400);
    expect(e1.detail).toMatch(/^callback: host 169\.254\.169\.254/);
    expect(e1.extra.invalidParams).toEqual([{ param: "callback", reason: expect.stringMatching(/link-local/) }]);
    const e2 = err(() => checkNewSubscription({ callback: "http://127.0.0.1/", filter: "(foo,a,b)" }, p));
    expect(e2.status).toBe(400);
    expect(e2.detail).toMatch(/^filter: .*unknown operator "foo"/);
    expect(() => checkNewSubscription({ callback: "http://127.0.0.1:9/x", filter: "(eq,objectType,resource)" }, p)).not.toThrow();
  });

  it("settings: a bad number is named", () => {
    expect(() => readSubscriptionSettings({ OCP_O2IMS_NOTIFY_MAX_ATTEMPTS: "0" })).toThrow(/OCP_O2IMS_NOTIFY_MAX_ATTEMPTS/);
    expect(() => readSubscriptionSettings({ OCP_O2IMS_API_SERVICE_URI: "o2ims" })).toThrow(/OCP_O2IMS_API_SERVICE_URI/);
    expect(readSubscriptionSettings({ OCP_O2IMS_API_SERVICE_URI: "https://o2.example.com/" }).serviceUri).toBe(
      "https://o2.example.com",
    );
  });
});

describe("notification diffing", () => {
  const free = { resourceId: "r1", extensions: { state: "free" } };
  const attached = { resourceId: "r1", extensions: { state: "attached" } };
  const sub = (id: string, filter?: string): SubscriptionInfo => ({
    subscriptionId: id,
    callback: "http://x/",
    consumerSubscriptionId: `c-${id}`,
    filter: filter ? parseFilter(filter) : undefined,
  });

  it("create, modify, delete; equal states are no event", () => {
    expect(changeType(undefined, free)).toBe(EVENT.created);
    expect(changeType(free, attached)).toBe(EVENT.modified);
    expect(changeType(free, undefined)).toBe(EVENT.deleted);
    expect(changeType(free, structuredClone(free))).toBeUndefined();
    expect(changeType(undefined, undefined)).toBeUndefined();
  });

  it("a filter selects an object entering or leaving the filtered set, with objectType beside its state", () => {
    const f = parseFilter("(eq,extensions/state,free)");
    expect(selects(f, { objectType: "resource", objectRef: "/r", prior: free, post: attached })).toBe(true);
    expect(selects(f, { objectType: "resource", objectRef: "/r", prior: attached, post: attached })).toBe(false);
    expect(selects(parseFilter("(eq,objectType,resourcePool)"), { objectType: "resource", objectRef: "/r", post: free })).toBe(
      false,
    );
    expect(selects(undefined, { objectType: "resource", objectRef: "/r", post: free })).toBe(true);
  });

  it("one notification per selecting subscription, in the spec's shape", () => {
    const out = notificationsFor(
      {
        objectType: "resource",
        objectRef: "/o2ims-infrastructureInventory/v1/resourcePools/p/resources/r1",
        prior: free,
        post: attached,
      },
      [sub("a"), sub("b", "(eq,objectType,deploymentManager)"), sub("c", "(eq,extensions/state,attached)")],
      "https://o2.example.com",
      new Date("2026-01-01T00:00:00Z"),
    );
    expect(out.map(o => o.sub.subscriptionId)).toEqual(["a", "c"]);
    expect(out[0].body).toEqual({
      notificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      notificationEventType: 1,
      objectRef: "https://o2.example.com/o2ims-infrastructureInventory/v1/resourcePools/p/resources/r1",
      objectType: "resource",
      priorObjectState: free,
      postObjectState: attached,
      subscriptionId: "a",
      consumerSubscriptionId: "c-a",
      eventTime: "2026-01-01T00:00:00.000Z",
    });
    expect(out[0].body.notificationId).not.toBe(out[1].body.notificationId);
    expect(notificationsFor({ objectType: "resource", objectRef: "/r", prior: free, post: { ...free } }, [sub("a")], "")).toEqual(
      [],
    );
  });
});

describe("retry policy", () => {
  const p: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 1000, maxQueued: 10 };
  it("doubles from the base and is capped", () => {
    expect([1, 2, 3, 4, 5, 6].map(a => retryDelay(p, a))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

/** A local consumer: answers each POST with the status `answer` gives, records bodies, can be told to redirect. */
async function consumer(answer: (n: number, path: string) => number) {
  const received: { path: string; body: { seq?: number }; at: number }[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", c => chunks.push(c));
    req.on("end", () => {
      const status = answer(++n, req.url ?? "");
      if (status < 300)
        received.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString()), at: Date.now() });
      res.writeHead(status, status >= 300 && status < 400 ? { Location: "http://127.0.0.1:1/elsewhere" } : {});
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise(r => server.close(r)), hits: () => n };
}

describe("delivery", () => {
  const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 2000, maxQueued: 100 };

  it("delivers in order per subscription, retrying a failed POST before the next one", async () => {
    const c = await consumer(n => (n === 2 || n === 3 ? 503 : 204)); // the 2nd notification fails twice
    const events: string[] = [];
    const d = new Deliverer(httpSender(1000), policy, {
      delivered: (id, _b, attempts) => events.push(`ok ${id} ${attempts}`),
      failed: (id, e, attempt, dropped) => events.push(`fail ${id} ${attempt} ${dropped} ${e.message}`),
    });
    for (let seq = 1; seq <= 4; seq++) d.enqueue("s1", `${c.url}/cb`, { seq });
    await d.idle();
    expect(c.received.map(r => r.body.seq)).toEqual([1, 2, 3, 4]);
    expect(events).toEqual(["ok s1 1", "fail s1 1 false HTTP 503", "fail s1 2 false HTTP 503", "ok s1 3", "ok s1 1", "ok s1 1"]);
    await c.close();
  });

  it("drops a notification after maxAttempts and goes on with the next", async () => {
    const c = await consumer((_n, path) => (path === "/bad" ? 500 : 200));
    const dropped: unknown[] = [];
    const d = new Deliverer(httpSender(1000), policy, { failed: (_id, _e, _a, isDropped) => isDropped && dropped.push(1) });
    d.enqueue("s1", `${c.url}/bad`, { seq: 1 });
    d.enqueue("s1", `${c.url}/good`, { seq: 2 });
    await d.idle();
    expect(c.hits()).toBe(4); // 3 attempts of the first, then the second
    expect(dropped).toHaveLength(1);
    expect(c.received.map(r => r.body.seq)).toEqual([2]);
    await c.close();
  });

  it("resolves a host name through the guarded lookup (localhost), delivering to it", async () => {
    const c = await consumer(() => 204);
    await httpSender(1000)(c.url.replace("127.0.0.1", "localhost") + "/cb", { seq: 7 });
    expect(c.received.map(r => r.body.seq)).toEqual([7]);
    await c.close();
  });

  it("never follows a redirect: a 3xx is a failed attempt", async () => {
    const c = await consumer(() => 302);
    const errors: string[] = [];
    const d = new Deliverer(httpSender(1000), { ...policy, maxAttempts: 1 }, { failed: (_id, e) => errors.push(e.message) });
    d.enqueue("s1", `${c.url}/cb`, { seq: 1 });
    await d.idle();
    expect(errors).toEqual(["HTTP 302: redirects are not followed"]);
    expect(c.hits()).toBe(1);
    await c.close();
  });

  it("a dead consumer does not delay another subscription's notifications", async () => {
    const good = await consumer(() => 204);
    const slowPolicy = { ...policy, maxAttempts: 4, baseDelayMs: 300, maxDelayMs: 300 };
    const d = new Deliverer(httpSender(500), slowPolicy);
    const t0 = Date.now();
    d.enqueue("dead", "http://127.0.0.1:1/cb", { seq: 1 }); // connection refused, retried for ~0.9 s
    d.enqueue("live", `${good.url}/cb`, { seq: 1 });
    d.enqueue("live", `${good.url}/cb`, { seq: 2 });
    const waitFor = async () => {
      while (good.received.length < 2) await new Promise(r => setImmediate(r));
    };
    await waitFor();
    expect(good.received[1].at - t0).toBeLessThan(300); // well before the dead one's first retry
    expect(d.pending).toBeGreaterThan(0); // the dead one is still being retried
    await d.idle();
    await good.close();
  });

  it("a full queue drops the oldest waiting notification, never the one in flight", async () => {
    const c = await consumer(() => 204);
    const dropped: number[] = [];
    const d = new Deliverer(
      httpSender(1000),
      { ...policy, maxQueued: 2 },
      {
        failed: (_id, _e, _a, isDropped) => isDropped && dropped.push(1),
      },
    );
    for (let seq = 1; seq <= 4; seq++) d.enqueue("s1", `${c.url}/cb`, { seq });
    await d.idle();
    expect(dropped).toHaveLength(2);
    expect(c.received.map(r => r.body.seq)).toEqual([1, 4]);
    await c.close();
  });
});
