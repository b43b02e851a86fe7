/**
 * What a failed write of a generated object means for the request (pure). A refusal by the API server (an admission
 * webhook of Cluster API or BYOH denying the object, an invalid object) will be refused again until the spec or the
 * environment changes: the request is failed, with the object and the server's words. A conflict, throttling, a
 * server error or a network failure passes: the state stays, a condition says the last error. Both are retried with
 * the work queue's backoff, because an environment change (a webhook fixed, a host freed) sends us no event.
 */
import { PR_REASONS } from "../../api/vocabulary";
import { KubeError, KubeObject } from "../../kube/client";

export type WriteOperation = "apply" | "delete";

/** A failed write of one generated object, naming it. */
export class ObjectWriteError extends Error {
  constructor(
    readonly operation: WriteOperation,
    readonly object: { kind: string; name: string; namespace?: string },
    override readonly cause: unknown,
  ) {
    super(`${operation} of ${describe(object)} failed: ${causeMessage(cause)}`);
  }
}

export interface WriteFailure {
  /** Permanent: refused until the spec or the environment changes; transient: expected to pass on a retry. */
  permanent: boolean;
  reason: typeof PR_REASONS.ApplyRejected | typeof PR_REASONS.ApplyFailed;
  /** Names the operation, the object and the server's message, e.g. for the Applied condition and the Event. */
  message: string;
  /** HTTP status of the answer, if the server answered. */
  status?: number;
}

/** HTTP statuses that say "try again": the object may be fine, the moment was not. */
const TRANSIENT_STATUSES = new Set([408, 409, 429]);

export function classifyWriteFailure(e: unknown): WriteFailure {
  const op = e instanceof ObjectWriteError ? e.operation : "apply";
  const what = e instanceof ObjectWriteError ? describe(e.object) : "the generated objects";
  const cause = e instanceof ObjectWriteError ? e.cause : e;
  const detail = causeMessage(cause);
  if (cause instanceof KubeError) {
    const status = cause.status;
    // 400 Bad Request, 403 from an admission webhook (or RBAC), 404 (a kind or namespace missing), 422 Invalid: the
    // same write gets the same answer until something changes.
    if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status)) {
      return {
        permanent: true,
        reason: PR_REASONS.ApplyRejected,
        message: `${op} of ${what} was refused (HTTP ${status}): ${detail}`,
        status,
      };
    }
    return {
      permanent: false,
      reason: PR_REASONS.ApplyFailed,
      message: `${op} of ${what} failed (HTTP ${status}), retrying: ${detail}`,
      status,
    };
  }
  // No answer from the server (connection refused or reset, timeout): transient.
  return { permanent: false, reason: PR_REASONS.ApplyFailed, message: `${op} of ${what} failed, retrying: ${detail}` };
}

/** Runs a write of obj, turning its failure into an ObjectWriteError that names obj. */
export async function writing<T>(operation: WriteOperation, obj: KubeObject, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    throw new ObjectWriteError(
      operation,
      { kind: obj.kind ?? "object", name: obj.metadata.name, namespace: obj.metadata.namespace },
      e,
    );
  }
}

function describe(o: { kind: string; name: string; namespace?: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

const causeMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
