/**
 * Host claims (capabilities/o2ims/claims.ts) against an in-memory API whose create is the arbiter (409 on a taken
 * name), and the claim naming and ordering (generators/names.ts).
 */
import { claimOrder, hostClaimName } from "../../../generators/names";
import { isDns1123Label } from "../../../generators/formats";
import { desiredClaim, holderOf, HostClaims, indexClaims, LEASE } from "../../../capabilities/o2ims/claims";
import { KubeClient, KubeError, KubeObject } from "../../../kube/client";
import { Informer } from "../../../kube/informer";
import { R, Resource } from "../../../kube/resources";

const NS = "pepr-system";

/** Leases and ProvisioningRequests in memory; create answers 409 for a taken name, delete honours preconditions. */
class Api {
  readonly objects = new Map<string, KubeObject>();
  private uid = 0;
  key = (res: Resource, ns: string | undefined, name: string) => `${res.plural}/${ns ?? ""}/${name}`;
  add(res: Resource, obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.uid ??= `uid-${++this.uid}`;
    stored.metadata.resourceVersion = String(++this.uid);
    this.objects.set(this.key(res, obj.metadata.namespace, obj.metadata.name), stored);
    return structuredClone(stored);
  }
  client(): KubeClient {
    return apiClient(this);
  }
  leases = () => [...this.objects.entries()].filter(([k]) => k.startsWith("leases/")).map(([, o]) => o);
}

function apiClient(api: Api): KubeClient {
  return {
    path: (res: Resource, ns?: string, name?: string) => `${res.plural}|${ns}|${name}`,
    async create(res: Resource, obj: KubeObject) {
      if (api.objects.has(api.key(res, obj.metadata.namespace, obj.metadata.name))) throw new KubeError(409, "AlreadyExists");
      return api.add(res, obj);
    },
    async find(res: Resource, name: string, ns?: string) {
      const o = api.objects.get(api.key(res, ns, name));
      return o ? structuredClone(o) : undefined;
    },
    async list(res: Resource, opts: { namespace?: string; labelSelector?: string }) {
      const uid = /request-uid=([^,]+)/.exec(opts.labelSelector ?? "")?.[1];
      return [...api.objects.entries()]
        .filter(([k]) => k.startsWith(`${res.plural}/${opts.namespace ?? ""}/`))
        .map(([, o]) => o)
        .filter(o => !uid || o.metadata.labels?.["o2ims.provisioning.oran.org/request-uid"] === uid);
    },
    async request(method: string, path: string, body: { preconditions?: { uid?: string; resourceVersion?: string } }) {
      const [plural, ns, name] = path.split("|");
      const key = `${plural}/${ns}/${name}`;
      const o = api.objects.get(key);
      if (method !== "DELETE") throw new Error(method);
      if (!o) throw new KubeError(404, "NotFound");
      const pre = body.preconditions ?? {};
      if ((pre.uid && pre.uid !== o.metadata.uid) || (pre.resourceVersion && pre.resourceVersion !== o.metadata.resourceVersion))
        throw new KubeError(409, "Precondition failed");
      api.objects.delete(key);
      return {};
    },
  } as unknown as KubeClient;
}

/** An informer that never started: empty, so every claim goes to the API (the race the claims are for). */
const emptyInformer = (client: KubeClient) => {
  const i = new Informer(client, LEASE);
  indexClaims(i);
  return i;
};

const request = (api: Api, name: string, extra: Partial<KubeObject["metadata"]> = {}) => {
  const pr = api.add(R.ProvisioningRequest, { metadata: { name, namespace: "ns", ...extra } });
  return { namespace: "ns", name, uid: pr.metadata.uid! };
};
const host = (id: number) => ({ hostId: String(id), hostName: `target-${id}` });

describe("claim names and order", () => {
  it("names a claim deterministically from the pinning label and value, as a DNS-1123 label with a readable part", () => {
    expect(hostClaimName("host-id", "1")).toBe(hostClaimName("host-id", 1));
    expect(hostClaimName("host-id", "1")).toMatch(/^host-host-id-1-[0-9a-f]{10}$/);
    expect(hostClaimName("example.com/host-id", "Rack_7.A")).toMatch(/^host-host-id-rack-7-a-[0-9a-f]{10}$/);
    for (const v of ["1", "A", "a", "x".repeat(63), "a.b_c-D"]) expect(isDns1123Label(hostClaimName("host-id", v))).toBe(true);
  });

  it("keeps values that differ only in case or punctuation apart, and keys apart", () => {
    const names = ["a", "A", "a.b", "a_b", "a-b"].map(v => hostClaimName("host-id", v));
    expect(new Set(names).size).toBe(names.length);
    expect(hostClaimName("host-id", "1")).not.toBe(hostClaimName("rack-id", "1"));
  });

  it("orders hosts the same way for every request, whatever their order in the spec, and claims a host once", () => {
    const a = claimOrder("host-id", [host(3), host(1), host(2)]).map(h => h.hostId);
    const b = claimOrder("host-id", [host(2), host(3), host(1), host(2)]).map(h => h.hostId);
    expect(a).toEqual(b);
    expect(a).toHaveLength(3);
  });
});

describe("HostClaims", () => {
  it("round-trips the holder through the claim object", () => {
    const claim = desiredClaim(NS, "host-id", host(1), { namespace: "ns", name: "edge", uid: "u-1" });
    expect(holderOf(claim)).toEqual({ namespace: "ns", name: "edge", uid: "u-1" });
    expect(claim.metadata.annotations?.["o2ims.provisioning.oran.org/host"]).toBe("host-id=1");
    expect((claim.spec as { holderIdentity: string }).holderIdentity).toContain("ns/edge");
  });

  it("of 20 concurrent requests for one host, exactly one holds it; the others lose, naming the winner", async () => {
    const api = new Api();
    const client = api.client();
    const claims = new HostClaims(client, emptyInformer(client), NS);
    api.add(R.Namespace, { metadata: { name: NS } });
    const holders = Array.from({ length: 20 }, (_, i) => request(api, `r${i}`));
    const outcomes = await Promise.all(holders.map(h => claims.claim(h, "host-id", [host(1)])));
    const won = outcomes.filter(o => o.kind === "held");
    expect(won).toHaveLength(1);
    const winner = holders[outcomes.findIndex(o => o.kind === "held")];
    for (const o of outcomes.filter(o => o.kind !== "held")) {
      expect(o).toMatchObject({ kind: "lost", host: { hostName: "target-1" }, winner: { name: winner.name } });
    }
    expect(api.leases()).toHaveLength(1);
  });

  it("releases the claims a losing request took in this pass, and keeps the winner's", async () => {
    const api = new Api();
    const client = api.client();
    const claims = new HostClaims(client, emptyInformer(client), NS);
    const a = request(api, "a");
    const b = request(api, "b");
    // b holds the host that comes last in the global order: a takes the others first, then loses and gives them back.
    const ordered = claimOrder("host-id", [host(1), host(2), host(3)]);
    const last = ordered[ordered.length - 1];
    expect(await claims.claim(b, "host-id", [last])).toMatchObject({ kind: "held" });
    const outcome = await claims.claim(a, "host-id", [host(1), host(2), host(3)]);
    expect(outcome).toMatchObject({ kind: "lost", host: { hostId: last.hostId }, winner: { name: "b" } });
    expect(api.leases().map(l => holderOf(l)?.name)).toEqual(["b"]);
  });

  it("keeps its own claim on a second pass (409, and the live claim is its own)", async () => {
    const api = new Api();
    const client = api.client();
    const claims = new HostClaims(client, emptyInformer(client), NS);
    const a = request(api, "a");
    expect(await claims.claim(a, "host-id", [host(1)])).toEqual({ kind: "held", taken: [hostClaimName("host-id", 1)] });
    expect(await claims.claim(a, "host-id", [host(1)])).toEqual({ kind: "held", taken: [] });
    expect(api.leases()).toHaveLength(1);
  });

  it("takes over a claim whose holder is gone, waits for a holder being deleted", async () => {
    const api = new Api();
    const client = api.client();
    const claims = new HostClaims(client, emptyInformer(client), NS);
    api.add(LEASE, desiredClaim(NS, "host-id", host(1), { namespace: "ns", name: "ghost", uid: "gone" }));
    const dying = request(api, "dying", { deletionTimestamp: new Date().toISOString() });
    api.add(LEASE, desiredClaim(NS, "host-id", host(2), dying));
    const a = request(api, "a");
    expect(await claims.claim(a, "host-id", [host(1)])).toMatchObject({ kind: "held" });
    expect(holderOf(api.leases().find(l => l.metadata.name === hostClaimName("host-id", 1))!)?.name).toBe("a");
    expect(await claims.claim(a, "host-id", [host(2)])).toMatchObject({ kind: "waiting", holder: { name: "dying" } });
  });

  it("releases every claim of a request, and collects claims whose request is gone", async () => {
    const api = new Api();
    const client = api.client();
    const informer = emptyInformer(client);
    const claims = new HostClaims(client, informer, NS);
    const a = request(api, "a");
    const b = request(api, "b");
    await claims.claim(a, "host-id", [host(1), host(2)]);
    await claims.claim(b, "host-id", [host(3)]);
    expect(await claims.releaseAll(a.uid)).toBe(2);
    expect(api.leases().map(l => holderOf(l)?.name)).toEqual(["b"]);

    // The informer's view of the claims (it is not started here): b's claim, and one of a request that is gone.
    api.add(LEASE, desiredClaim(NS, "host-id", host(4), { namespace: "ns", name: "ghost", uid: "gone" }));
    const list = jest.spyOn(informer, "list").mockReturnValue(api.leases());
    expect(await claims.collectGarbage(() => false)).toEqual([hostClaimName("host-id", 4)]);
    expect(api.leases().map(l => holderOf(l)?.name)).toEqual(["b"]);
    list.mockRestore();
  });
});
