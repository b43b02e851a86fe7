/**
 * The O2 IMS provisioning service: /o2ims-infrastructureProvisioning/v1/provisioningRequests on ProvisioningRequest
 * CRs in the served namespace, through the Kubernetes API server (so admission judges every write). Reads go to the
 * API server each time rather than to a cache, so a client reads its own writes.
 */
import path from "node:path";
import { isConflict, KubeError } from "../../kube/client";
import { O2IMS_GROUP, R } from "../../kube/resources";
import type { Access, ApiRequest, Operation, Service, ServiceContext } from "../contract";
import { fromKubeError, problem } from "../problem";
import { applyListQuery, parseListQuery } from "../query";
import { PrObject, ProvisioningRequestData, toInfo, toObject, toSpec } from "./mapper";

export const PROVISIONING_ROOT = "/o2ims-infrastructureProvisioning/v1";
export const PROVISIONING_DOCUMENT = path.join(__dirname, "../openapi/provisioning.yaml");

/** How often a PUT re-reads and retries when a status write moved the resourceVersion meanwhile. */
const PUT_ATTEMPTS = 5;

/**
 * The dryRun=All extension (openapi/provisioning.yaml): the write is judged by the API server and its webhooks and
 * answered as usual, nothing stored. The document admits only "All", so anything else was refused already.
 */
const isDryRun = (req: ApiRequest) => req.query.get("dryRun") === "All";

export function createProvisioningService(ctx: ServiceContext): Service {
  const { client, namespace } = ctx;
  const res = R.ProvisioningRequest;
  const access =
    (verb: string, named: boolean) =>
    (req: ApiRequest): Access[] => [
      {
        group: O2IMS_GROUP,
        resource: res.plural,
        verb,
        namespace,
        ...(named ? { name: req.params.provisioningRequestId } : {}),
      },
    ];
  const location = (id: string) => `${PROVISIONING_ROOT}/provisioningRequests/${encodeURIComponent(id)}`;
  const what = (id: string) => `ProvisioningRequest ${id}`;
  const exists = (id: string) => client.find(res, id, namespace).then(Boolean, () => false);

  const list: Operation = {
    access: access("list", false),
    async handle(req) {
      const query = parseListQuery(req.query);
      let items: PrObject[];
      try {
        items = await client.list<PrObject>(res, { namespace });
      } catch (e) {
        throw fromKubeError(e, `ProvisioningRequests in ${namespace}`);
      }
      return { status: 200, body: applyListQuery(items.map(toInfo), query) };
    },
  };

  const create: Operation = {
    access: access("create", false),
    async handle(req) {
      const data = req.body as ProvisioningRequestData;
      try {
        const created = await client.create<PrObject>(res, toObject(data, namespace), { dryRun: isDryRun(req) });
        return {
          status: 201,
          headers: { Location: location(created.metadata.name) },
          body: toInfo(created),
        };
      } catch (e) {
        // Admission runs before the store's AlreadyExists: an existing id is first judged by the webhooks (which
        // would refuse its hosts as pinned by itself), so a refused create of an id that exists is the spec's 409.
        if (e instanceof KubeError && e.status !== 409 && e.status < 500 && (await exists(data.provisioningRequestId)))
          throw problem(409, `${what(data.provisioningRequestId)} already exists`);
        throw fromKubeError(e, what(data.provisioningRequestId));
      }
    },
  };

  const get: Operation = {
    access: access("get", true),
    async handle(req) {
      const id = req.params.provisioningRequestId;
      try {
        return { status: 200, body: toInfo(await client.get<PrObject>(res, id, namespace)) };
      } catch (e) {
        throw fromKubeError(e, what(id));
      }
    },
  };

  const update: Operation = {
    access: access("update", true),
    async handle(req) {
      const id = req.params.provisioningRequestId;
      const data = req.body as ProvisioningRequestData;
      if (data.provisioningRequestId !== id)
        throw problem(
          422,
          `provisioningRequestId "${data.provisioningRequestId}" differs from the path's "${id}"; the id cannot change`,
          {
            invalidParams: [{ param: "provisioningRequestId", in: "body", reason: `must be "${id}" (the id cannot change)` }],
          },
        );
      // A replace of the whole spec: re-read and retry when only the resourceVersion moved (a status write).
      for (let attempt = 1; ; attempt++) {
        try {
          const current = await client.get<PrObject>(res, id, namespace);
          const next: PrObject = { ...current, spec: toSpec(data) };
          delete next.status;
          const query = isDryRun(req) ? "?dryRun=All" : "";
          const updated = await client.request<PrObject>("PUT", client.path(res, namespace, id) + query, next);
          return { status: 200, body: toInfo(updated) };
        } catch (e) {
          if (isConflict(e) && attempt < PUT_ATTEMPTS) continue;
          throw fromKubeError(e, what(id));
        }
      }
    },
  };

  const remove: Operation = {
    access: access("delete", true),
    async handle(req) {
      const id = req.params.provisioningRequestId;
      let existed: boolean;
      try {
        existed = await client.delete(res, id, namespace);
      } catch (e) {
        throw fromKubeError(e, what(id));
      }
      if (!existed) throw problem(404, `${what(id)} not found`);
      return { status: 202, headers: { Location: location(id) } };
    },
  };

  return {
    name: "provisioning",
    document: PROVISIONING_DOCUMENT,
    operations: {
      listProvisioningRequests: list,
      createProvisioningRequest: create,
      getProvisioningRequest: get,
      updateProvisioningRequest: update,
      deleteProvisioningRequest: remove,
    },
  };
}
