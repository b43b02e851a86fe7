import type { ClusterTemplateSpec } from "../../../api/generated/types";
import { applyDefaults } from "../../../generators/parameters";
import {
  CLUSTER_TEMPLATES,
  mergeDefaults,
  resolveTemplate,
  TemplateInfoObject,
  templateInfosIn,
} from "../../../generators/templates";
import { defaultTemplate } from "./fixtures";

const ct = (templateName: string, templateVersion: string) => ({
  metadata: { name: `${templateName}.${templateVersion}` },
  spec: { ...defaultTemplate(), templateName, templateVersion } as ClusterTemplateSpec,
});
const ti = (name: string, spec: TemplateInfoObject["spec"]): TemplateInfoObject => ({
  metadata: { name, namespace: "smo" },
  spec,
});

describe("resolveTemplate over ClusterTemplates", () => {
  const a1 = ct("a", "v1");
  const a2 = ct("a", "v2");
  const b1 = ct("b", "v1");
  const all = [a1, a2, b1];
  const resolve = (name?: string, version?: string) => resolveTemplate(all, name, version, CLUSTER_TEMPLATES);

  test("by name + version", () => {
    expect(resolve("a", "v2")).toEqual({ template: a2 });
    expect(resolve("b", "v1")).toEqual({ template: b1 });
  });

  test("by name alone when it is unique", () => {
    expect(resolve("b")).toEqual({ template: b1 });
  });

  test("matches the spec's templateName, not the object's name", () => {
    expect(resolve("b.v1").violation).toMatchObject({ field: "spec.templateName", rule: "template-exists" });
  });

  test("several versions and none given: a violation on templateVersion naming them", () => {
    expect(resolve("a")).toEqual({
      violation: {
        field: "spec.templateVersion",
        rule: "template-exists",
        message: "required because ClusterTemplate a has several versions: v1, v2",
      },
    });
  });

  test("an unknown version: a violation on templateVersion listing the versions of that name", () => {
    expect(resolve("b", "v9").violation).toEqual({
      field: "spec.templateVersion",
      rule: "template-exists",
      message: 'ClusterTemplate b has no version "v9"; available versions: v1',
    });
  });

  test("an unknown name: a violation on templateName listing every template", () => {
    expect(resolve("gpu", "v1").violation).toEqual({
      field: "spec.templateName",
      rule: "template-exists",
      message: 'no ClusterTemplate named "gpu"; available templates: a/v1, a/v2, b/v1',
    });
    expect(resolveTemplate([], "gpu", undefined, CLUSTER_TEMPLATES).violation?.message).toBe(
      'no ClusterTemplate named "gpu"; available templates: (none)',
    );
  });

  test("no name at all: required", () => {
    expect(resolve(undefined).violation).toMatchObject({ field: "spec.templateName", rule: "required" });
  });
});

describe("resolveTemplate over TemplateInfos", () => {
  const kind = templateInfosIn("smo");
  const v1 = ti("byoh-v1", { templateName: "byoh", templateVersion: "v1" });
  const v2 = ti("byoh-v2", { templateName: "byoh", templateVersion: "v2" });
  // Seed 002's shape: name in spec.template, no version.
  const seed = ti("edge-5g-template", { template: "5g-ran-du" });
  const all = [v1, v2, seed];

  test("by name + version, by unique name (also unversioned, also through seed 002's template)", () => {
    expect(resolveTemplate(all, "byoh", "v1", kind)).toEqual({ template: v1 });
    expect(resolveTemplate(all, "5g-ran-du", undefined, kind)).toEqual({ template: seed });
    expect(resolveTemplate([v1], "byoh", undefined, kind)).toEqual({ template: v1 });
  });

  test("the violations name their field in the message and the namespace searched", () => {
    expect(resolveTemplate(all, "byoh", undefined, kind).violation).toEqual({
      field: "spec.templateVersion",
      rule: "template-exists",
      message: 'spec.templateVersion: required because template "byoh" has several versions: v1, v2',
    });
    expect(resolveTemplate(all, "5g-ran-du", "v1", kind).violation?.message).toBe(
      'spec.templateVersion: template "5g-ran-du" has no version "v1" in namespace smo; available versions: (unversioned)',
    );
    expect(resolveTemplate(all, "gpu", undefined, kind).violation).toEqual({
      field: "spec.templateName",
      rule: "template-exists",
      message:
        'spec.templateName: no TemplateInfo for template "gpu" in namespace smo; available templates: 5g-ran-du, byoh/v1, byoh/v2',
    });
  });
});

describe("mergeDefaults", () => {
  test("objects merge recursively; anything given wins; arrays are replaced whole", () => {
    const defaults = { caas: { cni: "calico", mtu: 1500, opts: { a: 1 } }, tags: ["a", "b"], replicas: 3 };
    const given = { caas: { mtu: 9000, opts: { b: 2 } }, tags: ["c"], extra: true };
    expect(mergeDefaults(defaults, given)).toEqual({
      caas: { cni: "calico", mtu: 9000, opts: { a: 1, b: 2 } },
      tags: ["c"],
      replicas: 3,
      extra: true,
    });
  });

  test("an absent given value takes the default; an absent default is no default; a scalar replaces an object", () => {
    expect(mergeDefaults({ a: 1, b: { c: 2 } }, { a: null, b: undefined })).toEqual({ a: 1, b: { c: 2 } });
    expect(mergeDefaults({ a: null, b: undefined }, {})).toEqual({});
    expect(mergeDefaults({ a: { b: 1 } }, { a: "x" })).toEqual({ a: "x" });
    expect(mergeDefaults({ a: 1 }, undefined)).toEqual({ a: 1 });
  });

  test("never mutates or aliases its inputs", () => {
    const defaults = { nested: { list: [1] } };
    const given = { other: { x: 1 } };
    const out = mergeDefaults(defaults, given) as typeof defaults & typeof given;
    out.nested.list.push(2);
    out.other.x = 2;
    expect(defaults).toEqual({ nested: { list: [1] } });
    expect(given).toEqual({ other: { x: 1 } });
  });

  test("applyDefaults (O2IMS admission, reconciler, render) merges the ClusterTemplate's defaults with it", () => {
    const template = defaultTemplate();
    const p = applyDefaults({ clusterName: "e", podCIDR: null, hosts: { masters: [{ hostId: 1, hostName: "a" }] } }, template);
    expect(p).toMatchObject({ ...template.defaults, clusterName: "e" });
  });
});
