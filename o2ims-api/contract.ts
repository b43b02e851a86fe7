/**
 * The contract between the O2 IMS REST server's core (server, authentication, authorization, problem details, query
 * parameters) and its services (provisioning, inventory with subscriptions). A service is an OpenAPI 3 document in
 * o2ims-api/openapi/ plus one Operation per operationId in it; the core routes by the document, validates the request
 * against it, checks the caller (TokenReview) and every Access the operation names (SubjectAccessReview) before it
 * calls handle(), and turns a thrown Problem into an RFC 7807 body.
 */

/** Who called, as the API server's TokenReview reported them. Never holds the token. */
export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ApiRequest {
  method: string;
  /** The path as requested, without the query string. */
  path: string;
  /** The path parameters the document declares, e.g. { provisioningRequestId: "..." }. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (already validated against the document), or undefined. */
  body: unknown;
  caller: Caller;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Kubernetes resource attribute set the caller must be allowed (SubjectAccessReview spec.resourceAttributes). */
export interface Access {
  group: string;
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface Operation {
  /** What the call maps to in Kubernetes; every entry must be allowed, or the answer is 403. */
  access(req: ApiRequest): Access[];
  handle(req: ApiRequest): Promise<ApiResponse>;
}

/** An RFC 7807 problem: thrown by a handler (or the core), answered as application/problem+json. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** Further members of the problem body (e.g. invalidParams). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export interface Service {
  /** Short name for logs and metrics, e.g. "provisioning". */
  name: string;
  /** Absolute path of the service's OpenAPI 3 document (shared with the tests). */
  document: string;
  /** operationId -> implementation; the core refuses to start when the two disagree. */
  operations: Record<string, Operation>;
  /** Background work (informers, notification delivery), started before the server listens. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** What the core hands every service when it builds it (o2ims-api/main.ts). */
export interface ServiceContext {
  /** The server's own client (its ServiceAccount; never the caller's token). */
  client: import("../kube/client").KubeClient;
  /** Namespace of the ProvisioningRequests this server creates and lists (OCP_O2IMS_API_NAMESPACE, default o2ims). */
  namespace: string;
  /** The server's own namespace, where its durable state (subscriptions) lives (default pepr-system). */
  ownNamespace: string;
  log: {
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
  };
}
