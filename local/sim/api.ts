/**
 * The simulator's writes. KubeClient's create/mergePatch send no fieldManager, so the API server would record
 * them under the client's user agent; these go through KubeClient.request with `?fieldManager=capi-simulator`
 * so managedFields show which fields "CAPI/BYOH" owns, as on a real management cluster.
 */
import { KubeClient, KubeError, KubeObject } from "../../kube/client";
import { Resource } from "../../kube/resources";
import { apiVersionOf } from "../../kube/resources";

export const isAlreadyExists = (e: unknown) => e instanceof KubeError && e.status === 409 && e.reason === "AlreadyExists";

export class SimApi {
  constructor(
    readonly client: KubeClient,
    readonly fieldManager: string,
  ) {}

  private query(): string {
    return `?fieldManager=${encodeURIComponent(this.fieldManager)}`;
  }

  create<T extends KubeObject>(res: Resource, obj: T): Promise<T> {
    const body = { ...obj, apiVersion: apiVersionOf(res), kind: res.kind };
    return this.client.request<T>("POST", this.client.path(res, obj.metadata.namespace) + this.query(), body);
  }

  /** Create, or undefined when an object of that name already exists (an earlier run made it). */
  async createIfAbsent<T extends KubeObject>(res: Resource, obj: T): Promise<T | undefined> {
    try {
      return await this.create(res, obj);
    } catch (e) {
      if (isAlreadyExists(e)) return undefined;
      throw e;
    }
  }

  /** JSON merge patch; sub "status" for the status subresource. */
  patch<T extends KubeObject>(res: Resource, obj: KubeObject, body: unknown, sub?: string): Promise<T> {
    const path = this.client.path(res, obj.metadata.namespace, obj.metadata.name, sub) + this.query();
    return this.client.request<T>("PATCH", path, body, "application/merge-patch+json");
  }

  get<T extends KubeObject>(res: Resource, namespace: string | undefined, name: string): Promise<T | undefined> {
    return this.client.find<T>(res, name, namespace);
  }

  /** DELETE (background propagation); false when already gone. */
  delete(res: Resource, namespace: string | undefined, name: string): Promise<boolean> {
    return this.client.delete(res, name, namespace);
  }
}
