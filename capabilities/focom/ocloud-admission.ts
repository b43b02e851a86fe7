/**
 * Admission of OClouds (pure). The module reads the kubeconfig Secret an OCloud names with its own identity, so an
 * OCloud naming a Secret of another namespace would let whoever may create OClouds in namespace A make the module
 * read (and use) a Secret of namespace B: a confused deputy. An OCloud may therefore name only a Secret of its own
 * namespace, and the module may read Secrets only in the namespaces configured for OClouds (chart value
 * ocloudSecretNamespaces, scripts/build/artifacts.ts).
 */
import type { OCloudSpec } from "../../api/generated/types";
import type { Violation } from "../../generators/parameters";

export const SECRET_SAME_NAMESPACE = "secret-same-namespace";

/** Every violation of an OCloud in namespace; empty when it is admitted. */
export function ocloudViolations(namespace: string, spec: OCloudSpec | undefined): Violation[] {
  const ref = spec?.secretRef;
  if (!ref?.namespace || ref.namespace === namespace) return [];
  return [
    {
      field: "spec.secretRef.namespace",
      rule: SECRET_SAME_NAMESPACE,
      message:
        `spec.secretRef.namespace: rule ${SECRET_SAME_NAMESPACE}: an OCloud may only name a Secret of its own namespace ` +
        `(${namespace}), not of ${ref.namespace}; put the kubeconfig Secret in ${namespace}`,
    },
  ];
}

export const ocloudDenialMessage = (violations: Violation[]) => `OCloud rejected: ${violations.map(v => v.message).join("; ")}`;
