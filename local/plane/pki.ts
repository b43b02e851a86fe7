/**
 * Certificates for a plane and for local webhook servers. Node's crypto cannot issue X.509 certificates, so the
 * openssl CLI signs them (P-256 keys: each command takes milliseconds); a minimal config keeps the system
 * openssl.cnf from adding CA extensions to leaf certificates.
 */
import { execFile } from "node:child_process";
import { generateKeyPair } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertFiles {
  cert: string;
  key: string;
}

export interface PlanePki {
  ca: CertFiles;
  serving: CertFiles;
  admin: CertFiles;
  /** Service-account token signing key pair (PEM files). */
  serviceAccount: { privateKey: string; publicKey: string };
}

export interface LeafOptions {
  cn: string;
  /** Organizations: the groups Kubernetes sees for a client certificate. */
  org?: string | string[];
  /** DNS names and IP addresses for subjectAltName; required for serving certificates. */
  hosts?: string[];
  usage: "server" | "client";
}

const MIN_CONFIG = "[req]\ndistinguished_name = dn\n[dn]\n";
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** openssl req -x509 with a config file of its own (parallel calls must not share a file being rewritten). */
async function openssl(dir: string, name: string, args: string[]): Promise<void> {
  const config = path.join(dir, `${name}.cnf`);
  await fs.writeFile(config, MIN_CONFIG);
  await run("openssl", ["req", "-x509", "-config", config, "-days", "365", ...args], { cwd: dir });
}

/** A self-signed CA in dir/<name>.crt + .key. */
export async function createCa(dir: string, name = "ca", cn = "ocp-local-ca"): Promise<CertFiles> {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  await openssl(dir, name, [
    ...EC,
    ...["-keyout", files.key, "-out", files.cert, "-subj", `/CN=${cn}`],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"],
  ]);
  return files;
}

/** A leaf certificate signed by ca in dir/<name>.crt + .key. */
export async function issueCert(ca: CertFiles, dir: string, name: string, opts: LeafOptions): Promise<CertFiles> {
  const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
  const subject = `${[opts.org ?? []]
    .flat()
    .map(o => `/O=${o}`)
    .join("")}/CN=${opts.cn}`;
  const sans = (opts.hosts ?? []).map(h => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(",");
  await openssl(dir, name, [
    ...["-CA", ca.cert, "-CAkey", ca.key, ...EC, "-keyout", files.key, "-out", files.cert, "-subj", subject],
    ...["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature"],
    ...["-addext", `extendedKeyUsage=${opts.usage === "server" ? "serverAuth" : "clientAuth"}`],
    ...(sans ? ["-addext", `subjectAltName=${sans}`] : []),
  ]);
  return files;
}

async function serviceAccountKeys(dir: string): Promise<PlanePki["serviceAccount"]> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const files = { privateKey: path.join(dir, "sa.key"), publicKey: path.join(dir, "sa.pub") };
  await Promise.all([fs.writeFile(files.privateKey, privateKey, { mode: 0o600 }), fs.writeFile(files.publicKey, publicKey)]);
  return files;
}

/** The plane's CA as createPlanePki wrote it into dir, for issuing more client certificates. */
export const planeCa = (dir: string): CertFiles => ({ cert: path.join(dir, "ca.crt"), key: path.join(dir, "ca.key") });

/** Everything a plane needs, the leaves issued in parallel once the CA exists. */
export async function createPlanePki(dir: string): Promise<PlanePki> {
  await fs.mkdir(dir, { recursive: true });
  const [ca, serviceAccount] = await Promise.all([createCa(dir, "ca"), serviceAccountKeys(dir)]);
  const [serving, admin] = await Promise.all([
    issueCert(ca, dir, "apiserver", { cn: "kube-apiserver", hosts: ["localhost", "127.0.0.1"], usage: "server" }),
    issueCert(ca, dir, "admin", { cn: "admin", org: "system:masters", usage: "client" }),
  ]);
  return { ca, serving, admin, serviceAccount };
}
