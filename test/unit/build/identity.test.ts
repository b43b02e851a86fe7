/**
 * The module's identity (package.json pepr.rbac, what the built manifest's ClusterRole carries) covers what the
 * module does, and local/identity.ts picks the identity out of a manifest the way Pepr 1.1.4 writes it. The
 * integration tests run the module under that identity, so a missing rule also fails them (o2ims.test.ts found
 * the missing ClusterResourceSet rule); this check names the rule at once.
 */
import cfg from "../../../package.json";
import { GENERATED_KINDS } from "../../../generators/byoh-cluster";
import { identityObjects, moduleServiceAccount } from "../../../local/identity";
import type { KubeObject } from "../../../kube/types";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
const rules = cfg.pepr.rbac as Rule[];
const allows = (group: string, resource: string, verb: string, rs: Rule[] = rules) =>
  rs.some(r => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));

describe("package.json pepr.rbac", () => {
  it.each(GENERATED_KINDS.map(k => [`${k.plural}.${k.group}`, k] as const))(
    "lets the reconciler apply, read, watch and prune %s",
    (_name, kind) => {
      for (const verb of ["get", "list", "watch", "create", "patch", "delete"])
        expect([kind.plural, verb, allows(kind.group, kind.plural, verb)]).toEqual([kind.plural, verb, true]);
    },
  );

  it("a rule removed is detected (the check can fail)", () => {
    const without = rules.filter(r => !r.resources.includes("clusterresourcesets"));
    expect(allows("addons.cluster.x-k8s.io", "clusterresourcesets", "patch", without)).toBe(false);
  });
});

describe("local/identity", () => {
  const manifest = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "pepr-system" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "rb", namespace: "pepr-system" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "pepr-x" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "pepr-x" },
      subjects: [{ kind: "ServiceAccount", name: "pepr-x", namespace: "pepr-system" }],
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "pepr-x", namespace: "pepr-system" } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "pepr-x", namespace: "pepr-system" } },
  ] as KubeObject[];

  it("takes the ServiceAccount, roles and bindings, ServiceAccount first and bindings after their roles", () => {
    expect(identityObjects(manifest).map(o => o.kind)).toEqual([
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "RoleBinding",
    ]);
  });

  it("finds the module's ServiceAccount through the ClusterRoleBinding", () => {
    expect(moduleServiceAccount(manifest)).toEqual({ name: "pepr-x", namespace: "pepr-system" });
    expect(() => moduleServiceAccount(manifest.filter(o => o.kind !== "ClusterRoleBinding"))).toThrow(/binds no ServiceAccount/);
  });
});
