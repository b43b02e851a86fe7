/**
 * IPv4/IPv6 addresses and CIDRs as big integers, enough to validate and to test containment and overlap.
 * Strict like Go's net.ParseIP (no leading zeros in IPv4, no zone), which kubeadm and kube-vip use.
 */

export interface Ip {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** First address of the network. */
  base: bigint;
  prefix: number;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseIpv6(s: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (text: string): number[] | undefined => {
    if (text === "") return [];
    const out: number[] = [];
    const items = text.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes(".")) {
        // An embedded IPv4 address (e.g. ::ffff:10.0.0.1) counts as two groups.
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail].reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2). */
const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * An IPv4-mapped IPv6 address (::ffff:192.168.3.3) is returned as the IPv4 address it maps, as Go's net.IP.To4 does
 * for kubeadm and kube-vip: every rule (inside the pod network, overlaps, duplicates) then judges what they will use.
 */
export function parseIp(s: string): Ip | undefined {
  if (s.includes(":")) {
    const value = parseIpv6(s);
    if (value === undefined) return undefined;
    if (value >> 32n === V4_MAPPED_PREFIX >> 32n) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  const value = parseIpv4(s);
  return value === undefined ? undefined : { family: 4, value };
}

export type CidrResult = { cidr: Cidr } | { error: string };

/** Parses "address/prefix"; rejects host bits set after the prefix (a likely typo such as 10.96.0.1/12). */
export function parseCidr(s: string): CidrResult {
  const slash = s.indexOf("/");
  if (slash < 0) return { error: "is not in address/prefix form" };
  const ip = parseIp(s.slice(0, slash));
  if (!ip) return { error: "does not start with a valid IPv4 or IPv6 address" };
  const prefixText = s.slice(slash + 1);
  const max = bits(ip.family);
  if (!/^(0|[1-9][0-9]*)$/.test(prefixText) || Number(prefixText) > max) {
    return { error: `has an invalid prefix length (0-${max} for IPv${ip.family})` };
  }
  const prefix = Number(prefixText);
  const hostBits = BigInt(max - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  if (base !== ip.value)
    return { error: `has host bits set; the network is ${formatIp({ family: ip.family, value: base })}/${prefix}` };
  return { cidr: { family: ip.family, base, prefix } };
}

const lastOf = (c: Cidr) => c.base + (1n << BigInt(bits(c.family) - c.prefix)) - 1n;

export const cidrContains = (c: Cidr, ip: Ip) => c.family === ip.family && ip.value >= c.base && ip.value <= lastOf(c);

export const cidrsOverlap = (a: Cidr, b: Cidr) => a.family === b.family && a.base <= lastOf(b) && b.base <= lastOf(a);

export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map(s => ((ip.value >> s) & 0xffn).toString()).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => ((ip.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j > i ? j : i + 1;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}
