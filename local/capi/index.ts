/** The real Cluster API + BYOH managers on a local plane (see README.md). Product code never imports this. */
export { BYOH_MANAGER_USER, BYOH_WEBHOOK_PORT, portFree, startCapi } from "./runner";
export type { CapiPlane, CapiRunner, CapiRunnerOptions, ManagerProcess } from "./runner";
export { BYOH_VERSION, CAPI_VERSION, managerBinaries, MANAGERS } from "./modules";
export type { ManagerName } from "./modules";
export { CONTRACT_LABEL, installManagerCrds, managerCrds } from "./manifests";
