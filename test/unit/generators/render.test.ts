import { O2IMS_REQUEST_NAME_LABEL } from "../../../api/vocabulary";
import { Document, readRenderInput, RenderInput, RenderInputResult, renderCluster } from "../../../generators/render";
import { seedParams, templateDocument } from "./fixtures";

const defaultDoc = () => templateDocument() as Document;

const pr = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = { name: "pr-1", namespace: "o2ims", uid: "u-1" },
) => ({
  apiVersion: "o2ims.provisioning.oran.org/v1alpha1",
  kind: "ProvisioningRequest",
  metadata,
  spec,
});
const fpr = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "fpr-1", namespace: "smo" }) => ({
  apiVersion: "focom.nephio.org/v1alpha1",
  kind: "FocomProvisioningRequest",
  metadata,
  spec,
});

function inputOf(result: RenderInputResult): RenderInput {
  if (!("input" in result)) throw new Error(`expected an input, got ${JSON.stringify(result)}`);
  return result.input;
}

describe("readRenderInput", () => {
  test("a ProvisioningRequest renders in its namespace, labelled with its name and uid", () => {
    const input = inputOf(
      readRenderInput([pr({ templateName: "byoh-workload-cluster", templateParameters: seedParams() })], defaultDoc()),
    );
    expect(input).toMatchObject({ name: "pr-1", namespace: "o2ims", uid: "u-1", fieldPrefix: "spec.templateParameters" });
    const { objects, violations } = renderCluster(input);
    expect(violations).toEqual([]);
    expect(objects.every(o => o.metadata.namespace === "o2ims" && o.metadata.labels?.[O2IMS_REQUEST_NAME_LABEL] === "pr-1")).toBe(
      true,
    );
  });

  test("namespace defaults to default", () => {
    const input = inputOf(
      readRenderInput(
        [pr({ templateName: "byoh-workload-cluster", templateParameters: seedParams() }, { name: "x" })],
        defaultDoc(),
      ),
    );
    expect(input.namespace).toBe("default");
  });

  test("a FocomProvisioningRequest renders as its O-Cloud mirror in oCloudNamespace", () => {
    const input = inputOf(
      readRenderInput(
        [
          fpr({
            oCloudId: "oc",
            oCloudNamespace: "edge",
            templateName: "byoh-workload-cluster",
            templateParameters: seedParams(),
          }),
        ],
        defaultDoc(),
      ),
    );
    expect(input).toMatchObject({ name: "fpr-1-o2ims", namespace: "edge", fieldPrefix: "spec.templateParameters" });
    expect(input.uid).toBeUndefined();
    const inOwnNamespace = fpr({ oCloudId: "oc", templateName: "byoh-workload-cluster", templateParameters: seedParams() });
    expect(inputOf(readRenderInput([inOwnNamespace], defaultDoc())).namespace).toBe("smo");
  });

  test("a FocomProvisioningRequest is admitted as FOCOM admits it: oCloudId and templateName required, bare messages", () => {
    const result = readRenderInput([fpr({ templateParameters: seedParams() })], defaultDoc());
    expect(result).toEqual({
      violations: [
        { field: "spec.oCloudId", rule: "required", message: "required: the name of an OCloud in namespace smo" },
        {
          field: "spec.templateName",
          rule: "required",
          message: "required (or spec.templateRef.name naming a TemplateInfo)",
        },
      ],
    });
  });

  test("seed 002's aliases are converted as admission converts them; the TemplateInfo's defaults merge under the parameters", () => {
    const templateInfo = {
      kind: "TemplateInfo",
      metadata: { name: "edge-template" },
      spec: { template: "byoh-workload-cluster", parameters: { k8sVersion: "v1.31.4", podCIDR: "10.244.0.0/16" } },
    };
    const params = { ...seedParams(), podCIDR: "10.200.0.0/16" };
    delete params.k8sVersion;
    const input = inputOf(
      readRenderInput(
        [templateInfo, fpr({ ocloudRef: { name: "oc" }, templateRef: { name: "edge-template" }, parameters: params })],
        defaultDoc(),
      ),
    );
    // Admission moves spec.parameters to spec.templateParameters before validating: violations name the latter.
    expect(input.fieldPrefix).toBe("spec.templateParameters");
    expect(input.params).toMatchObject({ k8sVersion: "v1.31.4", podCIDR: "10.200.0.0/16" });
    expect(input.template.supportedK8sVersions).toEqual(templateDocument().spec.supportedK8sVersions);
    const bad = renderCluster({ ...input, params: { ...(input.params as object), clusterName: "Bad" } });
    expect(bad.violations.map(v => v.field)).toEqual(["spec.templateParameters.clusterName"]);
  });

  test("a ClusterTemplate in the file replaces the default one", () => {
    const custom = templateDocument();
    custom.spec.templateName = "custom";
    custom.spec.supportedK8sVersions = ["v1.29.0"];
    custom.spec.defaults.k8sVersion = "v1.29.0";
    const params = { ...seedParams() };
    delete params.k8sVersion;
    const input = inputOf(
      readRenderInput(
        [{ kind: "ClusterTemplate", ...custom }, pr({ templateName: "custom", templateParameters: params })],
        defaultDoc(),
      ),
    );
    expect(input.template.templateName).toBe("custom");
    const kcp = renderCluster(input).objects.find(o => o.kind === "KubeadmControlPlane")!;
    expect((kcp.spec as { version: string }).version).toBe("v1.29.0");
  });

  test("a template name or version that matches no template is a violation on that field", () => {
    const byName = readRenderInput([pr({ templateName: "nope", templateParameters: seedParams() })], defaultDoc());
    expect(byName).toEqual({ violations: [expect.objectContaining({ field: "spec.templateName", rule: "template-exists" })] });
    const byVersion = readRenderInput(
      [pr({ templateName: "byoh-workload-cluster", templateVersion: "v9", templateParameters: seedParams() })],
      defaultDoc(),
    );
    expect(byVersion).toEqual({ violations: [expect.objectContaining({ field: "spec.templateVersion" })] });
    const alias = readRenderInput(
      [fpr({ ocloudRef: { name: "oc" }, templateRef: { name: "nope" }, parameters: seedParams() })],
      defaultDoc(),
    );
    expect(alias).toEqual({ violations: [expect.objectContaining({ field: "spec.templateRef.name" })] });
  });

  test("missing parameters are defaulted, then denied as admission denies them; zero or several requests an error", () => {
    expect(readRenderInput([pr({ templateName: "byoh-workload-cluster" })], defaultDoc())).toEqual({
      violations: [
        expect.objectContaining({ field: "spec.templateParameters.clusterName", rule: "required" }),
        expect.objectContaining({ field: "spec.templateParameters.hosts", rule: "required" }),
      ],
    });
    expect(readRenderInput([], defaultDoc())).toHaveProperty("error");
    const one = pr({ templateParameters: seedParams() });
    expect(readRenderInput([one, one], defaultDoc())).toHaveProperty("error");
  });
});
