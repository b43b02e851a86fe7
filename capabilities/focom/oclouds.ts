/**
 * OCloud -> API client. An OCloud without secretRef is this cluster; one with secretRef is reached with the
 * kubeconfig in that Secret's key "kubeconfig". One client per OCloud, rebuilt when the Secret's resourceVersion
 * changes (a watch of that one Secret reports the change at once), and with each client one watch of the
 * ProvisioningRequests FOCOM labelled there, so remote status changes re-queue their request (event-driven).
 */
import { FOCOM_REQUEST_UID_LABEL } from "../../api/vocabulary";
import { KubeClient, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import type { OCloudObject } from "./cache";
import { OCloudConfigError } from "./errors";
import { kubeconfigProblem } from "./kubeconfig";
import { RemoteCache } from "./remote-cache";
import type { RemoteRequest } from "./remote";

/** Key of the connection to this cluster, shared by every OCloud without secretRef. */
export const LOCAL = "local";
export const KUBECONFIG_KEY = "kubeconfig";

export interface Connection {
  /** LOCAL, or "<namespace>/<name>" of the OCloud. */
  key: string;
  client: KubeClient;
  /** FOCOM's ProvisioningRequests on that O-Cloud, from the connection's watch. */
  remotes?: RemoteCache;
}

export interface ConnectionOptions {
  fieldManager: string;
  /** The client for this cluster. */
  local(): Promise<KubeClient>;
  /** A Secret of this cluster, undefined when missing. */
  readSecret(name: string, namespace: string): Promise<KubeObject | undefined>;
  /** Builds a client from kubeconfig text (default KubeClient.create). */
  createClient?(kubeconfig: string, fieldManager: string): Promise<KubeClient>;
  /** A ProvisioningRequest labelled by FOCOM changed on some O-Cloud. */
  onRemoteChange?(remote: KubeObject): void;
  /** The watch of a connection failed (healthy false) or recovered (healthy true). */
  onHealthChange?(key: string, healthy: boolean): void;
  /** Every report of a connection's watch, changed or not (synced: true; failed: false), e.g. for a gauge. */
  onWatchState?(key: string, healthy: boolean): void;
  /** The Secret a connection was built from changed: the next connect rebuilds the client. */
  onSecretChange?(key: string): void;
}

interface Entry {
  /** What the client was built from: the Secret's namespace/name@resourceVersion, or LOCAL. */
  identity: string;
  connection: Promise<Connection>;
  healthy: boolean;
  stopWatches: (() => void)[];
}

/**
 * One key of an OCloud's Secret (base64, as stored), or an OCloudConfigError naming the Secret and what is wrong:
 * the kubeconfig Secret and the O2 IMS token Secret are read the same way.
 */
export async function readSecretKey(
  readSecret: ConnectionOptions["readSecret"],
  name: string,
  namespace: string,
  dataKey: string,
  how: { where: string; missingReason: string },
): Promise<{ secret: KubeObject; encoded: string }> {
  let secret: KubeObject | undefined;
  try {
    secret = await readSecret(name, namespace);
  } catch (e) {
    throw new OCloudConfigError("SecretUnreadable", `cannot read ${how.where}: ${(e as Error).message}`);
  }
  if (!secret) throw new OCloudConfigError("SecretNotFound", `${how.where} not found`);
  const encoded = (secret.data as Record<string, string> | undefined)?.[dataKey];
  if (!encoded) throw new OCloudConfigError(how.missingReason, `${how.where} has no key "${dataKey}"`);
  return { secret, encoded };
}

export const connectionKeyOf = (ocloud: OCloudObject) =>
  ocloud.spec?.secretRef ? `${ocloud.metadata.namespace}/${ocloud.metadata.name}` : LOCAL;

export class OCloudConnections {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly opts: ConnectionOptions) {}

  /** The connection to the OCloud's cluster; rejects with OCloudConfigError when the OCloud cannot be used. */
  async connect(ocloud: OCloudObject): Promise<Connection> {
    const key = connectionKeyOf(ocloud);
    const ref = ocloud.spec?.secretRef;
    if (!ref) return this.entry(key, LOCAL, () => this.opts.local(), []);

    const namespace = ref.namespace || ocloud.metadata.namespace!;
    const where = `Secret ${namespace}/${ref.name} of OCloud ${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    // Admission denies this (ocloud-admission.ts); an OCloud stored before that rule existed is refused here too.
    if (namespace !== ocloud.metadata.namespace)
      throw new OCloudConfigError("SecretNamespaceNotAllowed", `${where}: an OCloud may only name a Secret of its own namespace`);
    const { secret, encoded } = await readSecretKey(this.opts.readSecret, ref.name, namespace, KUBECONFIG_KEY, {
      where,
      missingReason: "KubeconfigMissing",
    });
    const rv = secret.metadata.resourceVersion;
    return this.entry(key, `${namespace}/${ref.name}@${rv}`, () => this.remoteClient(encoded, where), [
      () => this.watchSecret(key, ref.name, namespace, rv),
    ]);
  }

  /**
   * Drops the remote connection of an OCloud that changed or was deleted, with its watches; the next connect
   * builds what the OCloud now says (the local connection is shared and stays).
   */
  forget(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.entries.get(key)?.stopWatches.forEach(stop => stop());
    this.entries.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) e.stopWatches.forEach(stop => stop());
    this.entries.clear();
  }

  private entry(
    key: string,
    identity: string,
    build: () => Promise<KubeClient>,
    watches: (() => Promise<() => void>)[],
  ): Promise<Connection> {
    const existing = this.entries.get(key);
    if (existing?.identity === identity) return existing.connection;
    const remotes = new RemoteCache();
    const entry: Entry = {
      identity,
      healthy: true,
      connection: build().then(client => ({ key, client, remotes })),
      stopWatches: [],
    };
    this.entries.set(key, entry);
    existing?.stopWatches.forEach(stop => stop());
    const current = () => this.entries.get(key) === entry && !this.stopped;
    entry.connection
      .then(
        async c => {
          for (const start of [async () => this.watchRemote(key, entry, c.client, remotes), ...watches]) {
            if (!current()) return;
            const stop = await start();
            if (current()) entry.stopWatches.push(stop);
            else stop(); // replaced while the watch started
          }
        },
        () => {
          if (this.entries.get(key) === entry) this.entries.delete(key); // retried on the next connect
        },
      )
      .catch(() => undefined); // a watch that cannot start: resync and retries still reconcile
    return entry.connection;
  }

  private async remoteClient(encoded: string, where: string): Promise<KubeClient> {
    const text = Buffer.from(encoded, "base64").toString("utf8");
    const problem = kubeconfigProblem(text);
    if (problem) throw new OCloudConfigError("InvalidKubeconfig", `the kubeconfig in ${where} ${problem}`);
    const create = this.opts.createClient ?? ((t, fieldManager) => KubeClient.create({ text: t, fieldManager }));
    try {
      return await create(text, this.opts.fieldManager);
    } catch {
      throw new OCloudConfigError(
        "InvalidKubeconfig",
        `the kubeconfig in ${where} cannot be loaded (no current context or cluster, or malformed credentials)`,
      );
    }
  }

  private watchRemote(key: string, entry: Entry, client: KubeClient, remotes: RemoteCache): () => void {
    const health = (healthy: boolean) => {
      remotes.setHealthy(healthy);
      this.opts.onWatchState?.(key, healthy);
      if (entry.healthy === healthy) return;
      entry.healthy = healthy;
      this.opts.onHealthChange?.(key, healthy);
    };
    const stop = client.watch<RemoteRequest>(
      R.ProvisioningRequest,
      (phase, remote) => {
        remotes.apply(phase, remote); // before the re-queue, so the reconcile reads this version
        this.opts.onRemoteChange?.(remote);
      },
      {
        labelSelector: FOCOM_REQUEST_UID_LABEL,
        onError: () => health(false),
        onSynced: () => health(true),
      },
    );
    return () => {
      remotes.setHealthy(false);
      stop();
    };
  }

  /** Reports a change of the Secret the connection was built from (its list replays the current version: ignored). */
  private async watchSecret(key: string, name: string, namespace: string, builtFrom: string | undefined): Promise<() => void> {
    const local = await this.opts.local();
    return local.watch(
      R.Secret,
      (phase, secret) => {
        if (phase === "DELETED" || secret.metadata.resourceVersion !== builtFrom) this.opts.onSecretChange?.(key);
      },
      { namespace, fieldSelector: `metadata.name=${name}` },
    );
  }
}

/**
 * "<namespace>/<name>" of the Secret an OCloud names (its own namespace when secretRef names none): the bearer token's
 * (spec.o2ims.tokenSecretRef, always of the OCloud's namespace) when it speaks O2 IMS REST, else the kubeconfig's.
 */
export const secretKeyOf = (ocloud: OCloudObject): string | undefined => {
  const token = ocloud.spec?.o2ims?.tokenSecretRef;
  if (token) return `${ocloud.metadata.namespace}/${token.name}`;
  const ref = ocloud.spec?.secretRef;
  return ref ? `${ref.namespace || ocloud.metadata.namespace}/${ref.name}` : undefined;
};

/**
 * One watch per Secret that some OCloud names, whether or not it exists or holds a usable kubeconfig. A connection
 * watches its Secret only once it is built from it, so without these a Secret created or fixed after a request
 * failed on it was noticed only when the request's retry back-off expired (up to a minute). Each watch is
 * namespace-scoped and selects the one Secret by name, the least a per-namespace Role (resourceNames) can grant:
 * nothing cluster-wide, and no other Secret of the namespace.
 */
export class SecretWatches {
  private readonly watches = new Map<string, () => void>();

  constructor(
    /** Starts a watch of one Secret; returns its stop function. */
    private readonly watch: (namespace: string, name: string, onChange: () => void) => () => void,
    /** The Secret "<namespace>/<name>" was created, changed or deleted. */
    private readonly onChange: (secretKey: string) => void,
  ) {}

  /** Watches exactly these Secrets ("<namespace>/<name>"): starts the new ones, stops those no OCloud names now. */
  sync(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const [key, stop] of this.watches) {
      if (wanted.has(key)) continue;
      stop();
      this.watches.delete(key);
    }
    for (const key of wanted) {
      if (this.watches.has(key)) continue;
      const [namespace, name] = key.split("/");
      this.watches.set(
        key,
        this.watch(namespace, name, () => this.onChange(key)),
      );
    }
  }

  get watched(): string[] {
    return [...this.watches.keys()].sort();
  }

  stop(): void {
    for (const stop of this.watches.values()) stop();
    this.watches.clear();
  }
}
