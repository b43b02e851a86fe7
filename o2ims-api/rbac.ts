/**
 * Everything the O2 IMS REST server's own ServiceAccount may do, in one table: scripts/build/artifacts.ts renders it
 * as the server's ClusterRole in the chart and the manifest, local/o2ims-api.ts applies that manifest, so a rule
 * missing here fails the tests as it would in a cluster. Least privilege: reviews to judge callers, and the
 * resources each service serves (callers' own RBAC is checked on every call before the server acts for them).
 * Each service adds its rules here, with why.
 */
import { O2IMS_GROUP, R } from "../kube/resources";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Name of the ServiceAccount, ClusterRole and ClusterRoleBinding (namespace: the chart's, pepr-system). */
export const O2IMS_API_IDENTITY = "o-cloud-provisioner-o2ims-api";

export const O2IMS_API_RULES: PolicyRule[] = [
  // Authentication and authorisation of callers (auth.ts).
  { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
  { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  // The provisioning service (provisioning/index.ts): list/get for reads, create/update/delete for writes, watch
  // for the provisioning-state subscriptions; patch for no operation yet but kept with update as one verb set.
  {
    apiGroups: [O2IMS_GROUP],
    resources: [R.ProvisioningRequest.plural],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  // The inventory service (inventory/view.ts): informers on what it shows, read-only. ByoHosts are resources,
  // Namespaces give the pools their ids and names, Clusters are the deployment managers. No Secret, ever.
  { apiGroups: [R.ByoHost.group], resources: [R.ByoHost.plural], verbs: ["list", "watch"] },
  { apiGroups: [R.Cluster.group], resources: [R.Cluster.plural], verbs: ["list", "watch"] },
  { apiGroups: [R.Namespace.group], resources: [R.Namespace.plural], verbs: ["list", "watch"] },
  // Subscriptions (subscriptions/store.ts): kept as O2imsSubscription CRs in the server's namespace (watched by
  // label, created and deleted over REST, their Delivering condition patched on status).
  { apiGroups: [O2IMS_GROUP], resources: [R.O2imsSubscription.plural], verbs: ["get", "list", "watch", "create", "delete"] },
  { apiGroups: [O2IMS_GROUP], resources: [`${R.O2imsSubscription.plural}/status`], verbs: ["patch"] },
];
