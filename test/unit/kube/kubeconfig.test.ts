import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseKubeconfig } from "../../../kube/kubeconfig";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("parseKubeconfig", () => {
  it("reads the current context's cluster and user, inline data decoded", () => {
    const text = `
apiVersion: v1
kind: Config
current-context: b
clusters:
- {name: a, cluster: {server: "https://a:6443"}}
- {name: b, cluster: {server: "https://127.0.0.1:7443/", certificate-authority-data: ${b64("CA")}}}
users:
- {name: ua, user: {token: nope}}
- {name: ub, user: {client-certificate-data: ${b64("CERT")}, client-key-data: ${b64("KEY")}}}
contexts:
- {name: a, context: {cluster: a, user: ua}}
- {name: b, context: {cluster: b, user: ub}}
`;
    const c = parseKubeconfig(text);
    expect(c.server).toBe("https://127.0.0.1:7443");
    expect(c.ca?.toString()).toBe("CA");
    expect(c.cert?.toString()).toBe("CERT");
    expect(c.key?.toString()).toBe("KEY");
    expect(c.token).toBeUndefined();
  });

  it("resolves file paths against the kubeconfig's directory and keeps tokens", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kc-"));
    fs.writeFileSync(path.join(dir, "ca.crt"), "FILE-CA");
    const c = parseKubeconfig(
      `current-context: x\nclusters: [{name: x, cluster: {server: "https://h", certificate-authority: ca.crt, insecure-skip-tls-verify: true}}]\nusers: [{name: x, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]`,
      dir,
    );
    expect(c.ca?.toString()).toBe("FILE-CA");
    expect(c.token).toBe("abc");
    expect(c.insecureSkipTLSVerify).toBe(true);
  });

  it("refuses exec plugins with a clear message, and a config without a server", () => {
    expect(() =>
      parseKubeconfig(
        `current-context: x\nclusters: [{name: x, cluster: {server: "https://h"}}]\nusers: [{name: x, user: {exec: {command: aws}}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]`,
      ),
    ).toThrow("exec and auth-provider plugins are not supported");
    expect(() => parseKubeconfig(`clusters: []`)).toThrow("no cluster server");
    expect(() =>
      parseKubeconfig(`current-context: gone\nclusters: [{name: a, cluster: {server: "https://h"}}]\ncontexts: []`),
    ).toThrow('current-context "gone" is not among its contexts');
  });
});
