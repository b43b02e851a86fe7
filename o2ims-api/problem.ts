/**
 * RFC 7807 problem details: how every error of the REST server is answered, and how an answer of the Kubernetes API
 * server (a webhook denial, a conflict, a missing object, an outage) becomes one.
 */
import { STATUS_CODES } from "node:http";
import { KubeError } from "../kube/client";
import { Problem } from "./contract";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  [member: string]: unknown;
}

export const titleOf = (status: number) => STATUS_CODES[status] ?? "Error";

/** A Problem with the standard title for its status. */
export const problem = (status: number, detail: string, extra: Record<string, unknown> = {}) =>
  new Problem(status, titleOf(status), detail, extra);

/**
 * The body of a problem. `type` is "about:blank" (RFC 7807 §4.2: the title is the HTTP status phrase); `instance` is
 * the request's path, which identifies the occurrence well enough for a client to report it.
 */
export function problemBody(p: Problem, instance: string): ProblemBody {
  return { ...p.extra, type: "about:blank", title: p.title, status: p.status, detail: p.detail, instance };
}

/** The API server's field paths in a denial ("spec.templateParameters.hosts: ...") as the REST body's fields. */
const FIELD = /(?:^|; |: )((?:spec|metadata)\.[A-Za-z0-9_.[\]-]+): /g;

/**
 * Splits a webhook denial into invalidParams entries naming the REST body's fields (spec.X -> X; the REST body is the
 * CR's spec, and the id is metadata.name), so a client sees which of its fields broke which rule.
 */
export function invalidParamsOf(message: string): { param: string; reason: string }[] {
  const hits = [...message.matchAll(FIELD)];
  return hits.map((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < hits.length ? hits[i + 1].index! : message.length;
    const field = m[1];
    const param = field === "metadata.name" ? "provisioningRequestId" : field.replace(/^(spec|metadata)\./, "");
    return { param, reason: message.slice(start, end).replace(/;\s*$/, "").trim() };
  });
}

/**
 * What the client is told when a call to the API server failed. `what` names the object ("ProvisioningRequest x").
 * The API server's message is passed on for the statuses that are the client's business (its request was judged);
 * an outage or the server's own missing permission is the operator's business and is said as such.
 */
export function fromKubeError(e: unknown, what: string): Problem {
  if (e instanceof Problem) return e;
  if (!(e instanceof KubeError)) return problem(503, `the Kubernetes API server could not be reached for ${what}`);
  switch (e.status) {
    case 400:
    case 422: {
      // 422: a webhook denial (our admission answers 422 with field-named reasons) or the CRD schema's Invalid.
      const invalidParams = invalidParamsOf(e.message);
      return problem(e.status === 400 ? 400 : 422, e.message, invalidParams.length ? { invalidParams } : {});
    }
    case 404:
      return problem(404, `${what} not found`);
    case 409:
      return problem(409, e.reason === "AlreadyExists" ? `${what} already exists` : `${what}: ${e.message}`);
    case 403:
      // A webhook may deny with 403 (its default code); the server's own RBAC refusal says "cannot".
      if (/admission webhook/.test(e.message)) return problem(403, e.message);
      return problem(500, `the O2 IMS server's ServiceAccount may not do this (${what}); see its RBAC`);
    case 429:
      return problem(503, `the Kubernetes API server is overloaded (${what}); retry later`);
    default:
      if (e.status >= 500 || e.status === 0) return problem(503, `the Kubernetes API server failed for ${what}`);
      return problem(502, `unexpected answer ${e.status} from the Kubernetes API server for ${what}`);
  }
}
