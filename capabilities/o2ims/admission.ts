/**
 * Admission of ProvisioningRequests: defaulting from the ClusterTemplate and every rule that can be checked before
 * anything is created (parameters, template, live ByoHosts, other requests, update rules).
 */
import { applyDefaults, formatViolations, Violation } from "../../generators/parameters";
import type { ProvisioningRequestSpec } from "../../api/generated/types";
import type { KubeObject } from "../../kube/types";
import { hostPinningLabel } from "../../generators/names";
import {
  checkProvisioningRequest,
  defaultProvisioningRequest,
  provisioningRequestNameViolations,
} from "../../generators/templates";
import { checkHosts, hostsOf } from "./hosts";
import type { PRObject, TemplateObject } from "./cache";

/** What admission reads from the cluster (informer-backed in the module, literal in unit tests). */
export interface AdmissionView {
  /** Every ClusterTemplate; generators/templates resolves the request's among them. */
  templates(): TemplateObject[];
  /** ByoHosts of that name, in any namespace. */
  byoHostsNamed(name: string): KubeObject[];
  /** Requests pinning a host of that name or hostId. */
  requestsPinning(hostName: string, hostId: string): PRObject[];
  /** Requests in the namespace asking for that cluster name. */
  requestsForCluster(namespace: string, clusterName: string): PRObject[];
  /**
   * The request holding the claim on the host the pinning label and value select, if it is live (exists with the
   * claim's uid, not being deleted): the claim the reconciler takes before it creates anything. Absent where no
   * claims can be known (render, unit tests).
   */
  claimHolder?(pinningLabel: string, hostId: string): PRObject | undefined;
}

export interface RequestInput {
  operation: "CREATE" | "UPDATE";
  namespace: string;
  name: string;
  spec: ProvisioningRequestSpec;
  oldSpec?: ProvisioningRequestSpec;
}

/** The spec after defaulting (template version, template parameter defaults); undefined when nothing applies. */
export function defaultRequest(spec: ProvisioningRequestSpec, view: AdmissionView): ProvisioningRequestSpec | undefined {
  return defaultProvisioningRequest(spec, view.templates());
}

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The template-only rules (generators/templates, shared with render), then the live ones: the cluster name is not
 * requested twice, and every host is registered, labelled, free and not pinned by another request.
 */
export function validateRequest(input: RequestInput, view: AdmissionView): Violation[] {
  const { spec, oldSpec } = input;
  if (input.operation === "UPDATE" && oldSpec && sameJSON(spec, oldSpec)) return [];
  const named = input.operation === "CREATE" ? provisioningRequestNameViolations(input.name) : [];
  const checked = checkProvisioningRequest({ ...input, templates: view.templates() });
  if (checked.violations.length > 0 || !checked.template || !checked.params) return [...named, ...checked.violations];
  const template = checked.template.spec;
  const params = checked.params;
  const violations: Violation[] = [...named];

  const isOther = (r: PRObject) =>
    !(r.metadata.namespace === input.namespace && r.metadata.name === input.name) && !r.metadata.deletionTimestamp;
  if (input.operation === "CREATE") {
    const clash = view.requestsForCluster(input.namespace, params.clusterName).find(isOther);
    if (clash) {
      violations.push({
        field: "spec.templateParameters.clusterName",
        rule: "cluster-name-unique",
        message: `cluster "${params.clusterName}" is already requested in namespace ${input.namespace} by ProvisioningRequest ${clash.metadata.name}`,
      });
    }
  }
  const previousHostNames = oldSpec
    ? new Set(hostsOf(applyDefaults(oldSpec.templateParameters ?? {}, template)).map(h => h.host.hostName))
    : undefined;
  const pinningLabel = hostPinningLabel(template);
  violations.push(
    ...checkHosts(params, {
      namespace: input.namespace,
      pinningLabel,
      byoHostsNamed: name => view.byoHostsNamed(name),
      pinnedBy: (hostName, hostId) =>
        view
          .requestsPinning(hostName, hostId)
          .filter(isOther)
          .map(r => ({ namespace: r.metadata.namespace!, name: r.metadata.name })),
      claimedBy: hostId => {
        const holder = view.claimHolder?.(pinningLabel, hostId);
        return holder && isOther(holder) ? { namespace: holder.metadata.namespace!, name: holder.metadata.name } : undefined;
      },
      previousHostNames,
    }),
  );
  return violations;
}

/** One denial message naming every violated field and rule. */
export const denialMessage = (violations: Violation[]) => `ProvisioningRequest rejected: ${formatViolations(violations)}`;
