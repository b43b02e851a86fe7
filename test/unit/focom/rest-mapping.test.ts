/**
 * The REST transport's pure parts: which transport an OCloud declares, the FPR <-> O2 IMS mapping (id = uid), when a
 * PUT is due, how O2 IMS answers are classified, and the admission of spec.o2ims.
 */
import type { FPRObject } from "../../../capabilities/focom/cache";
import { classifyFailure } from "../../../capabilities/focom/errors";
import { O2imsError, problemError, ProvisioningRequestInfo } from "../../../capabilities/focom/o2ims-client";
import { ocloudConditions } from "../../../capabilities/focom/ocloud-status";
import { ocloudViolations } from "../../../capabilities/focom/ocloud-admission";
import { computeStatus } from "../../../capabilities/focom/status";
import { contains, dataOf, isSettled, needsUpdate, remoteOf, restRefOf } from "../../../capabilities/focom/rest-mapping";
import { transportOf } from "../../../capabilities/focom/transport";

const UID = "0b6f7c1e-3d2a-4f7e-9a51-2c4d6e8f0a1b";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const fpr = (over: Partial<FPRObject["spec"]> = {}): FPRObject => ({
  metadata: { name: "edge-req", namespace: "smo", uid: UID, generation: 2 },
  spec: {
    oCloudId: "edge-ocloud",
    templateName: "byoh-workload-cluster",
    templateVersion: "v1",
    templateParameters: { clusterName: "edge", hosts: { masters: [{ hostId: 1, hostName: "h1" }] } },
    ...over,
  },
});
const restOCloud = {
  metadata: { name: "edge-ocloud", namespace: "smo" },
  spec: { o2ims: { url: "https://o2ims.example:8443", tokenSecretRef: { name: "tok" }, caBundle: PEM } },
};
const info = (phase?: NonNullable<ProvisioningRequestInfo["status"]>["provisioningPhase"]): ProvisioningRequestInfo => ({
  ...dataOf(fpr()),
  status: { provisioningPhase: phase, message: "m", updateTime: "2026-01-01T00:00:00Z" },
});

describe("transport of an OCloud", () => {
  it("is rest with spec.o2ims (even beside secretRef), kubeconfig with secretRef alone, else local", () => {
    expect(transportOf(restOCloud)).toBe("rest");
    expect(transportOf({ ...restOCloud, spec: { ...restOCloud.spec, secretRef: { name: "kc" } } })).toBe("rest");
    expect(transportOf({ metadata: { name: "o" }, spec: { secretRef: { name: "kc" } } })).toBe("kubeconfig");
    expect(transportOf({ metadata: { name: "o" }, spec: {} })).toBe("local");
  });
});

describe("FPR -> O2 IMS ProvisioningRequestData", () => {
  it("uses the request's uid as provisioningRequestId and its name when spec.name is absent", () => {
    expect(dataOf(fpr())).toEqual({
      provisioningRequestId: UID,
      name: "edge-req",
      templateName: "byoh-workload-cluster",
      templateVersion: "v1",
      templateParameters: { clusterName: "edge", hosts: { masters: [{ hostId: 1, hostName: "h1" }] } },
    });
    expect(dataOf(fpr({ name: "Edge", description: "d" }))).toMatchObject({ name: "Edge", description: "d" });
    expect(restRefOf(fpr())).toEqual({ namespace: "provisioningRequests", name: UID });
  });

  it("needs a PUT when a field or a sent parameter differs, not for defaults the O-Cloud added", () => {
    const same = info("FULFILLED");
    expect(needsUpdate(same, dataOf(fpr()))).toBe(false);
    const withDefaults = { ...same, templateParameters: { ...same.templateParameters, k8sVersion: "v1.32.0" } };
    expect(needsUpdate(withDefaults, dataOf(fpr()))).toBe(false);
    const scaled = fpr({
      templateParameters: {
        clusterName: "edge",
        hosts: { masters: [{ hostId: 1, hostName: "h1" }], workers: [{ hostId: 2, hostName: "h2" }] },
      },
    });
    expect(needsUpdate(same, dataOf(scaled))).toBe(true);
    expect(needsUpdate(same, dataOf(fpr({ templateVersion: "v2" })))).toBe(true);
    expect(contains({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [1, 2], b: { c: 1 } })).toBe(true);
    expect(contains({ a: [1, 2, 3] }, { a: [1, 2] })).toBe(false); // arrays compare whole: a removed host is a change
  });
});

describe("O2 IMS ProvisioningRequestInfo -> the mirrored status", () => {
  it("maps the upper-case phase to the CR's state, with message, time and provisioned resources", () => {
    const r = remoteOf({
      ...info("FULFILLED"),
      status: { ...info("FULFILLED").status, provisionedResources: { oCloudNodeClusterId: "c-1" } },
    });
    expect(r.metadata.labels?.["focom.nephio.org/request-uid"]).toBe(UID);
    expect(r.status).toEqual({
      provisioningStatus: {
        provisioningState: "fulfilled",
        provisioningMessage: "m",
        provisioningUpdateTime: "2026-01-01T00:00:00Z",
      },
      provisionedResourceSet: { oCloudNodeClusterId: "c-1" },
    });
    const status = computeStatus({
      observation: { kind: "mirrored", remote: r },
      ocloud: "edge-ocloud",
      remote: restRefOf(fpr()),
    });
    expect(status.phase).toBe("Synced");
    expect(status.remoteName).toBe(UID);
    expect(status.remoteState?.oCloudNodeClusterId).toBe("c-1");
  });

  it("treats DELETING as a remote being deleted, FAILED as Failed, PROGRESSING as Creating", () => {
    expect(remoteOf(info("DELETING")).metadata.deletionTimestamp).toBe("2026-01-01T00:00:00Z");
    const phase = (p: Parameters<typeof info>[0]) =>
      computeStatus({ observation: { kind: "mirrored", remote: remoteOf(info(p)) }, ocloud: "o", remote: restRefOf(fpr()) })
        .phase;
    expect(phase("FAILED")).toBe("Failed");
    expect(phase("PROGRESSING")).toBe("Creating");
    expect(phase("DELETING")).toBe("Creating");
    expect(isSettled(info("FULFILLED"))).toBe(true);
    expect(isSettled(info("PROGRESSING"))).toBe(false);
  });
});

describe("O2 IMS errors keep their meaning", () => {
  const classify = (status: number, detail = "d", op: "read" | "write" | "delete" = "write") =>
    classifyFailure(problemError(status, { status, detail }), "edge-ocloud", op);

  it("422 is a rejection with the O-Cloud's field-named reasons; 401/403 name the credential; 5xx and network failures retry", () => {
    const rejected = classify(422, 'admission webhook "x" denied the request: spec.templateParameters.hosts: bad');
    expect(rejected).toMatchObject({ kind: "rejected", reason: "Rejected" });
    expect(rejected.message).toContain("spec.templateParameters.hosts: bad");
    expect(classify(401)).toMatchObject({ kind: "unauthorized", reason: "Unauthorized" });
    expect(classify(401).message).toContain("spec.o2ims.tokenSecretRef");
    expect(classify(403, "the caller may not create provisioningrequests")).toMatchObject({
      kind: "unauthorized",
      reason: "Forbidden",
    });
    expect(classify(403, 'admission webhook "x" denied the request: no')).toMatchObject({ kind: "rejected" });
    expect(classify(503)).toMatchObject({ kind: "unreachable", reason: "Unreachable" });
    expect(classify(429)).toMatchObject({ kind: "unreachable" });
    expect(classifyFailure(new Error("connect ECONNREFUSED 127.0.0.1:1"), "edge-ocloud", "read")).toMatchObject({
      kind: "unreachable",
      message: "cannot reach O-Cloud edge-ocloud: connect ECONNREFUSED 127.0.0.1:1",
    });
  });

  it("reads a problem's detail and invalidParams, bounded, and falls back to the status", () => {
    const e = problemError(422, {
      detail: "x".repeat(2000),
      invalidParams: [{ param: "templateParameters", reason: "r" }, { bad: 1 }],
    });
    expect(e).toBeInstanceOf(O2imsError);
    expect(e.message.length).toBeLessThan(700);
    expect(e.invalidParams).toEqual([{ param: "templateParameters", reason: "r" }]);
    expect(problemError(502, "<html>").message).toBe("HTTP 502");
  });
});

describe("OCloud spec.o2ims admission and conditions", () => {
  it("admits an https URL with a token Secret and a PEM caBundle", () => {
    expect(ocloudViolations("smo", restOCloud.spec)).toEqual([]);
    expect(ocloudViolations("smo", { o2ims: { url: "https://10.0.0.1:8443", tokenSecretRef: { name: "t", key: "k" } } })).toEqual(
      [],
    );
  });

  it("denies http, credentials or a query in the URL, a non-URL and a caBundle that is no PEM, naming each field", () => {
    const rules = (o2ims: Record<string, unknown>) =>
      ocloudViolations("smo", { o2ims: { tokenSecretRef: { name: "t" }, ...o2ims } as never }).map(v => `${v.field} ${v.rule}`);
    expect(rules({ url: "http://o2ims.example" })).toEqual(["spec.o2ims.url https-url"]);
    expect(rules({ url: "https://u:secret@o2ims.example/?a=1" })).toEqual([
      "spec.o2ims.url no-credentials",
      "spec.o2ims.url base-url",
    ]);
    expect(rules({ url: "o2ims" })).toEqual(["spec.o2ims.url https-url"]);
    expect(rules({ url: "https://o", caBundle: "nope" })).toEqual(["spec.o2ims.caBundle pem-certificates"]);
    const messages = ocloudViolations("smo", { o2ims: { url: "https://u:secret@o", tokenSecretRef: { name: "t" } } }).map(
      v => v.message,
    );
    expect(messages.join()).not.toContain("secret@");
  });

  it("OCloud conditions say the transport, how status arrives, and the failure", () => {
    expect(ocloudConditions(restOCloud, {}).map(c => [c.type, c.status, c.reason])).toEqual([
      ["Reachable", "True", "Reachable"],
      ["Transport", "True", "Rest"],
      ["StatusDelivery", "True", "Polling"],
    ]);
    const failure = classifyFailure(problemError(401, { detail: "no" }), "edge-ocloud", "read");
    expect(ocloudConditions(restOCloud, { failure })[0]).toMatchObject({ status: "False", reason: "Unauthorized" });
  });
});
