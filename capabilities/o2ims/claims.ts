/**
 * Host claims: exactly one live request holds a host. Admission answers "who pins this host" from an informer, so
 * requests created within one watch round trip all pass it; a claim is an API object whose create is the arbiter
 * instead: one coordination.k8s.io/v1 Lease per host (named from the pinning label key and value, so every request
 * names the same object), created in one namespace of the O-Cloud before any Cluster API object is generated. The
 * second create of a name gets 409, whatever the timing.
 *
 * Owner references cannot cross namespaces (the claims namespace is not the request's), so claims are released
 * explicitly: all of a request's when it is deleted and its Cluster is gone, one when scale-in removed its worker and
 * BYOH released the host; a periodic collection deletes claims whose holder (namespace/name + uid) no longer exists,
 * which is also what a crash between claim and release leaves behind.
 */
import {
  HOST_CLAIM_HOST_ANNOTATION,
  HOST_CLAIM_HOST_NAME_ANNOTATION,
  HOST_CLAIM_LABEL,
  O2IMS_REQUEST_ANNOTATION,
  O2IMS_REQUEST_UID_LABEL,
} from "../../api/vocabulary";
import { claimOrder, hostClaimName, requestLabels } from "../../generators/names";
import { isConflict, isNotFound, KubeClient, KubeObject } from "../../kube/client";
import type { Informer } from "../../kube/informer";
import { R } from "../../kube/resources";

export const LEASE = R.Lease;

/** A request as the holder of claims. */
export interface Holder {
  namespace: string;
  name: string;
  uid: string;
}

export interface ClaimedHost {
  hostId: string;
  hostName: string;
}

export type ClaimOutcome =
  /** Every host is claimed by this request; `taken` are the claims created by this call. */
  | { kind: "held"; taken: string[] }
  /** Another live request holds the host: this request lost it (the claims taken by this call were released). */
  | { kind: "lost"; host: ClaimedHost; winner: Holder }
  /** A request being deleted still holds the host; it releases it once its Cluster is gone. */
  | { kind: "waiting"; host: ClaimedHost; holder: Holder };

/** What the claims index by host answers: "<pinning label>=<value>". */
export const CLAIMED_HOST = "claimedHost";
/** The claims index by holder uid. */
export const CLAIM_HOLDER = "claimHolder";

/** The Lease claiming one host for one request (pure). */
export function desiredClaim(namespace: string, pinningLabel: string, host: ClaimedHost, holder: Holder): KubeObject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: hostClaimName(pinningLabel, host.hostId),
      namespace,
      labels: { [HOST_CLAIM_LABEL]: "true", ...requestLabels(holder) },
      annotations: {
        [O2IMS_REQUEST_ANNOTATION]: `${holder.namespace}/${holder.name}`,
        [HOST_CLAIM_HOST_ANNOTATION]: `${pinningLabel}=${host.hostId}`,
        [HOST_CLAIM_HOST_NAME_ANNOTATION]: host.hostName,
      },
    },
    // holderIdentity says who holds it to anyone reading Leases; the annotation and uid label are what we read.
    spec: { holderIdentity: `ProvisioningRequest ${holder.namespace}/${holder.name} (uid ${holder.uid})` },
  };
}

/** The request a claim names, from its annotation and uid label. */
export function holderOf(claim: KubeObject): Holder | undefined {
  const key = claim.metadata.annotations?.[O2IMS_REQUEST_ANNOTATION];
  const uid = claim.metadata.labels?.[O2IMS_REQUEST_UID_LABEL];
  const slash = key?.indexOf("/") ?? -1;
  if (!key || slash <= 0 || !uid) return undefined;
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1), uid };
}

export const claimedHostOf = (claim: KubeObject) => claim.metadata.annotations?.[HOST_CLAIM_HOST_ANNOTATION];

/** Indexes a claims informer by host and by holder uid. */
export function indexClaims(claims: Informer): void {
  claims.addIndex(CLAIMED_HOST, c => (claimedHostOf(c) ? [claimedHostOf(c)!] : []));
  claims.addIndex(CLAIM_HOLDER, c => (holderOf(c) ? [holderOf(c)!.uid] : []));
}

/** Whether the holder still exists (same uid), is being deleted, or is gone: read live, never from a cache. */
export type HolderState = "live" | "deleting" | "gone";

export class HostClaims {
  private namespaceReady?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    private readonly claims: Informer,
    readonly namespace: string,
  ) {}

  /** The claims namespace, created if missing (once per process; retried after a failure). */
  ensureNamespace(): Promise<void> {
    if (!this.namespaceReady) {
      this.namespaceReady = (async () => {
        if (await this.client.find(R.Namespace, this.namespace)) return;
        try {
          await this.client.create(R.Namespace, { metadata: { name: this.namespace } });
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      })();
      this.namespaceReady.catch(() => (this.namespaceReady = undefined));
    }
    return this.namespaceReady;
  }

  async holderState(holder: Holder): Promise<HolderState> {
    const pr = await this.client.find(R.ProvisioningRequest, holder.name, holder.namespace);
    if (!pr || pr.metadata.uid !== holder.uid) return "gone";
    return pr.metadata.deletionTimestamp ? "deleting" : "live";
  }

  /**
   * Claims every host, in the global order (generators/names claimOrder). A host already claimed by this request
   * (the informer says so, or a 409 whose live claim is ours) is kept; a claim whose holder is gone is taken over. On
   * a host held by another request, the claims this call created are released and the outcome names the holder.
   */
  async claim(holder: Holder, pinningLabel: string, hosts: ClaimedHost[]): Promise<ClaimOutcome> {
    await this.ensureNamespace();
    const taken: { name: string; uid: string }[] = [];
    const giveBack = () => Promise.all(taken.map(t => this.deleteClaim(t.name, t.uid)));
    try {
      for (const host of claimOrder(pinningLabel, hosts)) {
        const cached = this.claims.get(host.claim, this.namespace);
        if (cached && holderOf(cached)?.uid === holder.uid) continue;
        const outcome = await this.claimOne(holder, pinningLabel, host);
        if (outcome.kind === "created") taken.push({ name: host.claim, uid: outcome.uid });
        else if (outcome.kind !== "ours") {
          await giveBack();
          const claimed = { hostId: host.hostId, hostName: host.hostName };
          return outcome.kind === "lost"
            ? { kind: "lost", host: claimed, winner: outcome.holder }
            : { kind: "waiting", host: claimed, holder: outcome.holder };
        }
      }
    } catch (e) {
      await giveBack().catch(() => undefined); // the periodic collection removes what this could not
      throw e;
    }
    return { kind: "held", taken: taken.map(t => t.name) };
  }

  private async claimOne(
    holder: Holder,
    pinningLabel: string,
    host: ClaimedHost & { claim: string },
  ): Promise<{ kind: "created"; uid: string } | { kind: "ours" } | { kind: "lost" | "waiting"; holder: Holder }> {
    // A few rounds: a claim can vanish between our 409 and our read, or be taken over from a gone holder.
    for (let round = 0; round < 5; round++) {
      try {
        const created = await this.client.create(LEASE, desiredClaim(this.namespace, pinningLabel, host, holder));
        return { kind: "created", uid: created.metadata.uid! };
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
      const live = await this.client.find(LEASE, host.claim, this.namespace);
      if (!live) continue;
      const current = holderOf(live);
      if (current?.uid === holder.uid) return { kind: "ours" };
      const state = current ? await this.holderState(current) : "gone";
      if (state === "live") return { kind: "lost", holder: current! };
      if (state === "deleting") return { kind: "waiting", holder: current! };
      await this.deleteClaim(host.claim, live.metadata.uid!, live.metadata.resourceVersion);
    }
    throw new Error(`the claim ${this.namespace}/${host.claim} on host ${host.hostName} kept changing; retrying`);
  }

  /** Deletes one claim, only if it is still the object read (uid, and resourceVersion when given). */
  async deleteClaim(name: string, uid: string, resourceVersion?: string): Promise<void> {
    try {
      await this.client.request("DELETE", this.client.path(LEASE, this.namespace, name), {
        kind: "DeleteOptions",
        apiVersion: "v1",
        preconditions: { uid, ...(resourceVersion ? { resourceVersion } : {}) },
      });
    } catch (e) {
      // Gone already, or replaced by someone else's claim (precondition failed: 409): either way not ours to delete.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Releases every claim the request holds (a live LIST: the informer may not hold a claim created a moment ago). */
  async releaseAll(holderUid: string): Promise<number> {
    const held = await this.client.list(LEASE, {
      namespace: this.namespace,
      labelSelector: `${HOST_CLAIM_LABEL},${O2IMS_REQUEST_UID_LABEL}=${holderUid}`,
    });
    for (const c of held) await this.deleteClaim(c.metadata.name, c.metadata.uid!);
    return held.length;
  }

  /** The claims the request holds, from the informer. */
  heldBy(holderUid: string): KubeObject[] {
    return this.claims.byIndex(CLAIM_HOLDER, holderUid);
  }

  /**
   * Deletes the claims whose holder is gone (no request of that namespace/name and uid). Requests the caller knows
   * to be live are skipped without a read; every other holder is read live, so a request created a moment ago whose
   * informer event has not arrived keeps its claim.
   */
  async collectGarbage(knownLive: (holder: Holder) => boolean): Promise<string[]> {
    const released: string[] = [];
    for (const claim of this.claims.list()) {
      const holder = holderOf(claim);
      if (holder && knownLive(holder)) continue;
      if (holder && (await this.holderState(holder)) !== "gone") continue;
      await this.deleteClaim(claim.metadata.name, claim.metadata.uid!, claim.metadata.resourceVersion);
      released.push(claim.metadata.name);
    }
    return released;
  }
}
