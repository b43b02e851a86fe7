/**
 * Every name derived from a request's name is checked at admission within its limit: the FocomProvisioningRequest's
 * mirror "<name>-o2ims" and both requests' Event names; label values derived from names are hashed, never denied.
 */
import { recordEvent } from "../../../kube/events";
import { KubeClient, KubeObject } from "../../../kube/client";
import { isDns1123Subdomain, isLabelValue } from "../../../generators/formats";
import {
  EVENT_NAME_SUFFIX_LENGTH,
  MAX_FOCOM_REQUEST_NAME,
  MAX_PROVISIONING_REQUEST_NAME,
  remoteRequestName,
  requestLabels,
  sanitizeLabelValue,
} from "../../../generators/names";
import { focomNameViolations, provisioningRequestNameViolations } from "../../../generators/templates";

const named = (n: number) => "a".repeat(n);

describe("derived-name limits", () => {
  it("the Event-name suffix is what kube/events.ts appends", async () => {
    let created: KubeObject | undefined;
    const client = { create: async (_: unknown, obj: KubeObject) => (created = obj) } as unknown as KubeClient;
    await recordEvent(client, { metadata: { name: "x", namespace: "ns" } }, "Normal", "R", "m", "c");
    expect(created!.metadata.name.length - 1).toBe(EVENT_NAME_SUFFIX_LENGTH);
  });

  it("a ProvisioningRequest name leaves room for its Events' names", () => {
    expect(provisioningRequestNameViolations(named(MAX_PROVISIONING_REQUEST_NAME))).toEqual([]);
    const [v] = provisioningRequestNameViolations(named(MAX_PROVISIONING_REQUEST_NAME + 1));
    expect(v).toMatchObject({ field: "metadata.name", rule: "derived-name-length" });
    expect(isDns1123Subdomain(`${named(MAX_PROVISIONING_REQUEST_NAME)}.${"z".repeat(EVENT_NAME_SUFFIX_LENGTH - 1)}`)).toBe(true);
  });

  it("a FocomProvisioningRequest name leaves room for its mirror <name>-o2ims and the mirror's Events", () => {
    expect(focomNameViolations(named(MAX_FOCOM_REQUEST_NAME), undefined)).toEqual([]);
    expect(remoteRequestName(named(MAX_FOCOM_REQUEST_NAME))).toHaveLength(MAX_PROVISIONING_REQUEST_NAME);
    for (const n of [MAX_FOCOM_REQUEST_NAME + 1, 249, 253]) {
      const [v] = focomNameViolations(named(n), undefined);
      expect(v).toMatchObject({ field: "metadata.name", rule: "derived-name-length" });
      expect(v.message).toContain(`at most ${MAX_FOCOM_REQUEST_NAME} characters, not ${n}`);
    }
  });

  it("oCloudNamespace must be a namespace name", () => {
    expect(focomNameViolations("ok", "o2ims")).toEqual([]);
    expect(focomNameViolations("ok", "")).toEqual([]);
    for (const ns of ["O2IMS", "a.b", named(64)]) {
      expect(focomNameViolations("ok", ns)).toEqual([
        expect.objectContaining({ field: "spec.oCloudNamespace", rule: "dns1123-label" }),
      ]);
    }
  });

  it("label values derived from a request's name are valid at any admitted length (hashed, not denied)", () => {
    const labels = requestLabels({ name: named(MAX_PROVISIONING_REQUEST_NAME), namespace: "ns", uid: "u" });
    for (const v of Object.values(labels)) expect(isLabelValue(v)).toBe(true);
    expect(sanitizeLabelValue(named(100))).not.toBe(sanitizeLabelValue(`${named(99)}b`));
  });
});
