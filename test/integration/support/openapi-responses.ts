/**
 * Validates REST answers against an OpenAPI 3 document with libraries, never hand-written checks: openapi-backend
 * routes the request to its documented operation (or to none: 404/405), and ajv (+ ajv-formats) validates the body
 * against the response the document declares for that status (or `default`) under the answer's Content-Type, with
 * the declared required headers. openapi-backend's own validateResponse covers application/json only, so the
 * problem+json answers would pass unchecked there. An answer to no operation must be the document's ProblemDetails.
 */
import fs from "node:fs";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import OpenAPIBackend, { type Document } from "openapi-backend";
import { apiRootOf } from "../../../o2ims-api/server";

type Schema = Record<string, unknown>;
interface ResponseObject {
  content?: Record<string, { schema?: Schema }>;
  headers?: Record<string, { required?: boolean }>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export class ResponseValidator {
  private readonly ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  private readonly compiled = new Map<Schema, ValidateFunction>();

  private constructor(
    readonly api: OpenAPIBackend,
    private readonly problemSchema: Schema,
  ) {}

  static async forDocument(file: string): Promise<ResponseValidator> {
    const doc = load(fs.readFileSync(file, "utf8")) as Document;
    const api = new OpenAPIBackend({ definition: doc, apiRoot: apiRootOf(doc), strict: true, validate: false });
    await api.init();
    const problem = (api.definition.components?.schemas as Record<string, Schema> | undefined)?.ProblemDetails;
    if (!problem) throw new Error(`${file} declares no components.schemas.ProblemDetails`);
    return new ResponseValidator(api, problem);
  }

  private check(schema: Schema, body: unknown, where: string): string[] {
    let fn = this.compiled.get(schema);
    if (!fn) this.compiled.set(schema, (fn = this.ajv.compile(schema)));
    return fn(body) ? [] : (fn.errors ?? []).map(e => `${where}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }

  /** Every way the answer departs from the document (empty when it conforms). */
  errors(method: string, path: string, answer: Answer): string[] {
    const type = String(answer.headers["content-type"] ?? "")
      .split(";")[0]
      .trim();
    const op = this.api.router.matchOperation({ method: method.toLowerCase(), path, headers: {} });
    if (!op) {
      if (answer.status < 400) return [`${method} ${path} is not in the document but answered ${answer.status}`];
      if (type !== "application/problem+json") return [`Content-Type ${type} is not application/problem+json`];
      return this.check(this.problemSchema, answer.body, "ProblemDetails");
    }
    const responses = op.responses as Record<string, ResponseObject>;
    const declared = responses[String(answer.status)] ?? responses.default;
    if (!declared) return [`${op.operationId} declares no ${answer.status} response and no default`];
    const errors: string[] = [];
    for (const [name, h] of Object.entries(declared.headers ?? {}))
      if (h.required && answer.headers[name.toLowerCase()] === undefined) errors.push(`required header ${name} is missing`);
    if (!declared.content) return answer.body === undefined ? errors : [...errors, "a body where the document declares none"];
    const media = declared.content[type];
    if (!media) return [...errors, `Content-Type ${type || "(none)"} is not one of ${Object.keys(declared.content).join(", ")}`];
    return media.schema ? [...errors, ...this.check(media.schema, answer.body, `${op.operationId} ${answer.status}`)] : errors;
  }
}
