/**
 * The list query parameters of the O2 IMS interface (O-RAN.WG6.O2IMS-INTERFACE §3.x "attribute-based filtering" and
 * "attribute selectors", which follow ETSI GS NFV-SOL 013 §5.2/§5.3):
 *
 *   filter=(op,attr,value[,value...])[;(op,attr,value...)]   op: eq neq gt gte lt lte cont ncont in nin; ";" = AND
 *   fields=a,b/c        keep only these attributes (a nested attribute is named with "/")
 *   exclude_fields=a    drop these attributes
 *   all_fields          accepted (the default already returns every attribute)
 *
 * A value may be quoted with single quotes when it holds "," ";" "(" or ")"; a quote inside is doubled ('it''s').
 * Hand-written: the grammar is a few lines and no npm package implements SOL 013 filters (the ones found are tied to
 * ORMs or to other grammars such as OData/RQL); Red Hat's oran-o2ims parses the same grammar by hand too.
 *
 * Semantics (what the spec leaves open, chosen as Red Hat's implementation behaves where it says):
 * - a value is compared as a number when both sides are numbers (or numeric strings), else as strings (ISO 8601
 *   times compare correctly as strings); booleans compare as "true"/"false";
 * - an attribute holding an array matches eq/in/cont/gt... when any element does, and neq/nin/ncont when none does;
 * - a missing attribute matches only neq, nin and ncont.
 */
import { Problem } from "./contract";

export const FILTER_OPS = ["eq", "neq", "gt", "gte", "lt", "lte", "cont", "ncont", "in", "nin"] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface Term {
  op: FilterOp;
  /** The attribute path, split on "/" (e.g. ["status", "provisioningPhase"]). */
  path: string[];
  values: string[];
}

/** Terms joined by AND. */
export type Filter = Term[];

export interface ListQuery {
  filter?: Filter;
  fields?: string[][];
  excludeFields?: string[][];
}

/** The query parameters this module reads; the OpenAPI documents declare the same names. */
export const QUERY_PARAMS = ["filter", "fields", "exclude_fields", "all_fields"] as const;

const badParam = (param: string, reason: string) =>
  new Problem(400, "Bad Request", `query parameter ${param}: ${reason}`, { invalidParams: [{ param, reason }] });

const ATTR = /^[A-Za-z_][A-Za-z0-9_.-]*(\/[A-Za-z_][A-Za-z0-9_.-]*)*$/;

function attrPath(param: string, raw: string): string[] {
  const s = raw.trim();
  if (!ATTR.test(s)) throw badParam(param, `"${raw}" is not an attribute name (letters, digits, _ . -, nested with /)`);
  return s.split("/");
}

/** Splits s at top-level separators, honouring single-quoted values; returns the raw pieces (quotes kept). */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      if (quoted && s[i + 1] === "'") {
        cur += "''";
        i++;
        continue;
      }
      quoted = !quoted;
      cur += c;
    } else if (c === sep && !quoted) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (quoted) throw new Error(`unterminated quote in "${s}"`);
  parts.push(cur);
  return parts;
}

function unquote(v: string): string {
  const t = v;
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t.includes("'")) throw new Error(`value ${v} has a quote inside an unquoted value (quote it whole: '...')`);
  return t;
}

/** Parses one filter expression; throws a 400 Problem naming the bad term. */
export function parseFilter(s: string): Filter {
  if (!s.trim()) throw badParam("filter", "is empty; expected (op,attribute,value)");
  let terms: string[];
  try {
    terms = splitOutsideQuotes(s, ";");
  } catch (e) {
    throw badParam("filter", (e as Error).message);
  }
  return terms.map(raw => {
    const t = raw.trim();
    if (!t.startsWith("(") || !t.endsWith(")")) throw badParam("filter", `term "${raw}" must be (op,attribute,value[,value...])`);
    let parts: string[];
    try {
      parts = splitOutsideQuotes(t.slice(1, -1), ",");
    } catch (e) {
      throw badParam("filter", `term "${raw}": ${(e as Error).message}`);
    }
    if (parts.length < 3) throw badParam("filter", `term "${raw}" must be (op,attribute,value[,value...])`);
    const op = parts[0].trim();
    if (!(FILTER_OPS as readonly string[]).includes(op))
      throw badParam("filter", `term "${raw}": unknown operator "${op}" (one of ${FILTER_OPS.join(", ")})`);
    const multi = op === "in" || op === "nin";
    if (!multi && parts.length > 3)
      throw badParam("filter", `term "${raw}": operator ${op} takes one value (quote a value holding ",")`);
    let values: string[];
    try {
      values = parts.slice(2).map(unquote);
    } catch (e) {
      throw badParam("filter", `term "${raw}": ${(e as Error).message}`);
    }
    return { op: op as FilterOp, path: attrPath("filter", parts[1]), values };
  });
}

function parseFieldList(param: string, s: string): string[][] {
  const names = s.split(",").filter(x => x.trim() !== "");
  if (!names.length) throw badParam(param, "is empty; expected attribute[,attribute...]");
  return names.map(n => attrPath(param, n));
}

/** Reads filter, fields and exclude_fields; each may appear once. Other parameters are the document's business. */
export function parseListQuery(q: URLSearchParams): ListQuery {
  const one = (name: string) => {
    const all = q.getAll(name);
    if (all.length > 1) throw badParam(name, "may appear once (join filter terms with ';', fields with ',')");
    return all[0];
  };
  const out: ListQuery = {};
  const filter = one("filter");
  if (filter !== undefined) out.filter = parseFilter(filter);
  const fields = one("fields");
  if (fields !== undefined) out.fields = parseFieldList("fields", fields);
  const exclude = one("exclude_fields");
  if (exclude !== undefined) out.excludeFields = parseFieldList("exclude_fields", exclude);
  return out;
}

function valuesAt(item: unknown, path: string[]): unknown[] | undefined {
  let cur: unknown = item;
  for (const key of path) {
    if (Array.isArray(cur)) {
      // An attribute inside an array of objects: collect it from every element.
      const inner = cur.flatMap(el => valuesAt(el, [key]) ?? []);
      if (!inner.length) return undefined;
      cur = inner;
      continue;
    }
    if (cur === null || typeof cur !== "object" || !(key in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined) return undefined;
  return Array.isArray(cur) ? cur : [cur];
}

const NUMERIC = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function compare(actual: unknown, value: string): number {
  const a = typeof actual === "string" ? actual : typeof actual === "object" ? JSON.stringify(actual) : String(actual);
  if ((typeof actual === "number" || NUMERIC.test(a)) && NUMERIC.test(value)) return Number(a) - Number(value);
  return a < value ? -1 : a > value ? 1 : 0;
}

function matchesOne(actual: unknown, op: FilterOp, values: string[]): boolean {
  const a = typeof actual === "string" ? actual : JSON.stringify(actual);
  switch (op) {
    case "eq":
    case "in":
      return values.some(v => compare(actual, v) === 0);
    case "gt":
      return compare(actual, values[0]) > 0;
    case "gte":
      return compare(actual, values[0]) >= 0;
    case "lt":
      return compare(actual, values[0]) < 0;
    case "lte":
      return compare(actual, values[0]) <= 0;
    case "cont":
      return a.includes(values[0]);
    default:
      return false;
  }
}

/** Whether item satisfies every term of filter. */
export function matchesFilter(item: object, filter: Filter): boolean {
  return filter.every(({ op, path, values }) => {
    const actual = valuesAt(item, path);
    const negated = op === "neq" || op === "nin" || op === "ncont";
    if (actual === undefined) return negated;
    if (!negated) return actual.some(a => matchesOne(a, op, values));
    const positive: FilterOp = op === "neq" ? "eq" : op === "nin" ? "in" : "cont";
    return !actual.some(a => matchesOne(a, positive, values));
  });
}

function pick(item: unknown, paths: string[][]): unknown {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
  const src = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const groups = new Map<string, string[][]>();
  for (const [head, ...rest] of paths) {
    if (!(head in src)) continue;
    const g = groups.get(head) ?? [];
    g.push(rest);
    groups.set(head, g);
  }
  for (const [head, rests] of groups) {
    // "a" and "a/b" together: the whole of a wins.
    if (rests.some(r => r.length === 0)) out[head] = src[head];
    else {
      const v = src[head];
      out[head] = Array.isArray(v) ? v.map(el => pick(el, rests)) : pick(v, rests);
    }
  }
  return out;
}

function omit(item: unknown, paths: string[][]): unknown {
  if (item === null || typeof item !== "object") return item;
  if (Array.isArray(item)) return item.map(el => omit(el, paths));
  const out: Record<string, unknown> = { ...(item as Record<string, unknown>) };
  for (const [head, ...rest] of paths) {
    if (!(head in out)) continue;
    if (rest.length === 0) delete out[head];
    else out[head] = omit(out[head], [rest]);
  }
  return out;
}

/** Filters items, then keeps `fields` (if given) and drops `exclude_fields`. Items are not modified. */
export function applyListQuery(items: object[], q: ListQuery): object[] {
  let out = q.filter ? items.filter(i => matchesFilter(i, q.filter!)) : items;
  if (q.fields) out = out.map(i => pick(i, q.fields!) as object);
  if (q.excludeFields) out = out.map(i => omit(i, q.excludeFields!) as object);
  return out;
}
