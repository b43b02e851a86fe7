import { OCloudConnections } from "../../../capabilities/focom/oclouds";
import { OCloudConfigError } from "../../../capabilities/focom/errors";
import { kubeconfigProblem } from "../../../capabilities/focom/kubeconfig";
import { KubeClient, KubeObject, WatchPhase } from "../../../kube/client";
import { ocloud } from "./fixtures";

const SECRET_TOKEN = "s3cr3t-t0ken-value";
const kubeconfig = (user: Record<string, unknown> = { token: SECRET_TOKEN }) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters: [{name: edge, cluster: {server: 'https://127.0.0.1:6443'}}]",
    `users: [{name: u, user: ${JSON.stringify(user)}}]`,
    "contexts: [{name: edge, context: {cluster: edge, user: u}}]",
    "current-context: edge",
  ].join("\n");

interface FakeWatch {
  plural: string;
  onEvent: (phase: WatchPhase, obj: KubeObject) => void;
  opts: {
    labelSelector?: string;
    fieldSelector?: string;
    namespace?: string;
    onError?: (e: unknown) => void;
    onSynced?: () => void;
  };
  stopped: boolean;
}

/** A client whose watch is recorded, so tests can play remote events and outages. */
function fakeClient(name: string, watches: FakeWatch[]): KubeClient {
  return {
    server: name,
    watch: (res: { plural: string }, onEvent: FakeWatch["onEvent"], opts: FakeWatch["opts"]) => {
      const w: FakeWatch = { plural: res.plural, onEvent, opts, stopped: false };
      watches.push(w);
      return () => (w.stopped = true);
    },
  } as unknown as KubeClient;
}

function setup(secrets: Record<string, KubeObject | undefined>) {
  const watches: FakeWatch[] = [];
  const built: string[] = [];
  const changes: string[] = [];
  const health: [string, boolean][] = [];
  const secretChanges: string[] = [];
  const local = fakeClient("local", watches);
  const connections = new OCloudConnections({
    fieldManager: "test",
    local: async () => local,
    readSecret: async name => secrets[name],
    createClient: async text => {
      built.push(text);
      return fakeClient(`remote-${built.length}`, watches);
    },
    onRemoteChange: r => changes.push(r.metadata.name),
    onHealthChange: (key, ok) => health.push([key, ok]),
    onSecretChange: key => secretChanges.push(key),
  });
  const remoteWatches = () => watches.filter(w => w.plural === "provisioningrequests");
  const secretWatches = () => watches.filter(w => w.plural === "secrets");
  return { connections, watches, remoteWatches, secretWatches, built, changes, health, secretChanges, local };
}

const secret = (rv: string, text = kubeconfig()): KubeObject => ({
  metadata: { name: "kc", namespace: "smo", resourceVersion: rv },
  data: { kubeconfig: Buffer.from(text).toString("base64") },
});
const settle = () => new Promise(r => setImmediate(r));

describe("OCloudConnections", () => {
  it("uses this cluster's client for every OCloud without secretRef, with one watch", async () => {
    const t = setup({});
    const a = await t.connections.connect(ocloud("a"));
    const b = await t.connections.connect(ocloud("b"));
    await settle();
    expect(a.client).toBe(t.local);
    expect(b.client).toBe(t.local);
    expect(a.key).toBe("local");
    expect(t.watches).toHaveLength(1);
    expect(t.watches[0].opts.labelSelector).toBe("focom.nephio.org/request-uid");
  });

  it("keeps one client per OCloud and rebuilds it (and its watch) when the Secret's resourceVersion changes", async () => {
    const secrets: Record<string, KubeObject> = { kc: secret("1") };
    const t = setup(secrets);
    const edge = ocloud("edge", "kc");
    const first = await t.connections.connect(edge);
    expect((await t.connections.connect(edge)).client).toBe(first.client);
    await settle();
    expect(t.built).toHaveLength(1);
    secrets.kc = secret("2");
    const second = await t.connections.connect(edge);
    await settle();
    expect(second.client).not.toBe(first.client);
    expect(t.built).toHaveLength(2);
    expect(t.remoteWatches().map(w => w.stopped)).toEqual([true, false]);
    expect(t.secretWatches().map(w => [w.stopped, w.opts.namespace, w.opts.fieldSelector])).toEqual([
      [true, "smo", "metadata.name=kc"],
      [false, "smo", "metadata.name=kc"],
    ]);
    t.connections.forget("smo", "edge");
    expect(t.watches.every(w => w.stopped)).toBe(true);
  });

  it("reports a change of the Secret at once, not the replay of the version it was built from", async () => {
    const t = setup({ kc: secret("1") });
    await t.connections.connect(ocloud("edge", "kc"));
    await settle();
    const w = t.secretWatches()[0];
    w.onEvent("ADDED", secret("1"));
    expect(t.secretChanges).toEqual([]);
    w.onEvent("MODIFIED", secret("2"));
    w.onEvent("DELETED", secret("2"));
    expect(t.secretChanges).toEqual(["smo/edge", "smo/edge"]);
  });

  it("passes remote changes and watch health on", async () => {
    const t = setup({ kc: secret("1") });
    await t.connections.connect(ocloud("edge", "kc"));
    await settle();
    const w = t.remoteWatches()[0];
    w.onEvent("MODIFIED", { metadata: { name: "edge-o2ims" } });
    w.opts.onError?.(new Error("down"));
    w.opts.onError?.(new Error("still down"));
    w.opts.onSynced?.();
    expect(t.changes).toEqual(["edge-o2ims"]);
    expect(t.health).toEqual([
      ["smo/edge", false],
      ["smo/edge", true],
    ]);
  });

  it.each([
    ["SecretNotFound", {}, "Secret smo/kc of OCloud smo/edge not found"],
    [
      "KubeconfigMissing",
      { kc: { metadata: { name: "kc", resourceVersion: "1" }, data: {} } },
      'Secret smo/kc of OCloud smo/edge has no key "kubeconfig"',
    ],
  ])("fails with %s", async (reason, secrets, message) => {
    const t = setup(secrets as Record<string, KubeObject>);
    const err = await t.connections.connect(ocloud("edge", "kc")).catch(e => e);
    expect(err).toBeInstanceOf(OCloudConfigError);
    expect([err.reason, err.message]).toEqual([reason, message]);
  });

  it("refuses kubeconfigs that would run commands or read local files, without quoting them", async () => {
    for (const user of [
      { exec: { command: "/bin/sh", args: ["-c", SECRET_TOKEN] } },
      { "token-file": "/var/run/secrets/kubernetes.io/serviceaccount/token" },
    ]) {
      const t = setup({ kc: secret("1", kubeconfig(user)) });
      const err = await t.connections.connect(ocloud("edge", "kc")).catch(e => e);
      expect(err.reason).toBe("InvalidKubeconfig");
      expect(err.message).not.toContain(SECRET_TOKEN);
      expect(err.message).not.toContain("/var/run");
      expect(t.built).toEqual([]);
    }
  });

  it("never quotes the Secret when its kubeconfig cannot be loaded (real client)", async () => {
    const connections = new OCloudConnections({
      fieldManager: "t",
      local: async () => ({}) as KubeClient,
      readSecret: async () =>
        secret("1", `current-context: nowhere\nclusters: [{name: a, cluster: {server: "x"}}]\ntoken: ${SECRET_TOKEN}`),
    });
    const err = await connections.connect(ocloud("edge", "kc")).catch(e => e);
    expect(err.reason).toBe("InvalidKubeconfig");
    expect(err.message).not.toContain(SECRET_TOKEN);
    // And a loadable one gives a working client, unmodified.
    const ok = new OCloudConnections({
      fieldManager: "t",
      local: async () => ({}) as KubeClient,
      readSecret: async () => secret("1"),
    });
    expect((await ok.connect(ocloud("edge", "kc"))).client.server).toBe("https://127.0.0.1:6443");
    ok.stop();
  });
});

describe("kubeconfigProblem", () => {
  it("accepts inline credentials and names what it refuses", () => {
    expect(kubeconfigProblem(kubeconfig())).toBeUndefined();
    expect(kubeconfigProblem(kubeconfig({ "client-certificate-data": "AAA", "client-key-data": "BBB" }))).toBeUndefined();
    expect(kubeconfigProblem(kubeconfig({ "auth-provider": { name: "oidc" } }))).toMatch(/"auth-provider" credentials/);
    expect(kubeconfigProblem(kubeconfig({ "client-key": "/etc/key.pem" }))).toMatch(/"client-key"/);
    expect(
      kubeconfigProblem(kubeconfig().replace("server: 'https://127.0.0.1:6443'", "server: x, certificate-authority: /ca.crt")),
    ).toMatch(/certificate-authority-data/);
    expect(kubeconfigProblem(`token: "${SECRET_TOKEN}`)).toBe("is not valid YAML");
    expect(kubeconfigProblem("just text")).toMatch(/not a kubeconfig/);
    expect(kubeconfigProblem("kind: Config")).toBe("has no clusters");
  });
});
