/**
 * Which callback URLs a subscription may name, so the server cannot be aimed at arbitrary internal addresses (SSRF):
 * http or https, no userinfo, no fragment, and a host the operator allowed in OCP_O2IMS_CALLBACK_ALLOW, a comma-separated
 * list of entries:
 *   10.20.0.0/16, fd00::/8   a CIDR: an IP-literal host inside it
 *   192.0.2.7                one IP address
 *   smo.example.com          one host name (exact, case-insensitive)
 *   *.smo.example.com        any name below that domain
 * Nothing is allowed by default. Link-local addresses (169.254.0.0/16 holds cloud metadata services, fe80::/10) are
 * refused even when an entry covers them, and a name is checked again when it is resolved for a delivery
 * (delivery.ts), so a name allowed by the operator cannot be pointed at them later (DNS rebinding).
 * CIDR matching uses Node's net.BlockList (IPv4, IPv6 and IPv4-mapped IPv6) rather than hand-written arithmetic.
 */
import { BlockList, isIP } from "node:net";

export interface CallbackPolicy {
  addresses: BlockList;
  names: Set<string>;
  /** Domain suffixes from "*.domain" entries, with the leading dot (".smo.example.com"). */
  suffixes: string[];
  /** The entries as given, for messages. */
  entries: string[];
}

const NEVER = new BlockList();
NEVER.addSubnet("169.254.0.0", 16, "ipv4");
NEVER.addSubnet("fe80::", 10, "ipv6");
NEVER.addAddress("0.0.0.0", "ipv4");
NEVER.addAddress("::", "ipv6");

const NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const family = (ip: string) => (isIP(ip) === 6 ? "ipv6" : "ipv4");

/** Parses the allow-list; throws naming the bad entry (the server refuses to start on it). */
export function parseCallbackAllow(raw: string | undefined, setting = "OCP_O2IMS_CALLBACK_ALLOW"): CallbackPolicy {
  const policy: CallbackPolicy = { addresses: new BlockList(), names: new Set(), suffixes: [], entries: [] };
  for (const entry of (raw ?? "")
    .split(",")
    .map(e => e.trim())
    .filter(Boolean)) {
    const slash = entry.indexOf("/");
    if (slash >= 0) {
      const ip = entry.slice(0, slash);
      const bits = Number(entry.slice(slash + 1));
      const max = isIP(ip) === 6 ? 128 : 32;
      if (!isIP(ip) || !/^\d+$/.test(entry.slice(slash + 1)) || bits > max)
        throw new Error(`${setting}: "${entry}" is not a CIDR (address/prefix length, e.g. 10.0.0.0/8)`);
      policy.addresses.addSubnet(ip, bits, family(ip));
    } else if (isIP(entry.replace(/^\[|\]$/g, ""))) {
      const ip = entry.replace(/^\[|\]$/g, "");
      policy.addresses.addAddress(ip, family(ip));
    } else if (entry.startsWith("*.") && NAME.test(entry.slice(2).toLowerCase())) {
      policy.suffixes.push(entry.slice(1).toLowerCase());
    } else if (NAME.test(entry.toLowerCase())) {
      policy.names.add(entry.toLowerCase());
    } else {
      throw new Error(`${setting}: "${entry}" is neither a CIDR, an IP address, a host name nor *.domain`);
    }
    policy.entries.push(entry);
  }
  return policy;
}

/** Whether a resolved address may be connected to (never link-local, unspecified or metadata). */
export function addressUsable(ip: string): boolean {
  return !NEVER.check(ip, family(ip));
}

/**
 * Checks a callback URL; returns the reason it is refused, or undefined when it is allowed. The reason is phrased
 * to follow "callback ", e.g. `callback: host 10.0.0.1 is not in the callback allow-list (OCP_O2IMS_CALLBACK_ALLOW)`.
 */
export function callbackRefusal(callback: string, policy: CallbackPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    return `"${callback}" is not an absolute URL`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `scheme ${url.protocol.slice(0, -1)} is not http or https`;
  if (url.username || url.password) return "must not carry user information (user:password@)";
  if (url.hash) return "must not carry a fragment (#...)";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isIP(host)) {
    if (!addressUsable(host)) return `host ${host} is a link-local or unspecified address, which is never allowed`;
    if (!policy.addresses.check(host, family(host)))
      return `host ${host} is not in the callback allow-list (OCP_O2IMS_CALLBACK_ALLOW${policy.entries.length ? `: ${policy.entries.join(", ")}` : " is empty"})`;
    return undefined;
  }
  if (policy.names.has(host) || policy.suffixes.some(s => host.endsWith(s))) return undefined;
  return `host ${host} is not in the callback allow-list (OCP_O2IMS_CALLBACK_ALLOW${policy.entries.length ? `: ${policy.entries.join(", ")}` : " is empty"})`;
}
