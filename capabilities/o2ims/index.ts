/** Capability o2ims: wiring only. ProvisioningRequest -> pinned Cluster API + BYOH cluster. */
import { Capability, Log, PeprMutateRequest, PeprValidateRequest } from "pepr";
import { setWatchLogger } from "../../kube/watch-health";
import { ClusterTemplate, ProvisioningRequest } from "../../api/kinds";
import { denialMessage, defaultRequest, validateRequest } from "./admission";
import { admissionView } from "./admission-view";
import { o2imsController } from "./controller";
import { countDenials, installMetrics } from "../metrics";
import { ADMISSION_NEEDS, missingCrdDenial, missingFor, startHealth } from "../health";
import { startController } from "../runtime";
import { addFinalizer } from "../../kube/finalizer";

export const O2ims = new Capability({
  name: "o2ims",
  description: "O2 IMS: reconciles ProvisioningRequests into Cluster API + BYOH clusters pinned to registered hosts",
});

// The module's own list+watch loops (kube/client) log one line when a control-plane outage cuts them and one when
// they are back; they go to Pepr's log with everything else.
setWatchLogger({ warn: m => Log.warn(m), info: m => Log.info(m) });

// Metrics on Pepr's /metrics (capabilities/metrics.ts): requests by state from the controller's informer.
installMetrics({ requests: { ProvisioningRequest: async () => (await o2imsController()).cache.requests } });

// Readiness and the CRD check (capabilities/health.ts); not while `pepr build` loads the module for its bindings.
if (process.env.PEPR_MODE !== "build") void startHealth();

const { When } = O2ims;

When(ProvisioningRequest)
  .IsCreatedOrUpdated()
  .Mutate(async (req: PeprMutateRequest<ProvisioningRequest>) => {
    if (req.Raw.metadata?.deletionTimestamp || !req.Raw.spec) return;
    addFinalizer(req.Raw);
    // Without a CRD the admission view never syncs: leave the request to Validate, which denies naming the CRD.
    if ((await missingFor(ADMISSION_NEEDS.o2ims)).length) return;
    const defaulted = defaultRequest(req.Raw.spec, await admissionView());
    if (defaulted) req.Merge({ spec: defaulted });
  })
  .Validate(async (req: PeprValidateRequest<ProvisioningRequest>) => {
    if (req.Raw.metadata?.deletionTimestamp) return req.Approve();
    const missing = await missingFor(ADMISSION_NEEDS.o2ims);
    if (missing.length) {
      countDenials("ProvisioningRequest", [{ rule: "crd-missing" }]);
      return req.Deny(missingCrdDenial("ProvisioningRequest", missing), 503);
    }
    const violations = validateRequest(
      {
        operation: req.Request.operation === "UPDATE" ? "UPDATE" : "CREATE",
        namespace: req.Raw.metadata?.namespace ?? req.Request.namespace ?? "default",
        name: req.Raw.metadata?.name ?? "",
        spec: req.Raw.spec!,
        oldSpec: (req.OldResource as ProvisioningRequest | undefined)?.spec,
      },
      await admissionView(),
    );
    countDenials("ProvisioningRequest", violations);
    return violations.length ? req.Deny(denialMessage(violations), 422) : req.Approve();
  });

// The controller's informers see every change of every request (deletion included: it releases the finalizer the
// Mutate above adds once the cluster is gone). Pepr's Reconcile/Finalize bindings would each keep another full
// list+watch cache of every request; what Pepr must still have is one watch binding, or `pepr build` generates no
// watcher Deployment: ClusterTemplates, a handful of objects the controller watches anyway.
When(ClusterTemplate)
  .IsCreatedOrUpdated()
  .Watch(() => undefined);
startController("O2IMS", o2imsController);
