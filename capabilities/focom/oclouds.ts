/**
 * OCloud -> API client. An OCloud without secretRef is this cluster; one with secretRef is reached with the
 * kubeconfig in that Secret's key "kubeconfig". One client per OCloud, rebuilt when the Secret's resourceVersion
 * changes, and with each client one watch of the ProvisioningRequests FOCOM labelled there, so remote status
 * changes re-queue their request (event-driven, not polled).
 */
import { KubeClient, KubeObject } from "../shared/kube";
import { R } from "../shared/resources";
import type { OCloudObject } from "./admission";
import { OCloudConfigError } from "./errors";
import { kubeconfigProblem } from "./kubeconfig";
import { REQUEST_UID_LABEL } from "./remote";

/** Key of the connection to this cluster, shared by every OCloud without secretRef. */
export const LOCAL = "local";
export const KUBECONFIG_KEY = "kubeconfig";

export interface Connection {
  /** LOCAL, or "<namespace>/<name>" of the OCloud. */
  key: string;
  client: KubeClient;
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
}

interface Entry {
  /** What the client was built from: the Secret's namespace/name@resourceVersion, or LOCAL. */
  identity: string;
  connection: Promise<Connection>;
  healthy: boolean;
  stopWatch?: () => void;
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
    if (!ref) return this.entry(key, LOCAL, () => this.opts.local());

    const namespace = ref.namespace || ocloud.metadata.namespace!;
    const where = `Secret ${namespace}/${ref.name} of OCloud ${ocloud.metadata.namespace}/${ocloud.metadata.name}`;
    let secret: KubeObject | undefined;
    try {
      secret = await this.opts.readSecret(ref.name, namespace);
    } catch (e) {
      throw new OCloudConfigError("SecretUnreadable", `cannot read ${where}: ${(e as Error).message}`);
    }
    if (!secret) throw new OCloudConfigError("SecretNotFound", `${where} not found`);
    const encoded = (secret.data as Record<string, string> | undefined)?.[KUBECONFIG_KEY];
    if (!encoded) throw new OCloudConfigError("KubeconfigMissing", `${where} has no key "${KUBECONFIG_KEY}"`);
    return this.entry(key, `${namespace}/${ref.name}@${secret.metadata.resourceVersion}`, () => this.remoteClient(encoded, where));
  }

  /** Drops the OCloud's connection (the OCloud was deleted) and stops its watch. */
  forget(ocloud: OCloudObject): void {
    const key = connectionKeyOf(ocloud);
    if (key === LOCAL) return; // shared by every local OCloud
    this.entries.get(key)?.stopWatch?.();
    this.entries.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) e.stopWatch?.();
    this.entries.clear();
  }

  private entry(key: string, identity: string, build: () => Promise<KubeClient>): Promise<Connection> {
    const existing = this.entries.get(key);
    if (existing?.identity === identity) return existing.connection;
    const entry: Entry = { identity, healthy: true, connection: build().then(client => ({ key, client })) };
    this.entries.set(key, entry);
    existing?.stopWatch?.();
    entry.connection.then(
      c => {
        if (this.entries.get(key) === entry && !this.stopped) entry.stopWatch = this.watch(key, entry, c.client);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key); // retried on the next connect
      },
    );
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
      throw new OCloudConfigError("InvalidKubeconfig", `the kubeconfig in ${where} cannot be loaded (no current context or cluster, or malformed credentials)`);
    }
  }

  private watch(key: string, entry: Entry, client: KubeClient): (() => void) | undefined {
    if (!this.opts.onRemoteChange && !this.opts.onHealthChange) return undefined;
    const health = (healthy: boolean) => {
      if (entry.healthy === healthy) return;
      entry.healthy = healthy;
      this.opts.onHealthChange?.(key, healthy);
    };
    return client.watch(R.ProvisioningRequest, (_, remote) => this.opts.onRemoteChange?.(remote), {
      labelSelector: REQUEST_UID_LABEL,
      onError: () => health(false),
      onSynced: () => health(true),
    });
  }
}
