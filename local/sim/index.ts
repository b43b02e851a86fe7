/** The CAPI/BYOH simulator for tests, demos and benchmarks (see README.md). Product code never imports this. */
export { Simulator } from "./simulator";
export type { SimulatorOptions } from "./simulator";
export type { Faults, HostFault } from "./context";
export { registerFleet, registerHost } from "./hosts";
export type { FleetOptions, HostRegistration } from "./hosts";
export { controlPlaneName, createAll, pinnedCluster, workerName } from "./fixtures";
export type { PinnedClusterSpec } from "./fixtures";
export { matchesSelector } from "./selector";
export type { LabelSelector } from "./selector";
