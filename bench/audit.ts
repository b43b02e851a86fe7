/**
 * API calls per client and verb in a time window, from the bench plane's audit log (every request at Metadata
 * level, no bodies; bench/profile.ts auditArgs). The log is read once after the run, not while it is written: the
 * API server's batch backend flushes it late.
 */
import fs from "node:fs";
import readline from "node:readline";
import { round } from "./util";

/** Who made a call, by the API server's user name (each process of the bench has its own: bench/run.ts). */
export function clientOf(username: string): string {
  if (username === "system:serviceaccount:pepr-system:pepr-o-cloud-provisioner") return "module";
  if (username === "capi-simulator") return "simulator";
  if (username === "bench") return "bench";
  if (username === "system:kube-controller-manager" || username.startsWith("system:serviceaccount:kube-system:"))
    return "kube-controller-manager";
  if (username === "system:apiserver") return "kube-apiserver";
  return username;
}

/** "get", "list", "watch", "create", "apply" (server-side apply), "patch status", "delete", …, with "(dry-run)". */
export function verbOf(verb: string, requestURI: string, subresource: string | undefined): string {
  const q = requestURI.slice(requestURI.indexOf("?") + 1);
  const isApply = verb === "patch" && /(^|&)fieldManager=/.test(q) && !subresource && /(^|&)force=/.test(q);
  const base = isApply ? "apply" : subresource ? `${verb} ${subresource}` : verb;
  return /(^|&)dryRun=/.test(q) ? `${base} (dry-run)` : base;
}

export interface ClientCalls {
  /** Every call but watches (a watch is one long request; its events are not calls). */
  total: number;
  perRequest: number;
  byVerb: Record<string, number>;
  /** By User-Agent (the module's KubeClient sends its field manager; Pepr's client its own). */
  byAgent: Record<string, number>;
  /** "<verb> <resource>" with counts, the largest first (top 12). */
  top: { call: string; count: number }[];
}

export interface ApiCalls {
  window: { from: string; to: string };
  byClient: Record<string, ClientCalls>;
}

export interface AuditWindowSpec {
  label: string;
  from: string;
  to: string;
  /** Requests the window served (per-request figures); 0 = no per-request figures. */
  requests: number;
}

interface AuditLine {
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp: string;
}

/** Reads the log once and counts each window's calls (windows may overlap; a call counts in each it falls in). */
export async function countApiCalls(file: string, windows: AuditWindowSpec[]): Promise<Map<string, ApiCalls>> {
  const counts = new Map(windows.map(w => [w.label, new Map<string, Map<string, number>>()]));
  const agents = new Map(windows.map(w => [w.label, new Map<string, Record<string, number>>()]));
  if (fs.existsSync(file)) {
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const e = JSON.parse(line) as AuditLine;
      if (e.stage !== "ResponseComplete" || e.verb === "watch") continue;
      // Audit timestamps carry microseconds ("…12.345678Z"); ISO strings of one format compare as text.
      const at = new Date(e.requestReceivedTimestamp).toISOString();
      for (const w of windows) {
        if (at < w.from || at >= w.to) continue;
        const byCall = counts.get(w.label)!;
        const client = clientOf(e.user.username);
        if (!byCall.has(client)) byCall.set(client, new Map());
        const call = `${verbOf(e.verb, e.requestURI, e.objectRef?.subresource)} ${e.objectRef?.resource ?? e.requestURI.split("?")[0]}`;
        const m = byCall.get(client)!;
        m.set(call, (m.get(call) ?? 0) + 1);
        const byAgent = agents.get(w.label)!;
        if (!byAgent.has(client)) byAgent.set(client, {});
        const agent = (e.userAgent ?? "(none)").split(" ")[0];
        byAgent.get(client)![agent] = (byAgent.get(client)![agent] ?? 0) + 1;
      }
    }
  }
  const out = new Map<string, ApiCalls>();
  for (const w of windows) {
    const byClient: Record<string, ClientCalls> = {};
    for (const [client, calls] of counts.get(w.label)!) {
      const byVerb: Record<string, number> = {};
      let total = 0;
      for (const [call, n] of calls) {
        const verb = call.slice(0, call.lastIndexOf(" "));
        byVerb[verb] = (byVerb[verb] ?? 0) + n;
        total += n;
      }
      byClient[client] = {
        total,
        perRequest: w.requests ? round(total / w.requests, 1) : NaN,
        byVerb: Object.fromEntries(Object.entries(byVerb).sort((a, b) => b[1] - a[1])),
        byAgent: agents.get(w.label)!.get(client) ?? {},
        top: [...calls]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([call, count]) => ({ call, count })),
      };
    }
    out.set(w.label, { window: { from: w.from, to: w.to }, byClient });
  }
  return out;
}
