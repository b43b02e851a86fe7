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
  const out = o2imsViolations(spec?.o2ims);
  const ref = spec?.secretRef;
  if (!ref?.namespace || ref.namespace === namespace) return out;
  return [
    ...out,
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

/**
 * spec.o2ims (the O2 IMS REST transport): an https URL without credentials, query or fragment (the bearer token must
 * never travel in clear, nor a secret sit in a URL that status messages show), a token Secret named, and a caBundle,
 * when given, that is PEM certificates. The Secret is always of the OCloud's own namespace (the field has none).
 */
export function o2imsViolations(o2ims: OCloudSpec["o2ims"]): Violation[] {
  if (!o2ims) return [];
  const out: Violation[] = [];
  const bad = (field: string, rule: string, why: string) => out.push({ field, rule, message: `${field}: rule ${rule}: ${why}` });
  let url: URL | undefined;
  try {
    url = new URL(o2ims.url);
  } catch {
    bad("spec.o2ims.url", "https-url", `is not a URL; give the O2 IMS server's base URL, e.g. https://o2ims.example:8443`);
  }
  if (url) {
    if (url.protocol !== "https:")
      bad(
        "spec.o2ims.url",
        "https-url",
        `must use https (the bearer token is sent with every call), not ${url.protocol.replace(":", "")}`,
      );
    if (url.username || url.password)
      bad("spec.o2ims.url", "no-credentials", "must not hold user information; the token goes in spec.o2ims.tokenSecretRef");
    if (url.search || url.hash) bad("spec.o2ims.url", "base-url", "must have no query or fragment");
  }
  if (!o2ims.tokenSecretRef?.name) bad("spec.o2ims.tokenSecretRef.name", "required", "name the Secret holding the bearer token");
  if (o2ims.caBundle !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(o2ims.caBundle))
    bad("spec.o2ims.caBundle", "pem-certificates", "must hold PEM certificates (-----BEGIN CERTIFICATE----- ...)");
  return out;
}
