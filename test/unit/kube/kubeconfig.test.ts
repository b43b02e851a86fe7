import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { OCloudConnections } from "../../../capabilities/focom/oclouds";
import { OCloudConfigError } from "../../../capabilities/focom/errors";
import { kubeconfigProblem } from "../../../capabilities/focom/kubeconfig";
import { KubeClient, KubeError, KubeObject } from "../../../kube/client";
import { loadKubeConfig } from "../../../kube/kubeconfig";
import { ocloud } from "../focom/fixtures";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-"));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

const TWO_CONTEXTS = `
apiVersion: v1
kind: Config
current-context: b
clusters:
- {name: a, cluster: {server: "https://a.example:6443"}}
- {name: b, cluster: {server: "https://127.0.0.1:7443/", certificate-authority-data: ${b64("CA")}}}
users:
- {name: ua, user: {token: token-a}}
- {name: ub, user: {client-certificate-data: ${b64("CERT")}, client-key-data: ${b64("KEY")}}}
contexts:
- {name: a, context: {cluster: a, user: ua, namespace: edge}}
- {name: b, context: {cluster: b, user: ub}}
`;

describe("kubeconfig loading (client-node KubeConfig)", () => {
  it("uses the current context, or the one --context names, with its cluster, user and namespace", async () => {
    const current = await KubeClient.create({ text: TWO_CONTEXTS });
    expect(current.server).toBe("https://127.0.0.1:7443");
    expect(current.namespace).toBeUndefined();
    expect(current.user).toBe("ub");
    const tls = await current.authOptions();
    expect([tls.ca?.toString(), tls.cert?.toString(), tls.key?.toString()]).toEqual(["CA", "CERT", "KEY"]);
    expect(tls.headers.Authorization).toBeUndefined();

    const a = await KubeClient.create({ text: TWO_CONTEXTS, context: "a" });
    expect(a.server).toBe("https://a.example:6443");
    expect(a.namespace).toBe("edge");
    expect((await a.authOptions()).headers.Authorization).toBe("Bearer token-a");

    await expect(loadKubeConfig({ text: TWO_CONTEXTS, context: "c" })).rejects.toThrow('kubeconfig has no context "c"');
    await expect(loadKubeConfig({ text: TWO_CONTEXTS.replace("current-context: b", "current-context: gone") })).rejects.toThrow(
      'current-context "gone" is not among its contexts',
    );
    await expect(loadKubeConfig({ text: "clusters: []" })).rejects.toThrow("kubeconfig has no context");
  });

  it("resolves file references against the kubeconfig's directory", async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "ca.crt"), "FILE-CA");
    const file = path.join(dir, "config");
    fs.writeFileSync(
      file,
      `current-context: x\nclusters: [{name: x, cluster: {server: "https://h", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}]\nusers: [{name: x, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]`,
    );
    const tls = await (await KubeClient.create({ file })).authOptions();
    expect(tls.ca?.toString()).toBe("FILE-CA");
    expect(tls.rejectUnauthorized).toBe(false);
  });

  describe("a KUBECONFIG list", () => {
    const saved = process.env.KUBECONFIG;
    afterEach(() => {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    });

    it("merges its files as kubectl does: the first to define a name or the current-context wins", async () => {
      const dir = tmp();
      const first = path.join(dir, "first");
      const second = path.join(dir, "second");
      fs.writeFileSync(
        first,
        `current-context: one\nclusters: [{name: shared, cluster: {server: "https://one"}}]\nusers: [{name: u1, user: {token: t1}}]\ncontexts: [{name: one, context: {cluster: shared, user: u1}}]`,
      );
      fs.writeFileSync(
        second,
        `current-context: two\nclusters: [{name: shared, cluster: {server: "https://ignored"}}, {name: other, cluster: {server: "https://two"}}]\nusers: [{name: u2, user: {token: t2}}]\ncontexts: [{name: two, context: {cluster: other, user: u2, namespace: ns2}}]`,
      );
      process.env.KUBECONFIG = [first, path.join(dir, "missing"), second].join(path.delimiter);
      const one = await KubeClient.create();
      expect(one.server).toBe("https://one");
      expect((await one.authOptions()).headers.Authorization).toBe("Bearer t1");
      const two = await KubeClient.create({ context: "two" });
      expect(two.server).toBe("https://two");
      expect(two.namespace).toBe("ns2");
      expect((await two.authOptions()).headers.Authorization).toBe("Bearer t2");
    });
  });

  describe("an exec plugin", () => {
    let server: https.Server;
    let seen: (string | undefined)[];
    let dir: string;
    beforeAll(() => {
      dir = tmp();
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
          ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
        ],
        { stdio: "ignore" },
      );
    });
    beforeEach(async () => {
      seen = [];
      server = https.createServer(
        { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
        (req, res) => {
          seen.push(req.headers.authorization);
          // The first credential is "expired": answer 401 once, as an API server does.
          const expired = req.headers.authorization === "Bearer exec-token-1";
          res.writeHead(expired ? 401 : 200, { "Content-Type": "application/json" });
          res.end(expired ? JSON.stringify({ kind: "Status", message: "Unauthorized" }) : "{}");
        },
      );
      await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
    });
    afterEach(() => new Promise(r => server.close(r)));

    it("runs it, sends its token, and runs it again after a 401", async () => {
      // A tiny credential plugin: prints an ExecCredential with a new token on each run.
      const plugin = path.join(dir, "plugin.js");
      const counter = path.join(dir, "runs");
      fs.writeFileSync(
        plugin,
        `const fs = require("fs");
const n = (fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8")) : 0) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n));
process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "exec-token-" + n } }));`,
      );
      const { port } = server.address() as AddressInfo;
      const file = path.join(dir, "exec.kubeconfig");
      fs.writeFileSync(
        file,
        [
          "current-context: e",
          `clusters: [{name: e, cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${b64(fs.readFileSync(path.join(dir, "cert.pem"), "utf8"))}}}]`,
          `users: [{name: e, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(plugin)}], interactiveMode: Never}}}]`,
          "contexts: [{name: e, context: {cluster: e, user: e}}]",
        ].join("\n"),
      );
      const client = await KubeClient.create({ file });
      await expect(client.request("GET", "/api")).rejects.toEqual(expect.any(KubeError));
      await client.request("GET", "/api");
      expect(seen).toEqual(["Bearer exec-token-1", "Bearer exec-token-2"]);
    });
  });
});

describe("kubeconfigs from OCloud Secrets", () => {
  const withUser = (user: string) =>
    `current-context: x\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: x, user: ${user}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]`;

  it("are screened before loading: no exec, auth-provider or file reference", () => {
    expect(kubeconfigProblem(withUser("{exec: {command: /bin/sh}}"))).toMatch(/"exec" credentials/);
    expect(kubeconfigProblem(withUser("{auth-provider: {name: oidc}}"))).toMatch(/"auth-provider" credentials/);
    expect(kubeconfigProblem(withUser("{token-file: /var/run/secrets/kubernetes.io/serviceaccount/token}"))).toMatch(
      /"token-file"/,
    );
    expect(kubeconfigProblem(withUser("{client-certificate: /etc/c.pem, client-key: /etc/k.pem}"))).toMatch(
      /"client-certificate"/,
    );
    expect(
      kubeconfigProblem(withUser("{token: t}").replace('server: "https://127.0.0.1:1"', "server: x, certificate-authority: /ca")),
    ).toMatch(/certificate-authority/);
  });

  async function connect(kubeconfig: string) {
    const secret: KubeObject = {
      metadata: { name: "kc", namespace: "smo", resourceVersion: "1" },
      data: { kubeconfig: b64(kubeconfig) },
    };
    // The default createClient: the same KubeClient.create (KubeConfig.loadFromString) as every other kubeconfig.
    const connections = new OCloudConnections({
      fieldManager: "test",
      local: async () => ({ watch: () => () => undefined }) as unknown as KubeClient,
      readSecret: async () => secret,
    });
    try {
      return await connections.connect(ocloud("edge", "kc"));
    } finally {
      connections.stop();
    }
  }

  it("never run a plugin they name, and load inline credentials through KubeConfig", async () => {
    const marker = path.join(tmp(), "ran");
    const exec = `{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: ["-c", "touch ${marker}"]}}`;
    await expect(connect(withUser(exec))).rejects.toEqual(expect.any(OCloudConfigError));
    expect(fs.existsSync(marker)).toBe(false);

    const c = await connect(withUser("{token: inline}"));
    expect(c.client.server).toBe("https://127.0.0.1:1");
    expect((await c.client.authOptions()).headers.Authorization).toBe("Bearer inline");
  });
});
