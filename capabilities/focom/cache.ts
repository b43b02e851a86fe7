/** The FOCOM capability's view of the SMO cluster: informers over the kinds it reads, started once per process. */
import type { FocomProvisioningRequestSpec, FocomProvisioningRequestStatus, OCloudSpec } from "../../api/generated/types";
import { Informer } from "../../kube/informer";
import { KubeClient, KubeObject } from "../../kube/client";
import { R } from "../../kube/resources";
import type { TemplateInfoObject } from "../../generators/templates";

export interface FPRObject extends KubeObject {
  spec?: FocomProvisioningRequestSpec;
  status?: FocomProvisioningRequestStatus;
}

export interface OCloudObject extends KubeObject {
  spec?: OCloudSpec;
}

export class FocomCache {
  readonly requests: Informer<FPRObject>;
  readonly oclouds: Informer<OCloudObject>;
  readonly templateInfos: Informer<TemplateInfoObject>;

  constructor(
    readonly client: KubeClient,
    private readonly opts: { requests: boolean },
  ) {
    this.requests = new Informer<FPRObject>(client, R.FocomProvisioningRequest);
    this.oclouds = new Informer<OCloudObject>(client, R.OCloud);
    this.templateInfos = new Informer<TemplateInfoObject>(client, R.TemplateInfo);
  }

  async start(): Promise<void> {
    await Promise.all([this.oclouds, this.templateInfos, ...(this.opts.requests ? [this.requests] : [])].map(i => i.start()));
  }

  inNamespace<T extends KubeObject>(informer: Informer<T>, namespace: string): T[] {
    return informer.list(o => o.metadata.namespace === namespace);
  }
}
