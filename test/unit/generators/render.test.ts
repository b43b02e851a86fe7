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
        [fpr({ oCloudNamespace: "edge", templateName: "byoh-workload-cluster", templateParameters: seedParams() })],
        defaultDoc(),
      ),
    );
    expect(input).toMatchObject({ name: "fpr-1-o2ims", namespace: "edge", fieldPrefix: "spec.templateParameters" });
    expect(input.uid).toBeUndefined();
    expect(inputOf(readRenderInput([fpr({ templateParameters: seedParams() })], defaultDoc())).namespace).toBe("smo");
  });

  test("seed 002's aliases: templateRef.name picks a TemplateInfo, parameters are the parameters, its defaults merge under them", () => {
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
    expect(input.fieldPrefix).toBe("spec.parameters");
    expect(input.params).toMatchObject({ k8sVersion: "v1.31.4", podCIDR: "10.200.0.0/16" });
    expect(input.template.supportedK8sVersions).toEqual(templateDocument().spec.supportedK8sVersions);
    const bad = renderCluster({ ...input, params: { ...(input.params as object), clusterName: "Bad" } });
    expect(bad.violations.map(v => v.field)).toEqual(["spec.parameters.clusterName"]);
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
    const alias = readRenderInput([fpr({ templateRef: { name: "nope" }, parameters: seedParams() })], defaultDoc());
    expect(alias).toEqual({ violations: [expect.objectContaining({ field: "spec.templateRef.name" })] });
  });

  test("missing parameters are a violation; zero or several requests an error", () => {
    expect(readRenderInput([pr({ templateName: "byoh-workload-cluster" })], defaultDoc())).toEqual({
      violations: [expect.objectContaining({ field: "spec.templateParameters", rule: "required" })],
    });
    expect(readRenderInput([], defaultDoc())).toHaveProperty("error");
    const one = pr({ templateParameters: seedParams() });
    expect(readRenderInput([one, one], defaultDoc())).toHaveProperty("error");
  });
});
