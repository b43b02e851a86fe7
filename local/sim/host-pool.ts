/**
 * The free ByoHosts (no `cluster.x-k8s.io/cluster-name` label) of every namespace, indexed by label pair, and
 * the in-process reservations that stop two ByoMachines reconciled at the same time from taking one host.
 * BYOH lists matching free hosts cluster-wide and takes Items[0] (byoh-capi-notes §1.7); a List answers in
 * namespace/name order, so the lowest key among the candidates is taken here too.
 */
import { ByoHost, isDeleting, keyOfObj, LABEL } from "./model";
import { candidatePairs, LabelSelector, matchesSelector } from "./selector";

const RESERVATION_MS = 30_000;

export const isFreeHost = (h: ByoHost) => !isDeleting(h) && !h.metadata.labels?.[LABEL.clusterName];

export class HostPool {
  private readonly free = new Map<string, ByoHost>();
  private readonly byPair = new Map<string, Set<string>>();
  private readonly reserved = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Feeds a watch event; returns true when the host just became (or stays) free, so waiters can retry. */
  update(host: ByoHost, exists: boolean): boolean {
    const key = keyOfObj(host);
    this.remove(key);
    if (!exists || !isFreeHost(host)) {
      this.reserved.delete(key);
      return false;
    }
    this.free.set(key, host);
    for (const [k, v] of Object.entries(host.metadata.labels ?? {})) {
      const pair = `${k}=${v}`;
      let set = this.byPair.get(pair);
      if (!set) this.byPair.set(pair, (set = new Set()));
      set.add(key);
    }
    return true;
  }

  /** Free hosts matching selector, not reserved by someone else, lowest key first. */
  candidates(selector: LabelSelector | undefined, owner?: string): ByoHost[] {
    const pairs = candidatePairs(selector);
    let keys: Iterable<string>;
    if (pairs) {
      const union = new Set<string>();
      for (const p of pairs) for (const k of this.byPair.get(p) ?? []) union.add(k);
      keys = union;
    } else keys = this.free.keys();
    const now = this.now();
    const out: ByoHost[] = [];
    for (const k of keys) {
      const h = this.free.get(k);
      if (!h || !matchesSelector(selector, h.metadata.labels)) continue;
      const r = this.reserved.get(k);
      if (r && r.owner !== owner && r.until > now) continue;
      out.push(h);
    }
    return out.sort((a, b) => (keyOfObj(a) < keyOfObj(b) ? -1 : 1));
  }

  /** Picks the first candidate and reserves it for owner until it is attached or released. */
  reserve(selector: LabelSelector | undefined, owner: string): ByoHost | undefined {
    const host = this.candidates(selector, owner)[0];
    if (host) this.reserved.set(keyOfObj(host), { owner, until: this.now() + RESERVATION_MS });
    return host;
  }

  release(hostKey: string, owner: string): void {
    if (this.reserved.get(hostKey)?.owner === owner) this.reserved.delete(hostKey);
  }

  get freeCount(): number {
    return this.free.size;
  }

  private remove(key: string): void {
    const h = this.free.get(key);
    if (!h) return;
    this.free.delete(key);
    for (const [k, v] of Object.entries(h.metadata.labels ?? {})) {
      const set = this.byPair.get(`${k}=${v}`);
      set?.delete(key);
      if (set?.size === 0) this.byPair.delete(`${k}=${v}`);
    }
  }
}
