/**
 * Admission of ProvisioningRequests: defaulting from the ClusterTemplate and every rule that can be checked before
 * anything is created (parameters, template, live ByoHosts, other requests, update rules).
 */
import { applyDefaults, formatViolations, validateParameters, validateUpdate, Violation } from "../../generators/parameters";
import type { ProvisioningRequestSpec } from "../../api/generated/types";
import type { KubeObject } from "../../kube/types";
import { hostPinningLabel } from "../../generators/names";
import { checkHosts, hostsOf } from "./hosts";
import type { PRObject, TemplateObject } from "./cache";

/** What admission reads from the cluster (informer-backed in the module, literal in unit tests). */
export interface AdmissionView {
  findTemplate(name: string | undefined, version: string | undefined): TemplateObject | undefined;
  templateVersions(name: string | undefined): string[];
  templateNames(): string[];
  /** ByoHosts of that name, in any namespace. */
  byoHostsNamed(name: string): KubeObject[];
  /** Requests pinning a host of that name or hostId. */
  requestsPinning(hostName: string, hostId: string): PRObject[];
  /** Requests in the namespace asking for that cluster name. */
  requestsForCluster(namespace: string, clusterName: string): PRObject[];
}

export interface RequestInput {
  operation: "CREATE" | "UPDATE";
  namespace: string;
  name: string;
  spec: ProvisioningRequestSpec;
  oldSpec?: ProvisioningRequestSpec;
}

/** The template a spec resolves to, or the violation saying why none does. */
export function resolveTemplate(
  spec: Pick<ProvisioningRequestSpec, "templateName" | "templateVersion">,
  view: AdmissionView,
): { template?: TemplateObject; violation?: Violation } {
  const template = view.findTemplate(spec.templateName, spec.templateVersion);
  if (template) return { template };
  const versions = view.templateVersions(spec.templateName);
  const message = versions.length
    ? spec.templateVersion
      ? `ClusterTemplate ${spec.templateName} has no version "${spec.templateVersion}"; available versions: ${versions.join(", ")}`
      : `required because ClusterTemplate ${spec.templateName} has several versions: ${versions.join(", ")}`
    : `no ClusterTemplate named "${spec.templateName}"; available templates: ${view.templateNames().join(", ") || "(none)"}`;
  return {
    violation: { field: versions.length ? "spec.templateVersion" : "spec.templateName", rule: "template-exists", message },
  };
}

/** The spec after defaulting (template version, template parameter defaults); undefined when nothing applies. */
export function defaultRequest(spec: ProvisioningRequestSpec, view: AdmissionView): ProvisioningRequestSpec | undefined {
  const { template } = resolveTemplate(spec, view);
  if (!template) return undefined;
  return {
    ...spec,
    templateVersion: template.spec.templateVersion,
    templateParameters: applyDefaults(spec.templateParameters ?? {}, template.spec) as unknown as Record<string, unknown>,
  };
}

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function validateRequest(input: RequestInput, view: AdmissionView): Violation[] {
  const { spec, oldSpec } = input;
  if (input.operation === "UPDATE" && oldSpec && sameJSON(spec, oldSpec)) return [];
  if (input.operation === "UPDATE" && oldSpec) {
    const changed = (["templateName", "templateVersion"] as const).filter(
      f => oldSpec[f] !== undefined && oldSpec[f] !== spec[f],
    );
    if (changed.length > 0) {
      return changed.map(f => ({
        field: `spec.${f}`,
        rule: "immutable",
        message: `${f} is immutable: it was "${oldSpec[f]}", the update says "${spec[f]}"`,
      }));
    }
  }
  const resolved = resolveTemplate(spec, view);
  if (!resolved.template) return [resolved.violation!];
  const template = resolved.template.spec;
  const params = applyDefaults(spec.templateParameters ?? {}, template);
  const opts = { namespace: input.namespace };
  const violations: Violation[] = [];

  if (input.operation === "UPDATE" && oldSpec) {
    const oldParams = applyDefaults(oldSpec.templateParameters ?? {}, template);
    violations.push(...validateUpdate(oldParams, params, template, opts));
  } else {
    violations.push(...validateParameters(params, template, opts));
  }
  if (violations.length > 0) return violations;

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
  violations.push(
    ...checkHosts(params, {
      namespace: input.namespace,
      pinningLabel: hostPinningLabel(template),
      byoHostsNamed: name => view.byoHostsNamed(name),
      pinnedBy: (hostName, hostId) =>
        view
          .requestsPinning(hostName, hostId)
          .filter(isOther)
          .map(r => ({ namespace: r.metadata.namespace!, name: r.metadata.name })),
      previousHostNames,
    }),
  );
  return violations;
}

/** One denial message naming every violated field and rule. */
export const denialMessage = (violations: Violation[]) => `ProvisioningRequest rejected: ${formatViolations(violations)}`;
