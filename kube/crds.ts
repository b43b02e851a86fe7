/**
 * Which API resources a cluster does not serve (a CRD not installed, or removed): one discovery read per
 * group/version, so the answer takes one round trip, unlike an informer, whose list of a missing resource fails
 * (404) and is retried forever without ever syncing.
 */
import type { KubeClient } from "./client";
import { isNotFound } from "./client";
import type { Resource } from "./resources";

/** "<plural>.<group>": the name of the CRD that serves a resource. */
export const crdName = (r: Resource) => (r.group ? `${r.plural}.${r.group}` : r.plural);

/** The CRD names of the resources the cluster does not serve (core resources are always served). */
export async function missingCrds(client: KubeClient, resources: readonly Resource[]): Promise<string[]> {
  const byGroupVersion = new Map<string, Resource[]>();
  for (const r of resources) {
    if (!r.group) continue;
    const gv = `${r.group}/${r.version}`;
    byGroupVersion.set(gv, [...(byGroupVersion.get(gv) ?? []), r]);
  }
  const missing: string[] = [];
  await Promise.all(
    [...byGroupVersion].map(async ([gv, rs]) => {
      let served = new Set<string>();
      try {
        const list = await client.request<{ resources?: { name: string }[] }>("GET", `/apis/${gv}`);
        served = new Set((list.resources ?? []).map(x => x.name));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      for (const r of rs) if (!served.has(r.plural)) missing.push(crdName(r));
    }),
  );
  return [...new Set(missing)].sort();
}

/**
 * How often discovery is read: every 5 s while a CRD is missing, the last read failed or a watch is disconnected (a
 * deleted CRD ends its watch), so a fix or a loss shows within seconds; once a minute while all is well. One read per
 * API group version (7 of them) in each of the module's two processes made 2.8 calls a second around the clock at a fixed 5 s.
 */
export const CHECK_FAST_MS = 5000;
export const CHECK_SLOW_MS = 60_000;

/** The check period for what the last check found and the watches' state (pure). */
export function checkPeriodMs(state: { missing: number; failed: boolean; watchesDown: number }): number {
  return state.missing > 0 || state.failed || state.watchesDown > 0 ? CHECK_FAST_MS : CHECK_SLOW_MS;
}
