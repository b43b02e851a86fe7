/**
 * An admission webhook served over TLS from this process on loopback, for a plane's API server to call.
 * The URL uses the host name `localhost` (in the certificate's SANs) because webhook configurations, like
 * `pepr dev --host`, take a DNS name.
 */
import fs from "node:fs/promises";
import https from "node:https";
import { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KubeObject } from "../../kube/client";
import { createCa, issueCert } from "./pki";

/** The parts of an admission.k8s.io/v1 AdmissionRequest that tests look at. */
export interface AdmissionRequest {
  uid: string;
  operation: string;
  namespace?: string;
  name?: string;
  resource: { group: string; version: string; resource: string };
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun?: boolean;
}

export interface AdmissionVerdict {
  allowed: boolean;
  message?: string;
  /** HTTP code of a denial (default 403). */
  code?: number;
}

export interface WebhookServer {
  /** https://localhost:<port><path> */
  url(path: string): string;
  /** Base64 PEM of the CA that signed the serving certificate, for clientConfig.caBundle. */
  caBundle: string;
  /** Every request received, in order. */
  requests: AdmissionRequest[];
  close(): Promise<void>;
}

export async function startWebhookServer(
  decide: (req: AdmissionRequest, path: string) => AdmissionVerdict | Promise<AdmissionVerdict>,
): Promise<WebhookServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ocp-webhook-"));
  let tls: { key: Buffer; cert: Buffer; ca: Buffer };
  try {
    const ca = await createCa(dir, "webhook-ca", "ocp-webhook-ca");
    const serving = await issueCert(ca, dir, "webhook", { cn: "localhost", hosts: ["localhost", "127.0.0.1"], usage: "server" });
    const [key, cert, caPem] = await Promise.all([fs.readFile(serving.key), fs.readFile(serving.cert), fs.readFile(ca.cert)]);
    tls = { key, cert, ca: caPem };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }

  const requests: AdmissionRequest[] = [];
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request: AdmissionRequest };
        requests.push(review.request);
        const verdict = await decide(review.request, req.url ?? "/");
        const status = verdict.allowed ? undefined : { code: verdict.code ?? 403, message: verdict.message ?? "denied" };
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            apiVersion: "admission.k8s.io/v1",
            kind: "AdmissionReview",
            response: { uid: review.request.uid, allowed: verdict.allowed, ...(status ? { status } : {}) },
          }),
        );
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: p => `https://localhost:${port}${p}`,
    caBundle: tls.ca.toString("base64"),
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One rule of a webhook configuration (admissionregistration.k8s.io/v1 RuleWithOperations). */
export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  scope: "Namespaced" | "Cluster" | "*";
}

/**
 * A ValidatingWebhookConfiguration that sends `rules` in one namespace to this server, failing closed as the
 * module's and Cluster API's webhooks do. Apply it with R.ValidatingWebhookConfiguration.
 */
export function validatingWebhookFor(
  server: WebhookServer,
  opts: { name: string; webhookName: string; namespace: string; rules: WebhookRule[] },
) {
  return {
    metadata: { name: opts.name },
    webhooks: [
      {
        name: opts.webhookName,
        clientConfig: { url: server.url("/validate"), caBundle: server.caBundle },
        rules: opts.rules,
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": opts.namespace } },
        failurePolicy: "Fail",
        sideEffects: "None",
        admissionReviewVersions: ["v1"],
        timeoutSeconds: 5,
      },
    ],
  };
}
