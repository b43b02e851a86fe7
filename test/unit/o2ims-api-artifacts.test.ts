/** The O2 IMS REST server's objects in the manifest and the chart (scripts/build/artifacts.ts). */
import { dump, loadAll } from "js-yaml";
import { fixManifest, O2IMS_API_LOADER, o2imsApiChartTemplate } from "../../scripts/build/artifacts";
import { O2IMS_API_IDENTITY, O2IMS_API_RULES } from "../../o2ims-api/rbac";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HASH = "a".repeat(64);
const pepr = [
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "pepr-o-cloud-provisioner", namespace: "pepr-system" } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "pepr-o-cloud-provisioner-watcher", namespace: "pepr-system" },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: "watcher",
              image: "ghcr.io/defenseunicorns/pepr/controller:v1.1.4",
              args: ["/app/node_modules/pepr/dist/controller.js", HASH],
            },
          ],
          volumes: [{ name: "module", secret: { secretName: "pepr-o-cloud-provisioner-module" } }],
        },
      },
    },
  },
];
const manifest = pepr.map(d => dump(d)).join("---\n");
const template = "apiVersion: o2ims.provisioning.oran.org/v1alpha1\nkind: ClusterTemplate\nmetadata: {name: t}\n";
const docs = { "provisioning.yaml": "openapi: 3.0.3\n" };

describe("the manifest", () => {
  const out = (loadAll(fixManifest(manifest, [], template, [], docs)) as Obj[]).filter(Boolean);
  const own = (kind: string) => out.find(d => d.kind === kind && d.metadata.name.startsWith(O2IMS_API_IDENTITY))!;

  it("carries the server's identity from o2ims-api/rbac.ts", () => {
    expect(own("ServiceAccount").metadata.namespace).toBe("pepr-system");
    expect(own("ClusterRole").rules).toEqual(O2IMS_API_RULES);
    expect(own("ClusterRoleBinding").roleRef.name).toBe(O2IMS_API_IDENTITY);
  });

  it("runs the watcher's image and bundle hash through the loader, with the documents mounted", () => {
    const c = own("Deployment").spec.template.spec.containers[0];
    expect(c.image).toBe("ghcr.io/defenseunicorns/pepr/controller:v1.1.4");
    expect(c.command).toEqual(["node", "-e", O2IMS_API_LOADER, HASH]);
    expect(own("ConfigMap").data).toEqual(docs);
    const vols = own("Deployment").spec.template.spec.volumes.map(
      (v: Obj) => v.secret?.secretName ?? v.configMap?.name ?? v.name,
    );
    expect(vols).toEqual([
      "pepr-o-cloud-provisioner-module",
      `${O2IMS_API_IDENTITY}-tls`,
      `${O2IMS_API_IDENTITY}-openapi`,
      "tmp",
    ]);
  });

  it("the module's own ClusterRoleBinding still comes first (local/identity.ts finds the module's by order)", () => {
    const out2 = (
      loadAll(
        fixManifest(
          [
            ...pepr,
            {
              apiVersion: "rbac.authorization.k8s.io/v1",
              kind: "ClusterRoleBinding",
              metadata: { name: "pepr-o-cloud-provisioner" },
            },
          ]
            .map(d => dump(d))
            .join("---\n"),
          [],
          template,
          [],
          docs,
        ),
      ) as Obj[]
    ).filter(Boolean);
    expect(out2.find(d => d.kind === "ClusterRoleBinding")!.metadata.name).toBe("pepr-o-cloud-provisioner");
  });

  it("is idempotent (post-build may run twice)", () => {
    const twice = fixManifest(fixManifest(manifest, [], template, [], docs), [], template, [], docs);
    expect((loadAll(twice) as Obj[]).filter(d => d?.kind === "Deployment")).toHaveLength(2);
  });

  it("without documents leaves the server out", () => {
    expect(fixManifest(manifest, [], template, [])).not.toContain(O2IMS_API_IDENTITY);
  });
});

describe("the chart template", () => {
  const text = o2imsApiChartTemplate(docs);
  it("takes image, hash and module Secret from the watcher's values and the rest from o2imsApi", () => {
    expect(text.startsWith("{{- if .Values.o2imsApi.enabled }}\n")).toBe(true);
    expect(text).toContain("image: {{ .Values.watcher.image }}");
    expect(text).toContain('- "{{ .Values.hash }}"');
    expect(text).toContain("secretName: {{ .Values.uuid }}-module");
    expect(text).toContain("value: {{ .Values.o2imsApi.namespace | quote }}");
    expect(text).toContain("secretName: {{ .Values.o2imsApi.tlsSecretName }}");
    expect(text).not.toMatch(/__[A-Z_]+__/);
  });
  it("refuses a document Helm would render", () => {
    expect(() => o2imsApiChartTemplate({ "x.yaml": "a: {{ b }}" })).toThrow(/x.yaml contains '\{\{'/);
  });
});
