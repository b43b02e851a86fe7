import { O2IMS_REQUEST_NAMESPACE_LABEL, O2IMS_REQUEST_UID_LABEL } from "../../../api/vocabulary";
import { isDns1123Label, isLabelValue } from "../../../generators/formats";
import {
  byoClusterName,
  capiClusterName,
  controlPlaneMachineTemplateName,
  controlPlaneName,
  derivedLabelValues,
  HOST_ID_SEGMENT_MAX,
  hostIdSegment,
  maxClusterNameLength,
  remoteRequestName,
  requestLabels,
  sanitizeLabelValue,
  workerBootstrapTemplateName,
  workerMachineDeploymentName,
  workerMachineTemplateName,
} from "../../../generators/names";

describe("object names", () => {
  test("follow one scheme per kind", () => {
    expect(capiClusterName("edge")).toBe("edge");
    expect(byoClusterName("edge")).toBe(capiClusterName("edge"));
    expect(controlPlaneName("edge")).toBe("edge-control-plane");
    expect(controlPlaneMachineTemplateName("edge")).toBe("edge-control-plane");
    expect(workerBootstrapTemplateName("edge")).toBe("edge-workers");
    expect(workerMachineDeploymentName("edge", 4)).toBe("edge-worker-4");
    expect(workerMachineTemplateName("edge", "4")).toBe(workerMachineDeploymentName("edge", 4));
    expect(remoteRequestName("edge-cluster-request")).toBe("edge-cluster-request-o2ims");
  });
});

describe("hostIdSegment", () => {
  test("keeps a short DNS-label hostId as it is", () => {
    for (const id of ["3", "du-1", "rack7-node12"]) expect(hostIdSegment(id)).toBe(id);
  });

  test("turns any other label value into a short DNS label, distinct per hostId", () => {
    const ids = ["A", "a_", "Rack_7.Node_12", "node.12", "node-12-with-a-very-long-serial-0123456789", "-", "x".repeat(63)];
    const segments = ids.map(hostIdSegment);
    for (const s of segments) {
      expect(isDns1123Label(s)).toBe(true);
      expect(s.length).toBeLessThanOrEqual(HOST_ID_SEGMENT_MAX);
    }
    expect(new Set(segments).size).toBe(ids.length);
    expect(hostIdSegment("A")).not.toBe(hostIdSegment("a"));
    expect(hostIdSegment("Rack_7.Node_12")).toBe(hostIdSegment("Rack_7.Node_12"));
  });
});

describe("sanitizeLabelValue", () => {
  test("returns valid label values unchanged", () => {
    for (const v of ["", "edge", "Edge_1.a", "x".repeat(63), "0b6f3d5e-1c1a-4e0e-9a43-1d2a4c7f9e21"])
      expect(sanitizeLabelValue(v)).toBe(v);
  });

  test("makes anything else a valid label value, deterministically and distinctly", () => {
    const inputs = ["a".repeat(64), "a".repeat(253), `${"a".repeat(62)}b`.repeat(2), "ns/name", "-x-", "///", "é"];
    const out = inputs.map(sanitizeLabelValue);
    for (const v of out) expect(isLabelValue(v)).toBe(true);
    expect(new Set(out).size).toBe(inputs.length);
    expect(inputs.map(sanitizeLabelValue)).toEqual(out);
  });
});

describe("request labels", () => {
  test("link back to the request with valid label values", () => {
    const longName = `request-${"x".repeat(100)}`;
    const labels = requestLabels({ name: longName, namespace: "o2ims", uid: "0b6f3d5e-1c1a-4e0e-9a43-1d2a4c7f9e21" });
    expect(labels[O2IMS_REQUEST_NAMESPACE_LABEL]).toBe("o2ims");
    expect(labels[O2IMS_REQUEST_UID_LABEL]).toBe("0b6f3d5e-1c1a-4e0e-9a43-1d2a4c7f9e21");
    for (const v of Object.values(labels)) expect(isLabelValue(v)).toBe(true);
    expect(requestLabels({ name: "pr", namespace: "ns" })).not.toHaveProperty(O2IMS_REQUEST_UID_LABEL);
  });
});

describe("maxClusterNameLength", () => {
  const cases: [string, (string | number)[]][] = [
    ["default", []],
    ["default", [4]],
    ["o2ims", ["du-1", "du-2"]],
    ["a-rather-long-namespace-name", ["Rack_7.Node_12"]],
    ["ns", ["x".repeat(63)]],
  ];

  test.each(cases)("is the boundary where every derived label fits (namespace %s, workers %j)", (ns, ids) => {
    const max = maxClusterNameLength(ns, ids);
    const fits = (n: number) => derivedLabelValues("c".repeat(n), ns, ids).every(d => d.value.length <= 63);
    expect(fits(max)).toBe(true);
    expect(fits(max + 1)).toBe(false);
  });

  test("the BYOH byomachine-name label is what limits the name", () => {
    const values = derivedLabelValues("edge", "default", [4]);
    const longest = values.reduce((a, b) => (b.value.length > a.value.length ? b : a));
    expect(longest.key).toBe("byoh.infrastructure.cluster.x-k8s.io/byomachine-name");
    expect(longest.value.startsWith("default.edge-worker-4-")).toBe(true);
  });
});
