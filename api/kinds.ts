/** Pepr/kfc model classes for this module's CRDs; their spec/status types are generated from api/crds/*.yaml. */
import { a, RegisterKind } from "pepr";
import type {
  ClusterTemplateSpec,
  FocomProvisioningRequestSpec,
  FocomProvisioningRequestStatus,
  OCloudSpec,
  ProvisioningRequestSpec,
  ProvisioningRequestStatus,
  TemplateInfoSpec,
} from "./generated/types";
import { R, Resource } from "../kube/resources";

export class ProvisioningRequest extends a.GenericKind {
  declare spec?: ProvisioningRequestSpec;
  declare status?: ProvisioningRequestStatus;
}

export class FocomProvisioningRequest extends a.GenericKind {
  declare spec?: FocomProvisioningRequestSpec;
  declare status?: FocomProvisioningRequestStatus;
}

export class ClusterTemplate extends a.GenericKind {
  declare spec?: ClusterTemplateSpec;
}

export class OCloud extends a.GenericKind {
  declare spec?: OCloudSpec;
}

export class TemplateInfo extends a.GenericKind {
  declare spec?: TemplateInfoSpec;
}

const register = (model: typeof a.GenericKind, res: Resource) =>
  RegisterKind(model, { group: res.group, version: res.version, kind: res.kind, plural: res.plural });

register(ProvisioningRequest, R.ProvisioningRequest);
register(FocomProvisioningRequest, R.FocomProvisioningRequest);
register(ClusterTemplate, R.ClusterTemplate);
register(OCloud, R.OCloud);
register(TemplateInfo, R.TemplateInfo);
