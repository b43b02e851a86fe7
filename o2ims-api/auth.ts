/**
 * Who is calling (TokenReview) and whether they may (SubjectAccessReview), asked of the Kubernetes API server with
 * the server's own identity, so the cluster's authenticators and RBAC on the CRs decide, as they do for kubectl.
 * Tokens are never logged nor kept: the positive-result cache is keyed by a SHA-256 of the token.
 */
import { createHash } from "node:crypto";
import type { KubeClient } from "../kube/client";
import type { Access, Caller } from "./contract";
import { fromKubeError, problem } from "./problem";

interface TokenReview {
  status?: {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  };
}

interface SubjectAccessReview {
  status?: { allowed?: boolean; denied?: boolean; reason?: string };
}

/** At most this many cached identities; the oldest goes first (a map keeps insertion order). */
const CACHE_MAX = 1000;

export class Authenticator {
  private readonly cache = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly cacheMs: number,
  ) {}

  /** The caller of an Authorization header value; a 401 Problem when there is none or the API server refuses it. */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) throw problem(401, "an Authorization: Bearer <token> header is required");
    const token = m[1];
    const key = createHash("sha256").update(token).digest("hex");
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.caller;
    if (hit) this.cache.delete(key);
    let review: TokenReview;
    try {
      review = await this.client.request<TokenReview>("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      });
    } catch (e) {
      throw fromKubeError(e, "TokenReview");
    }
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username)
      throw problem(401, "the bearer token was not accepted by the Kubernetes API server");
    const caller: Caller = { username: user.username, uid: user.uid, groups: user.groups ?? [], extra: user.extra };
    if (this.cacheMs > 0) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { caller, until: Date.now() + this.cacheMs });
    }
    return caller;
  }
}

/** Throws a 403 Problem naming verb and resource unless the caller is allowed every access. */
export async function authorize(client: KubeClient, caller: Caller, accesses: Access[]): Promise<void> {
  // All at once: each review is one round trip and they are independent.
  await Promise.all(
    accesses.map(async access => {
      let review: SubjectAccessReview;
      try {
        review = await client.request<SubjectAccessReview>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: {
            user: caller.username,
            uid: caller.uid,
            groups: caller.groups,
            extra: caller.extra,
            resourceAttributes: access,
          },
        });
      } catch (e) {
        throw fromKubeError(e, "SubjectAccessReview");
      }
      if (review.status?.allowed) return;
      const resource = `${access.resource}${access.subresource ? `/${access.subresource}` : ""}${access.group ? `.${access.group}` : ""}`;
      const where = access.namespace ? ` in namespace ${access.namespace}` : "";
      const name = access.name ? ` "${access.name}"` : "";
      throw problem(403, `${caller.username} may not ${access.verb} ${resource}${name}${where}`, {
        forbidden: { verb: access.verb, group: access.group, resource: access.resource, namespace: access.namespace },
      });
    }),
  );
}
