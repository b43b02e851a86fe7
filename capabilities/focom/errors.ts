/**
 * What went wrong talking to an O-Cloud, sorted by what FOCOM does about it (pure). Messages are built here from
 * known-safe parts only: never from a kubeconfig or Secret, which reach no log, event or status.
 */
import { KubeError } from "../../kube/client";
import { O2imsError } from "./o2ims-client";

/**
 * - unreachable: network error, timeout, 5xx, 429 — transient; the phase is kept and the request retried.
 * - unauthorized: the O-Cloud refused the credentials (401, or 403 on a read) — fix the Secret or the RBAC.
 * - misconfigured: the OCloud cannot be used as declared (Secret or key missing, invalid kubeconfig).
 * - rejected: the O-Cloud refused the write (admission denial, invalid object, missing namespace).
 */
export type FailureKind = "unreachable" | "unauthorized" | "misconfigured" | "rejected";

export interface RemoteFailure {
  kind: FailureKind;
  /** Condition reason (CamelCase). */
  reason: string;
  message: string;
}

/** A configuration problem of an OCloud, raised with a message that is safe to show. */
export class OCloudConfigError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_MESSAGE = 400;
const short = (s: string) => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s);

export function classifyFailure(e: unknown, ocloud: string, operation: "read" | "write" | "delete"): RemoteFailure {
  if (e instanceof OCloudConfigError) return { kind: "misconfigured", reason: e.reason, message: short(e.message) };
  if (e instanceof O2imsError) return classifyO2imsFailure(e, ocloud, operation);
  if (e instanceof KubeError) {
    const said = short(e.message);
    if (e.status >= 500 || e.status === 429 || e.status === 408) {
      return {
        kind: "unreachable",
        reason: "Unreachable",
        message: `O-Cloud ${ocloud} is unavailable (HTTP ${e.status}): ${said}`,
      };
    }
    if (e.status === 401)
      return {
        kind: "unauthorized",
        reason: "Unauthorized",
        message: `O-Cloud ${ocloud} refused the credentials of its kubeconfig Secret: ${said}`,
      };
    if (e.status === 403 && operation === "read") {
      return {
        kind: "unauthorized",
        reason: "Forbidden",
        message: `O-Cloud ${ocloud} forbids reading ProvisioningRequests: ${said}`,
      };
    }
    return {
      kind: "rejected",
      reason: "Rejected",
      message: `O-Cloud ${ocloud} rejected the ${operation} of the ProvisioningRequest (HTTP ${e.status}): ${said}`,
    };
  }
  // Node's network and TLS errors name the address and the failure, nothing from the credentials.
  const what = e instanceof Error ? e.message : String(e);
  return { kind: "unreachable", reason: "Unreachable", message: `cannot reach O-Cloud ${ocloud}: ${short(what)}` };
}

/**
 * The same sorting for an answer of an O-Cloud's O2 IMS REST API (RFC 7807 problems). Its 401/403 are about the
 * bearer token (TokenReview, then RBAC through SubjectAccessReview on the O-Cloud), except a webhook's own 403
 * denial, which the server passes on naming the webhook; 422/400/409 are the O-Cloud judging the request.
 */
export function classifyO2imsFailure(e: O2imsError, ocloud: string, operation: "read" | "write" | "delete"): RemoteFailure {
  const said = short(e.message);
  if (e.status >= 500 || e.status === 429 || e.status === 408)
    return {
      kind: "unreachable",
      reason: "Unreachable",
      message: `O-Cloud ${ocloud} is unavailable (HTTP ${e.status}): ${said}`,
    };
  if (e.status === 401)
    return {
      kind: "unauthorized",
      reason: "Unauthorized",
      message: `O-Cloud ${ocloud} refused the bearer token of its spec.o2ims.tokenSecretRef Secret (HTTP 401: invalid or expired): ${said}`,
    };
  if (e.status === 403 && !/admission webhook/.test(e.message))
    return {
      kind: "unauthorized",
      reason: "Forbidden",
      message: `O-Cloud ${ocloud} forbids the identity of its spec.o2ims.tokenSecretRef token to ${operation} ProvisioningRequests (HTTP 403; grant it the O-Cloud's RBAC): ${said}`,
    };
  return {
    kind: "rejected",
    reason: "Rejected",
    message: `O-Cloud ${ocloud} rejected the ${operation} of the ProvisioningRequest (HTTP ${e.status}): ${said}`,
  };
}
