/**
 * The module's process-wide settings that need no Pepr: the namespaces the module leaves alone, where host claims
 * live, and the one test fault. Kept apart from runtime.ts (which loads pepr, which jest cannot) so the reconcilers
 * that read them stay unit-testable; runtime.ts re-exports them.
 */
import fs from "node:fs";
import cfg from "../package.json";
import { DEFAULT_CLAIMS_NAMESPACE } from "../api/vocabulary";

// ---- tunables read from the environment ---------------------------------------------------------------------

/** Every OCP_* tunable of the module, read once: one place lists them, their defaults and their units. */
export interface ModuleSettings {
  /** Period of the full re-apply of every request (OCP_RESYNC_SECONDS). */
  resyncSeconds: number;
  /** Requests reconciled at once per controller (OCP_RECONCILE_CONCURRENCY): they wait on API round trips, not CPU. */
  reconcileConcurrency: number;
  /** After this long a Cluster still being deleted is reported as stalled (OCP_DELETION_STALL_SECONDS). */
  deletionStallSeconds: number;
  /** How long an O-Cloud may stay unreachable before FOCOM releases a deleted request (OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS). */
  focomUnreachableReleaseSeconds: number;
  /** Time FOCOM admission gives the O-Cloud's dry run before it admits without it (OCP_FOCOM_ADMISSION_BUDGET_MS). */
  focomAdmissionBudgetMs: number;
  /** How often FOCOM polls an O2 IMS REST O-Cloud for a request's state (OCP_FOCOM_REST_POLL_SECONDS). */
  focomRestPollSeconds: number;
}

const DEFAULT_SETTINGS: ModuleSettings = {
  resyncSeconds: 300,
  reconcileConcurrency: 32,
  deletionStallSeconds: 600,
  focomUnreachableReleaseSeconds: 600,
  focomAdmissionBudgetMs: 2000,
  focomRestPollSeconds: 2,
};

const ENV_NAMES: Record<keyof ModuleSettings, string> = {
  resyncSeconds: "OCP_RESYNC_SECONDS",
  reconcileConcurrency: "OCP_RECONCILE_CONCURRENCY",
  deletionStallSeconds: "OCP_DELETION_STALL_SECONDS",
  focomUnreachableReleaseSeconds: "OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS",
  focomAdmissionBudgetMs: "OCP_FOCOM_ADMISSION_BUDGET_MS",
  focomRestPollSeconds: "OCP_FOCOM_REST_POLL_SECONDS",
};

/** The settings an environment gives; a value that is not a positive number fails naming its variable. */
export function readSettings(env: Record<string, string | undefined>): ModuleSettings {
  const out = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(ENV_NAMES) as (keyof ModuleSettings)[]) {
    const text = env[ENV_NAMES[key]];
    if (text === undefined || text === "") continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${ENV_NAMES[key]}="${text}" must be a positive number`);
    out[key] = value;
  }
  return out;
}

export const settings: ModuleSettings = readSettings(process.env);

// ---- namespaces the module leaves alone ---------------------------------------------------------------------

/** What Pepr 1.1.4 always puts in its webhooks' namespaceSelector (pepr/src/lib/assets/webhooks.ts peprIgnoreNamespaces). */
export const PEPR_IGNORED_NAMESPACES = ["kube-system", "pepr-system"] as const;

interface IgnoreConfig {
  alwaysIgnore?: { namespaces?: string[] };
  admission?: { alwaysIgnore?: { namespaces?: string[] } };
}

/**
 * The namespaces whose requests the admission webhooks never see, computed as Pepr 1.1.4 computes them: its fixed
 * pair, then package.json's pepr.alwaysIgnore.namespaces if non-empty (it overrides, never merges), else
 * pepr.admission.alwaysIgnore.namespaces, plus the comma-separated PEPR_ADDITIONAL_IGNORED_NAMESPACES
 * (pepr/src/lib/assets/ignoredNamespaces.ts getIgnoreNamespaces: the webhook selector and the in-process filter of the
 * validate processor both use it). Pepr's own watcher ignores only the alwaysIgnore/watch lists, not this pair, so a
 * request in kube-system would be reconciled unchecked: the controllers skip exactly this set instead, so what
 * admission never checked is never acted on.
 */
export function admissionIgnoredNamespaces(config: IgnoreConfig, env: string | undefined): Set<string> {
  const fromConfig = config.alwaysIgnore?.namespaces?.length
    ? config.alwaysIgnore.namespaces
    : (config.admission?.alwaysIgnore?.namespaces ?? []);
  const fromEnv = (env ?? "").split(",").map(ns => ns.trim());
  return new Set([...PEPR_IGNORED_NAMESPACES, ...fromConfig, ...fromEnv].filter(ns => ns.length > 0));
}

const ignored = admissionIgnoredNamespaces(cfg.pepr as IgnoreConfig, process.env.PEPR_ADDITIONAL_IGNORED_NAMESPACES);

/**
 * OCP_OCLOUD_NAMESPACES (comma-separated; chart: admission.env): when set, the only namespaces a
 * FocomProvisioningRequest may target on its O-Cloud (spec.oCloudNamespace); unset, any namespace the module serves.
 * The ignored namespaces (kube-system, the module's own) are never allowed either way.
 */
export function isAllowedOCloudNamespace(namespace: string, env = process.env.OCP_OCLOUD_NAMESPACES): boolean {
  const allowed = (env ?? "")
    .split(",")
    .map(ns => ns.trim())
    .filter(Boolean);
  return allowed.length === 0 || allowed.includes(namespace);
}

/** Whether the module leaves requests in this namespace alone (no admission, so no reconcile either). */
export const isIgnoredNamespace = (namespace: string | undefined) => !!namespace && ignored.has(namespace);

// ---- host claims --------------------------------------------------------------------------------------------

/** Where host claims live on this cluster (the O-Cloud): OCP_CLAIMS_NAMESPACE, else the module's namespace. */
export const claimsNamespace = () => process.env.OCP_CLAIMS_NAMESPACE || DEFAULT_CLAIMS_NAMESPACE;

/**
 * Test fault, off unless OCP_TEST_FAULT_EXIT_AFTER_CLAIM names a file: if that file exists, it is removed and the
 * process exits right after a request has claimed its hosts and before anything is applied, as a crash there would.
 * The file makes it fire once, so the restarted process runs normally.
 */
export function testFaultExitAfterClaim(): void {
  const marker = process.env.OCP_TEST_FAULT_EXIT_AFTER_CLAIM;
  if (!marker) return;
  try {
    fs.unlinkSync(marker);
  } catch {
    return;
  }
  process.stderr.write("test fault OCP_TEST_FAULT_EXIT_AFTER_CLAIM: exiting after a claim, before the apply\n");
  process.exit(70);
}
