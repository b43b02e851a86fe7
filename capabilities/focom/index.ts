/** Capability focom: wiring only. FocomProvisioningRequest -> ProvisioningRequest on a local or remote O-Cloud. */
import { Capability } from "pepr";

export const Focom = new Capability({
  name: "focom",
  description: "FOCOM: mirrors FocomProvisioningRequests to ProvisioningRequests on their O-Cloud and reports status back",
});
