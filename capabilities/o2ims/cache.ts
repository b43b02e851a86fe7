/** The O2IMS capability's view of the cluster: informers over the kinds it reads, started once per process. */
import { HOST_CLAIM_LABEL, O2IMS_REQUEST_ANNOTATION, O2IMS_REQUEST_NAME_LABEL } from "../../api/vocabulary";
import { Informer, keyOf } from "../../kube/informer";
import { KubeClient, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import type {
  ByohTemplateParameters,
  ClusterTemplateSpec,
  ProvisioningRequestSpec,
  ProvisioningRequestStatus,
} from "../../api/generated/types";
import { hostsOf } from "./hosts";
import { CLUSTER_TEMPLATES, resolveTemplate } from "../../generators/templates";
import { indexClaims, LEASE } from "./claims";

export interface PRObject extends KubeObject {
  spec: ProvisioningRequestSpec;
  status?: ProvisioningRequestStatus;
}
export interface TemplateObject extends KubeObject {
  spec: ClusterTemplateSpec;
}

export class O2imsCache {
  readonly requests: Informer<PRObject>;
  readonly templates: Informer<TemplateObject>;
  readonly byoHosts: Informer;
  readonly clusters: Informer;
  readonly controlPlanes: Informer;
  readonly machineDeployments: Informer;
  /** The host claims (Leases) in the claims namespace, indexed by host and by holder (capabilities/o2ims/claims). */
  readonly claims: Informer;

  constructor(
    readonly client: KubeClient,
    private readonly opts: { capi: boolean; claimsNamespace: string },
  ) {
    this.requests = new Informer<PRObject>(client, R.ProvisioningRequest);
    this.templates = new Informer<TemplateObject>(client, R.ClusterTemplate);
    this.byoHosts = new Informer(client, R.ByoHost);
    this.byoHosts.addIndex(HOST_LABELS, h => Object.entries(h.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`));
    this.byoHosts.addIndex(HOST_NAME, h => [h.metadata.name]);
    this.requests.addIndex(CLUSTER_NAME, pr => {
      const name = (pr.spec?.templateParameters as Partial<ByohTemplateParameters> | undefined)?.clusterName;
      return name ? [`${pr.metadata.namespace}/${name}`] : [];
    });
    this.requests.addIndex(PINNED_HOSTS, pr =>
      hostsOf((pr.spec?.templateParameters ?? {}) as Partial<ByohTemplateParameters>).flatMap(({ host }) => [
        `name:${host.hostName}`,
        `id:${host.hostId}`,
      ]),
    );
    // Only the objects this module generated (labelled back to their request) are watched.
    const owned = { labelSelector: O2IMS_REQUEST_NAME_LABEL };
    this.clusters = new Informer(client, R.Cluster, owned);
    this.controlPlanes = new Informer(client, R.KubeadmControlPlane, owned);
    this.machineDeployments = new Informer(client, R.MachineDeployment, owned);
    this.claims = new Informer(client, LEASE, { namespace: opts.claimsNamespace, labelSelector: HOST_CLAIM_LABEL });
    indexClaims(this.claims);
  }

  async start(): Promise<void> {
    const base = [this.requests, this.templates, this.byoHosts, this.claims];
    const capi = this.opts.capi ? [this.clusters, this.controlPlanes, this.machineDeployments] : [];
    await Promise.all([...base, ...capi].map(i => i.start()));
  }

  /** The ClusterTemplate a request's templateName / templateVersion resolve to (generators/templates' resolver). */
  findTemplate(name: string | undefined, version: string | undefined): TemplateObject | undefined {
    return resolveTemplate(this.templates.list(), name, version, CLUSTER_TEMPLATES).template;
  }
}

/** The ByoHosts carrying a label (key=value), and named so. */
export const HOST_LABELS = "labels";
export const HOST_NAME = "name";
/** The requests pinning a host: "name:<hostName>" and "id:<hostId>". */
export const PINNED_HOSTS = "pinnedHosts";
/** The requests asking for a cluster: "<namespace>/<clusterName>". */
export const CLUSTER_NAME = "clusterName";

/** The request key (namespace/name) a generated object points back to (the annotation: labels may be hashed). */
export function requestKeyOf(obj: KubeObject): string | undefined {
  return obj.metadata.annotations?.[O2IMS_REQUEST_ANNOTATION];
}

export { keyOf };
