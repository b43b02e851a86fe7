/** Capability focom: wiring only. FocomProvisioningRequest -> ProvisioningRequest on a local or remote O-Cloud. */
import { Capability, Log, PeprMutateRequest, PeprValidateRequest } from "pepr";
import { setWatchLogger } from "../../kube/watch-health";
import { FocomProvisioningRequest, OCloud } from "../../api/kinds";
import { startController } from "../runtime";
import { addFinalizer } from "../../kube/finalizer";
import { denialMessage, mutateRequest, validateRequest } from "./admission";
import { admissionView, judgeOnOCloud } from "./admission-view";
import { focomController } from "./controller";
import { ocloudDenialMessage, ocloudViolations } from "./ocloud-admission";
import { countDenials, installMetrics } from "../metrics";

export const Focom = new Capability({
  name: "focom",
  description: "FOCOM: mirrors FocomProvisioningRequests to ProvisioningRequests on their O-Cloud and reports status back",
});

// The module's own list+watch loops (kube/client) log one line when a control-plane outage cuts them and one when
// they are back; they go to Pepr's log with everything else.
setWatchLogger({ warn: m => Log.warn(m), info: m => Log.info(m) });

// Metrics on Pepr's /metrics (capabilities/metrics.ts): requests by state from the controller's informer.
installMetrics({ requests: { FocomProvisioningRequest: async () => (await focomController()).cache.requests } });

const { When } = Focom;

const namespaceOf = (req: PeprMutateRequest<FocomProvisioningRequest> | PeprValidateRequest<FocomProvisioningRequest>) =>
  req.Raw.metadata?.namespace ?? req.Request.namespace ?? "default";

When(FocomProvisioningRequest)
  .IsCreatedOrUpdated()
  .Mutate(async (req: PeprMutateRequest<FocomProvisioningRequest>) => {
    if (req.Raw.metadata?.deletionTimestamp || !req.Raw.spec) return;
    addFinalizer(req.Raw);
    const namespace = namespaceOf(req);
    const oldSpec = (req.OldResource as FocomProvisioningRequest | undefined)?.spec;
    // Assigned whole: conversion removes the alias fields, which a merge cannot.
    req.Raw.spec = mutateRequest({ namespace, spec: req.Raw.spec, oldSpec }, await admissionView(namespace, req.Raw.spec));
  })
  .Validate(async (req: PeprValidateRequest<FocomProvisioningRequest>) => {
    if (req.Raw.metadata?.deletionTimestamp) return req.Approve();
    const namespace = namespaceOf(req);
    const spec = req.Raw.spec ?? {};
    const input = {
      operation: req.Request.operation === "UPDATE" ? ("UPDATE" as const) : ("CREATE" as const),
      namespace,
      name: req.Raw.metadata?.name ?? "",
      spec,
      oldSpec: (req.OldResource as FocomProvisioningRequest | undefined)?.spec,
    };
    const view = await admissionView(namespace, spec);
    const violations = validateRequest(input, view);
    countDenials("FocomProvisioningRequest", violations);
    if (violations.length) return req.Deny(denialMessage(violations), 422);
    if (input.operation === "UPDATE" && JSON.stringify(spec) === JSON.stringify(input.oldSpec)) return req.Approve();
    const judged = await judgeOnOCloud({ ...input, uid: req.Raw.metadata?.uid, generation: req.Raw.metadata?.generation }, view);
    if (judged.denial) countDenials("FocomProvisioningRequest", [{ rule: "ocloud-dry-run" }]);
    return judged.denial ? req.Deny(judged.denial, 422) : req.Approve(judged.warnings.length ? judged.warnings : undefined);
  });

// The controller's informers see every change of every request (see capabilities/o2ims/index.ts on the bindings).
startController("FOCOM", focomController);

// An OCloud may name only a Secret of its own namespace (no confused deputy: capabilities/focom/ocloud-admission.ts).
When(OCloud)
  .IsCreatedOrUpdated()
  .Validate((req: PeprValidateRequest<OCloud>) => {
    const namespace = req.Raw.metadata?.namespace ?? req.Request.namespace ?? "default";
    const violations = ocloudViolations(namespace, req.Raw.spec);
    countDenials("OCloud", violations);
    return violations.length ? req.Deny(ocloudDenialMessage(violations), 422) : req.Approve();
  });
