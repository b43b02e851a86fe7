/**
 * OCloud -> O2 IMS REST client, for OClouds with spec.o2ims. The bearer token is read from the Secret of the
 * OCloud's own namespace that spec.o2ims.tokenSecretRef names; one client per OCloud, rebuilt when the OCloud's
 * o2ims block or the Secret's resourceVersion changes (the controller's Secret watch re-queues the requests then).
 * Messages name the Secret and key, never the token.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../../kube/types";
import type { OCloudObject } from "./cache";
import { OCloudConfigError } from "./errors";
import { O2imsClient } from "./o2ims-client";
import { readSecretKey } from "./oclouds";
import { TOKEN_KEY } from "./rest-mapping";

export interface RestConnectionOptions {
  /** A Secret of this cluster, undefined when missing. */
  readSecret(name: string, namespace: string): Promise<KubeObject | undefined>;
  /** Per-call timeout (ms). */
  timeoutMs?: number;
}

interface Entry {
  identity: string;
  client: O2imsClient;
}

export class RestConnections {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: RestConnectionOptions) {}

  /** The client for the OCloud's O2 IMS API; rejects with OCloudConfigError when the OCloud cannot be used. */
  async connect(ocloud: OCloudObject): Promise<O2imsClient> {
    const o2ims = ocloud.spec?.o2ims;
    const key = `${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    if (!o2ims) throw new OCloudConfigError("NoO2imsEndpoint", `OCloud ${key} has no spec.o2ims`);
    const namespace = ocloud.metadata.namespace!;
    const ref = o2ims.tokenSecretRef;
    const dataKey = ref.key || TOKEN_KEY;
    const where = `Secret ${namespace}/${ref.name} (spec.o2ims.tokenSecretRef of OCloud ${key})`;
    const { secret, encoded } = await readSecretKey(this.opts.readSecret, ref.name, namespace, dataKey, {
      where,
      missingReason: "TokenMissing",
    });
    // The identity hashes what the client is built from, so no token sits in a map key a dump could show.
    const identity = createHash("sha256")
      .update(`${o2ims.url}\n${o2ims.caBundle ?? ""}\n${secret.metadata.resourceVersion}\n${dataKey}`)
      .digest("hex");
    const existing = this.entries.get(key);
    if (existing?.identity === identity) return existing.client;
    existing?.client.close();
    const token = Buffer.from(encoded, "base64").toString("utf8").trim();
    const client = new O2imsClient({ url: o2ims.url, token, ca: o2ims.caBundle || undefined, timeoutMs: this.opts.timeoutMs });
    this.entries.set(key, { identity, client });
    return client;
  }

  /**
   * Drops the OCloud's client without closing it and hands it over (undefined if none): what was made with it may
   * still need undoing (its subscription); the next connect builds a new one.
   */
  detach(namespace: string, name: string): O2imsClient | undefined {
    const key = `${namespace}/${name}`;
    const client = this.entries.get(key)?.client;
    this.entries.delete(key);
    return client;
  }

  stop(): void {
    for (const e of this.entries.values()) e.client.close();
    this.entries.clear();
  }
}
