/** The local environment's planes: local control planes, CRD installation, a TLS webhook server and condition waits. */
export { attachPlane, planeStatus, startPlane, stopPlane } from "./plane";
export type { Plane, PlaneComponent, PlaneStatus, StartOptions } from "./plane";
export { installCrds, loadCrds } from "./crds";
export type { CrdSet } from "./crds";
export { userKubeconfig } from "./users";
export { startWebhookServer } from "./webhook";
export type { AdmissionRequest, AdmissionVerdict, WebhookServer } from "./webhook";
export { delay, waitFor } from "./wait";
export type { WaitOptions } from "./wait";
