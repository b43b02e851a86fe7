/** Kubernetes name and label syntax (apimachinery's IsDNS1123Label / IsDNS1123Subdomain / IsValidLabelValue). */

export const MAX_LABEL_VALUE_LENGTH = 63;
export const MAX_DNS1123_LABEL_LENGTH = 63;
export const MAX_DNS1123_SUBDOMAIN_LENGTH = 253;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const isDns1123Label = (s: string) => s.length <= MAX_DNS1123_LABEL_LENGTH && DNS1123_LABEL.test(s);

export const isDns1123Subdomain = (s: string) =>
  s.length > 0 && s.length <= MAX_DNS1123_SUBDOMAIN_LENGTH && s.split(".").every(part => DNS1123_LABEL.test(part));

/** A label value; the empty string is a valid label value. */
export const isLabelValue = (s: string) => s.length <= MAX_LABEL_VALUE_LENGTH && LABEL_VALUE.test(s);
