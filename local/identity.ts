/**
 * The module's own identity on a plane, exactly as it ships: the ServiceAccount, ClusterRoles, Roles and bindings
 * of the built manifest (dist/pepr-module-<uuid>.yaml, after scripts/post-build.ts) applied to the plane, and a
 * kubeconfig holding a token for that ServiceAccount from the TokenRequest API. The module then runs with what a
 * user installs, so a permission missing from the manifest fails the tests instead of being masked by admin.
 */
import fs from "node:fs";
import { load } from "js-yaml";
import type { KubeClient, KubeObject } from "../kube/client";
import type { Resource } from "../kube/resources";

const rbac = (kind: string, plural: string, namespaced: boolean): Resource => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind,
  plural,
  namespaced,
});
const IDENTITY_RESOURCES: Record<string, Resource> = {
  ServiceAccount: { group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true },
  ClusterRole: rbac("ClusterRole", "clusterroles", false),
  ClusterRoleBinding: rbac("ClusterRoleBinding", "clusterrolebindings", false),
  Role: rbac("Role", "roles", true),
  RoleBinding: rbac("RoleBinding", "rolebindings", true),
};
const NAMESPACE: Resource = { group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false };

/** The identity objects of a manifest (ServiceAccounts, roles, bindings), in the order they apply. */
export function identityObjects(docs: KubeObject[]): KubeObject[] {
  const order = Object.keys(IDENTITY_RESOURCES);
  return docs.filter(d => d && order.includes(d.kind ?? "")).sort((a, b) => order.indexOf(a.kind!) - order.indexOf(b.kind!));
}

/** The module's ServiceAccount: the subject of the manifest's ClusterRoleBinding (Pepr names it pepr-<uuid>). */
export function moduleServiceAccount(docs: KubeObject[]): { name: string; namespace: string } {
  const binding = docs.find(d => d?.kind === "ClusterRoleBinding") as
    | (KubeObject & { subjects?: { kind: string; name: string; namespace?: string }[] })
    | undefined;
  const sa = binding?.subjects?.find(s => s.kind === "ServiceAccount");
  if (!sa?.namespace) throw new Error("the built manifest binds no ServiceAccount to the module's ClusterRole");
  return { name: sa.name, namespace: sa.namespace };
}

/**
 * Applies the identity objects with the admin client (namespaces of Roles created first: the manifest's Roles for
 * OCloud Secret namespaces name namespaces a fresh plane lacks). extra: objects the caller adds (e.g. Roles for
 * Secret namespaces a test uses beyond the default).
 */
export async function applyIdentity(admin: KubeClient, docs: KubeObject[], extra: KubeObject[] = []): Promise<void> {
  const objects = [...identityObjects(docs), ...extra];
  const namespaces = new Set(objects.flatMap(o => (o.metadata.namespace ? [o.metadata.namespace] : [])));
  for (const name of namespaces) await admin.apply(NAMESPACE, { metadata: { name } });
  for (const obj of objects) {
    const { status: _status, ...rest } = obj as KubeObject & { status?: unknown };
    await admin.apply(IDENTITY_RESOURCES[obj.kind!], rest as KubeObject);
  }
}

/** A bound token for the ServiceAccount (TokenRequest, serviceaccounts/<name>/token), valid for seconds. */
export async function requestToken(
  admin: KubeClient,
  sa: { name: string; namespace: string },
  seconds = 7 * 24 * 3600,
): Promise<string> {
  const res = await admin.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${encodeURIComponent(sa.namespace)}/serviceaccounts/${encodeURIComponent(sa.name)}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: seconds } },
  );
  return res.status.token;
}

/** Writes a kubeconfig that reaches the same server as adminKubeconfig (its CA too) with the token. */
export function writeTokenKubeconfig(file: string, adminKubeconfig: string, user: string, token: string): void {
  const admin = load(fs.readFileSync(adminKubeconfig, "utf8")) as {
    "current-context"?: string;
    contexts: { name: string; context: { cluster: string } }[];
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  const ctx = admin.contexts.find(c => c.name === admin["current-context"]) ?? admin.contexts[0];
  const cluster = admin.clusters.find(c => c.name === ctx.context.cluster) ?? admin.clusters[0];
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster.name, cluster: cluster.cluster }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: cluster.name, user } }],
    "current-context": user,
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
}
