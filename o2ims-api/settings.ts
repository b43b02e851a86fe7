/**
 * Every setting of the O2 IMS REST server, read from the environment in one place; a bad value is refused naming
 * the variable and the rule.
 */
export interface ApiSettings {
  /** OCP_O2IMS_API_PORT (8443). */
  port: number;
  /** OCP_O2IMS_API_HOST: the address to listen on (all by default; local runs use 127.0.0.1). */
  host: string;
  /** OCP_O2IMS_API_TLS_CERT / OCP_O2IMS_API_TLS_KEY: PEM files; both or neither (then plain HTTP, with a warning). */
  tls?: { certFile: string; keyFile: string };
  /** OCP_O2IMS_API_NAMESPACE (o2ims): the namespace whose ProvisioningRequests the API serves. */
  namespace: string;
  /** OCP_O2IMS_API_OWN_NAMESPACE (pepr-system): where the server's own durable state lives. */
  ownNamespace: string;
  /**
   * OCP_O2IMS_API_DOCUMENTS: a folder holding the services' OpenAPI documents by file name. Unset: each service's
   * own path (the repository). In a cluster the module bundle is a single file, so the chart mounts them there.
   */
  documentsDir?: string;
  /** OCP_O2IMS_API_AUTH_CACHE_SECONDS (10): how long a positive TokenReview is reused. */
  authCacheSeconds: number;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function readSettings(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const positive = (name: string, dflt: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${name}: "${raw}" must be an integer from 0 to ${max}`);
    return n;
  };
  const namespace = (name: string, dflt: string) => {
    const v = env[name] || dflt;
    if (!DNS_LABEL.test(v)) throw new Error(`${name}: "${v}" must be a namespace name (DNS-1123 label)`);
    return v;
  };
  const cert = env.OCP_O2IMS_API_TLS_CERT || undefined;
  const key = env.OCP_O2IMS_API_TLS_KEY || undefined;
  if (Boolean(cert) !== Boolean(key))
    throw new Error("OCP_O2IMS_API_TLS_CERT and OCP_O2IMS_API_TLS_KEY: set both (HTTPS) or neither (plain HTTP)");
  return {
    port: positive("OCP_O2IMS_API_PORT", 8443, 65535),
    host: env.OCP_O2IMS_API_HOST || "0.0.0.0",
    tls: cert && key ? { certFile: cert, keyFile: key } : undefined,
    namespace: namespace("OCP_O2IMS_API_NAMESPACE", "o2ims"),
    ownNamespace: namespace("OCP_O2IMS_API_OWN_NAMESPACE", "pepr-system"),
    documentsDir: env.OCP_O2IMS_API_DOCUMENTS || undefined,
    authCacheSeconds: positive("OCP_O2IMS_API_AUTH_CACHE_SECONDS", 10, 300),
  };
}
