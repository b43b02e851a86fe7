/**
 * The subscription settings of the O2 IMS REST server (beside o2ims-api/settings.ts, which holds the core's), read
 * from the environment once; a bad value is refused naming the variable and the rule.
 */
import { CallbackPolicy, parseCallbackAllow } from "./callback-url";
import { DEFAULT_RETRY, RetryPolicy } from "./delivery";

export interface SubscriptionSettings {
  /** OCP_O2IMS_CALLBACK_ALLOW: hosts/CIDRs callbacks may name (callback-url.ts); empty = none. */
  callbacks: CallbackPolicy;
  /**
   * OCP_O2IMS_NOTIFY_MAX_ATTEMPTS (6), OCP_O2IMS_NOTIFY_RETRY_BASE_MS (500), OCP_O2IMS_NOTIFY_RETRY_MAX_MS (30000),
   * OCP_O2IMS_NOTIFY_TIMEOUT_MS (5000), OCP_O2IMS_NOTIFY_MAX_QUEUED (1000): delivery.ts RetryPolicy.
   */
  retry: RetryPolicy;
  /** OCP_O2IMS_API_SERVICE_URI: the server's external base URL, prefixed to objectRef URIs and CloudInfo serviceUri. */
  serviceUri: string;
}

export function readSubscriptionSettings(env: NodeJS.ProcessEnv = process.env): SubscriptionSettings {
  const positive = (name: string, dflt: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: "${raw}" must be a positive integer`);
    return n;
  };
  const serviceUri = (env.OCP_O2IMS_API_SERVICE_URI ?? "").replace(/\/+$/, "");
  if (serviceUri && !/^https?:\/\/[^/]+/.test(serviceUri))
    throw new Error(`OCP_O2IMS_API_SERVICE_URI: "${serviceUri}" must be an http(s) URL such as https://o2ims.example.com`);
  return {
    callbacks: parseCallbackAllow(env.OCP_O2IMS_CALLBACK_ALLOW),
    retry: {
      maxAttempts: positive("OCP_O2IMS_NOTIFY_MAX_ATTEMPTS", DEFAULT_RETRY.maxAttempts),
      baseDelayMs: positive("OCP_O2IMS_NOTIFY_RETRY_BASE_MS", DEFAULT_RETRY.baseDelayMs),
      maxDelayMs: positive("OCP_O2IMS_NOTIFY_RETRY_MAX_MS", DEFAULT_RETRY.maxDelayMs),
      timeoutMs: positive("OCP_O2IMS_NOTIFY_TIMEOUT_MS", DEFAULT_RETRY.timeoutMs),
      maxQueued: positive("OCP_O2IMS_NOTIFY_MAX_QUEUED", DEFAULT_RETRY.maxQueued),
    },
    serviceUri,
  };
}
