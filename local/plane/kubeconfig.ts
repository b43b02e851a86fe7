/** Kubeconfig files with the certificates embedded, so a file works wherever it is copied. */
import fs from "node:fs";
import yaml from "js-yaml";

const b64 = (file: string) => fs.readFileSync(file).toString("base64");

export interface KubeconfigSpec {
  /** Cluster and context name. */
  name: string;
  user: string;
  server: string;
  /** PEM file paths. */
  caCert: string;
  clientCert: string;
  clientKey: string;
}

export function writeKubeconfig(file: string, spec: KubeconfigSpec): void {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.name, cluster: { server: spec.server, "certificate-authority-data": b64(spec.caCert) } }],
    users: [
      {
        name: spec.user,
        user: { "client-certificate-data": b64(spec.clientCert), "client-key-data": b64(spec.clientKey) },
      },
    ],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.user } }],
    "current-context": spec.name,
  };
  fs.writeFileSync(file, yaml.dump(config), { mode: 0o600 });
}
