/**
 * No confused deputy (issue 11 item 3): an OCloud may name only a Secret of its own namespace, a request may target
 * only an allowed namespace, and the module's identity has no cluster-wide Secret read.
 */
import { validateRequest } from "../../../capabilities/focom/admission";
import { isAllowedOCloudNamespace } from "../../../capabilities/environment";
import { ocloudDenialMessage, ocloudViolations } from "../../../capabilities/focom/ocloud-admission";
import cfg from "../../../package.json";
import { DEFAULT_OCLOUD_SECRET_NAMESPACES, fixManifest, secretReaderChartTemplate } from "../../../scripts/build/artifacts";
import { loadAll } from "js-yaml";
import { byohParams, byohTemplateInfo, NS, ocloud, view } from "./fixtures";

describe("OCloud admission", () => {
  it("denies a secretRef naming another namespace, naming the rule", () => {
    const v = ocloudViolations("team-a", { secretRef: { name: "kc", namespace: "team-b" } });
    expect(v.map(x => x.rule)).toEqual(["secret-same-namespace"]);
    expect(ocloudDenialMessage(v)).toContain("spec.secretRef.namespace: rule secret-same-namespace");
    expect(ocloudDenialMessage(v)).toContain("not of team-b");
  });

  it("admits a secretRef in its own namespace, one without namespace, and no secretRef", () => {
    expect(ocloudViolations("team-a", { secretRef: { name: "kc", namespace: "team-a" } })).toEqual([]);
    expect(ocloudViolations("team-a", { secretRef: { name: "kc" } })).toEqual([]);
    expect(ocloudViolations("team-a", {})).toEqual([]);
  });
});

describe("FocomProvisioningRequest target namespace", () => {
  const spec = { oCloudId: "edge-ocloud", templateName: "byoh-workload-cluster", templateParameters: byohParams() };
  const base = view([ocloud("edge-ocloud", "edge-kubeconfig")], [byohTemplateInfo()]);
  const input = (oCloudNamespace: string) => ({
    operation: "CREATE" as const,
    namespace: NS,
    name: "r",
    spec: { ...spec, oCloudNamespace },
  });

  it("denies kube-system and the module's namespace (ignored namespaces)", () => {
    const v = { ...base, isIgnoredNamespace: (ns: string) => ["kube-system", "pepr-system"].includes(ns) };
    for (const ns of ["kube-system", "pepr-system"])
      expect(validateRequest(input(ns), v).map(x => x.rule)).toContain("namespace-served");
  });

  it("denies a namespace outside the allow-list, naming the rule", () => {
    const v = { ...base, isAllowedOCloudNamespace: (ns: string) => isAllowedOCloudNamespace(ns, "o2ims,edge") };
    expect(validateRequest(input("team-x"), v).map(x => x.rule)).toContain("namespace-allowed");
    expect(validateRequest(input("edge"), v).map(x => x.rule)).not.toContain("namespace-allowed");
  });

  it("allows any namespace when no allow-list is set", () => {
    expect(isAllowedOCloudNamespace("anything", undefined)).toBe(true);
    expect(isAllowedOCloudNamespace("anything", " ")).toBe(true);
    expect(isAllowedOCloudNamespace("b", "a, b")).toBe(true);
    expect(isAllowedOCloudNamespace("c", "a,b")).toBe(false);
  });
});

describe("Secret read", () => {
  it("package.json pepr.rbac (the ClusterRole) grants no Secret access", () => {
    const rules = cfg.pepr.rbac as { apiGroups: string[]; resources: string[] }[];
    expect(rules.filter(r => r.apiGroups.includes("") && r.resources.some(x => x === "secrets" || x === "*"))).toEqual([]);
  });

  it("the manifest grants it per default OCloud namespace only, with a Role and a RoleBinding to the module", () => {
    const docs = loadAll(
      fixManifest("kind: ServiceAccount\nmetadata: {name: x}\n", [], "kind: ClusterTemplate\nmetadata: {name: t}\n"),
    ) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const roles = docs.filter(d => d.kind === "Role");
    expect(roles.map(r => r.metadata.namespace)).toEqual(DEFAULT_OCLOUD_SECRET_NAMESPACES);
    expect(roles[0].rules).toEqual([{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }]);
    const binding = docs.find(d => d.kind === "RoleBinding")!;
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "pepr-o-cloud-provisioner", namespace: "pepr-system" }]);
  });

  it("the chart templates one Role and RoleBinding per value of ocloudSecretNamespaces", () => {
    const t = secretReaderChartTemplate();
    expect(t).toMatch(/^\{\{- range \$ns := \.Values\.ocloudSecretNamespaces \}\}/);
    expect(t.match(/namespace: \{\{ \$ns \}\}/g)).toHaveLength(2);
  });
});
