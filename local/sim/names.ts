/** Generated names and small value helpers (pure apart from randomness). */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../kube/json";

/** The alphabet of apimachinery's utilrand.String: no vowels, no confusable characters. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";

export function randomString(length: number, alphabet = NAME_ALPHABET): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/**
 * `<base>-<5 random>`, the way CAPI names KCP machines, MachineSets and MachineSet machines
 * (names.SimpleNameGenerator: the base is cut to 58 characters so the result stays ≤ 63).
 */
export function generateName(base: string): string {
  const prefix = `${base}-`.slice(0, 58);
  return `${prefix}${randomString(5)}`;
}

/** BYOH's providerID: `byoh://<host>/<6 random lowercase letters>` (ProviderIDSuffixLength = 6). */
export const providerIdFor = (hostName: string) => `byoh://${hostName}/${randomString(6, LOWER)}`;

/** The host name inside a BYOH providerID, or undefined. */
export function hostFromProviderId(providerID: string | undefined): string | undefined {
  const m = /^byoh:\/\/([^/]+)\//.exec(providerID ?? "");
  return m?.[1];
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export const stableStringify = canonicalJson;

/** A short label-safe hash of a value (MachineSet `machine-template-hash`). */
export const shortHash = (value: unknown) => createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, 10);

/** Parses vX.Y.Z[-pre] into numbers for ordering; unparsable parts count as 0. */
function versionParts(v: string): number[] {
  return v
    .replace(/^v/, "")
    .split(/[.+-]/)
    .slice(0, 3)
    .map(p => Number.parseInt(p, 10) || 0);
}

export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function lowestVersion(versions: (string | undefined)[]): string | undefined {
  let low: string | undefined;
  for (const v of versions) if (v && (!low || compareVersions(v, low) < 0)) low = v;
  return low;
}

/** Resolves an int-or-percent (maxSurge/maxUnavailable) against a replica count; percentages round as CAPI does. */
export function resolveIntOrPercent(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  fallback: number,
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number") return Math.max(0, Math.floor(value));
  const m = /^(\d+)%$/.exec(value.trim());
  if (m) {
    const exact = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.max(0, n) : fallback;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** A stable private address for a host name: 10.<a>.<b>.<c>, never .0 or .255 in the last octet. */
export function ipFor(name: string): string {
  const d = digest(name);
  return `10.${d[0]}.${d[1]}.${(d[2] % 253) + 1}`;
}

/** A stable locally administered MAC for a host name. */
export function macFor(name: string): string {
  const d = digest(`mac:${name}`);
  return ["02", ...[0, 1, 2, 3, 4].map(i => d[i].toString(16).padStart(2, "0"))].join(":");
}
