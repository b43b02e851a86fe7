/**
 * Honest health. Pepr 1.1.4's /healthz answers OK once the server is up, whatever the watches do, and its
 * server is private, so readiness is served here, on OCP_READINESS_PORT (default 3001; the built Deployments'
 * readinessProbe points at it, scripts/build/artifacts.ts): /readyz is 503 while a CRD the module needs is missing
 * or any of its watches is disconnected (kube/watch-health), naming them, and 200 otherwise.
 * A missing CRD is found by discovery (kube/crds), logged once with its name (and once when it is back), and makes
 * the admission that depends on it deny at once naming it, instead of waiting out the webhook timeout on an
 * informer that can never sync.
 */
import http from "node:http";
import { CHECK_FAST_MS, checkPeriodMs, missingCrds } from "../kube/crds";
import { R, Resource } from "../kube/resources";
import { watchStates } from "../kube/watch-health";
import { GENERATED_KINDS } from "../generators/byoh-cluster";
import { errorMessage, localClient, Log, once } from "./runtime";

/** What each capability's admission reads through its informers. */
export const ADMISSION_NEEDS = {
  o2ims: [R.ProvisioningRequest, R.ClusterTemplate, R.ByoHost],
  focom: [R.FocomProvisioningRequest, R.OCloud, R.TemplateInfo],
} as const;
/** Everything the module reads or writes (the controllers' informers and applies). */
const ALL_NEEDS: Resource[] = [...ADMISSION_NEEDS.o2ims, ...ADMISSION_NEEDS.focom, ...GENERATED_KINDS];

let missing: string[] = [];
let checkedAt = 0;
let failed = false;
const logged = new Set<string>();

const periodMs = () =>
  checkPeriodMs({ missing: missing.length, failed, watchesDown: watchStates().filter(w => !w.connected).length });
// Half a tick of slack: a check that took a moment must not push the next one a whole tick later.
const due = () => Date.now() - checkedAt >= periodMs() - CHECK_FAST_MS / 2;

async function check(): Promise<string[]> {
  const started = Date.now();
  const client = await localClient("o-cloud-provisioner/health");
  let now: string[];
  try {
    now = await missingCrds(client, ALL_NEEDS);
    failed = false;
  } catch (e) {
    failed = true;
    throw e;
  }
  for (const crd of now)
    if (!logged.has(crd)) {
      logged.add(crd);
      Log.error(
        `CRD ${crd} is missing on this cluster: the module cannot work without it (install it; readiness fails until then)`,
      );
    }
  for (const crd of [...logged])
    if (!now.includes(crd)) {
      logged.delete(crd);
      Log.info(`CRD ${crd} is served again`);
    }
  missing = now;
  checkedAt = started;
  return now;
}

/** Starts the periodic check and the readiness server, once per process. */
export const startHealth = once(async () => {
  const run = () => check().catch(e => Log.warn(`checking the module's CRDs failed: ${errorMessage(e)}`));
  void run();
  // Ticks at the fast period; reads discovery only when the current period is due.
  setInterval(() => due() && void run(), CHECK_FAST_MS).unref();
  const port = Number(process.env.OCP_READINESS_PORT || 3001);
  const server = http.createServer((req, res) => {
    if (req.url !== "/readyz") {
      res.writeHead(404).end();
      return;
    }
    const down = watchStates().filter(w => !w.connected);
    const reasons = [...missing.map(c => `CRD ${c} missing`), ...down.map(w => `watch of ${w.watch} disconnected`)];
    res.writeHead(reasons.length ? 503 : 200, { "Content-Type": "text/plain" });
    res.end(reasons.length ? `not ready: ${reasons.join("; ")}\n` : "ok\n");
  });
  server.on("error", e => Log.error(`readiness server on port ${port}: ${errorMessage(e)}`));
  server.listen(port);
  server.unref();
});

/**
 * The CRDs among `needs` that are missing, answered within about a second: from the last check when it is
 * recent, else from a fresh discovery read (a failed read counts as nothing missing: admission then proceeds).
 */
export async function missingFor(needs: readonly Resource[]): Promise<string[]> {
  void startHealth();
  let known = missing;
  if (due()) {
    known = await Promise.race([
      check().catch(() => [] as string[]),
      new Promise<string[]>(r => setTimeout(() => r(missing), 800).unref()),
    ]);
  }
  const names = new Set(needs.map(r => `${r.plural}.${r.group}`));
  return known.filter(c => names.has(c));
}

export const missingCrdDenial = (kind: string, crds: string[]) =>
  `${kind} cannot be admitted: CRD ${crds.join(", ")} ${crds.length > 1 ? "are" : "is"} missing on this cluster ` +
  `(the module's admission reads them); install ${crds.length > 1 ? "them" : "it"} and retry`;
