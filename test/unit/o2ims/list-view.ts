/** An AdmissionView over plain lists, for unit tests (the module's is informer-backed and indexed). */
import type { AdmissionView } from "../../../capabilities/o2ims/admission";
import type { PRObject, TemplateObject } from "../../../capabilities/o2ims/cache";
import { hostsOf } from "../../../capabilities/o2ims/hosts";
import type { KubeObject } from "../../../kube/types";
import type { ByohTemplateParameters } from "../../../api/generated/types";

export function listView(template: TemplateObject, hosts: KubeObject[], requests: PRObject[] = []): AdmissionView {
  const params = (r: PRObject) => (r.spec.templateParameters ?? {}) as Partial<ByohTemplateParameters>;
  return {
    templates: () => [template],
    byoHostsNamed: name => hosts.filter(h => h.metadata.name === name),
    requestsPinning: (hostName, hostId) =>
      requests.filter(r => hostsOf(params(r)).some(({ host }) => host.hostName === hostName || String(host.hostId) === hostId)),
    requestsForCluster: (ns, clusterName) =>
      requests.filter(r => r.metadata.namespace === ns && params(r).clusterName === clusterName),
  };
}
