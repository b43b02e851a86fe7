/**
 * The inventory service's own settings (CloudInfo), read from the environment once, beside o2ims-api/settings.ts
 * (the core's) and o2ims-api/subscriptions/settings.ts.
 */
export interface InventorySettings {
  /** OCP_O2IMS_CLOUD_NAME (o-cloud): CloudInfo name. */
  name: string;
  /** OCP_O2IMS_CLOUD_DESCRIPTION: CloudInfo description. */
  description: string;
  /** OCP_O2IMS_GLOBAL_CLOUD_ID: the id the SMO gave this O-Cloud (a UUID); unset = the oCloudId. */
  globalCloudId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readInventorySettings(env: NodeJS.ProcessEnv = process.env): InventorySettings {
  const globalCloudId = env.OCP_O2IMS_GLOBAL_CLOUD_ID ?? "";
  if (globalCloudId && !UUID.test(globalCloudId))
    throw new Error(`OCP_O2IMS_GLOBAL_CLOUD_ID: "${globalCloudId}" must be a UUID (the id the SMO assigned to this O-Cloud)`);
  return {
    name: env.OCP_O2IMS_CLOUD_NAME || "o-cloud",
    description: env.OCP_O2IMS_CLOUD_DESCRIPTION || "An O-Cloud of bare-metal hosts provisioned with Cluster API + BYOH",
    globalCloudId,
  };
}
