/**
 * Declares an O-Cloud to an SMO plane over the O2 IMS REST API, as an operator would (README "FOCOM over O2 IMS
 * REST"): on the O-Cloud, the SMO's REST identity from deploy/ocloud-o2ims-rest-identity.yaml and a token for it;
 * on the SMO, a Secret holding only that token and an OCloud with spec.o2ims (URL, token Secret, the server's CA).
 * No kubeconfig of the O-Cloud reaches the SMO. Used by npm start --transport rest, the tests and the bench.
 */
import fs from "node:fs";
import path from "node:path";
import { loadAll } from "js-yaml";
import { KubeClient, KubeObject } from "../kube/client";
import { R } from "../kube/resources";
import { applyIdentity, requestToken } from "./identity";
import type { O2imsApiProcess } from "./o2ims-api";

const IDENTITY_FILE = path.resolve(__dirname, "..", "deploy", "ocloud-o2ims-rest-identity.yaml");
export const SMO_REST_IDENTITY = { name: "o-cloud-provisioner-smo-rest", namespace: "pepr-system" };

export interface RestOCloud {
  name: string;
  namespace: string;
  tokenSecret: string;
  /** The OCloud's spec (for re-applying a changed URL in tests). */
  spec: { o2ims: { url: string; tokenSecretRef: { name: string; key: string }; caBundle: string } };
}

export async function declareRestOCloud(opts: {
  /** Admin client of the O-Cloud plane. */
  ocloudAdmin: KubeClient;
  /** Client of the SMO plane that may create Secrets and OClouds. */
  smo: KubeClient;
  api: O2imsApiProcess;
  name: string;
  namespace: string;
}): Promise<RestOCloud> {
  const docs = (loadAll(fs.readFileSync(IDENTITY_FILE, "utf8")) as KubeObject[]).filter(Boolean);
  await applyIdentity(opts.ocloudAdmin, docs);
  const token = await requestToken(opts.ocloudAdmin, SMO_REST_IDENTITY);
  const tokenSecret = `${opts.name}-o2ims-token`;
  await opts.smo.apply(R.Secret, {
    metadata: { name: tokenSecret, namespace: opts.namespace },
    type: "Opaque",
    stringData: { token },
  } as KubeObject);
  const spec: RestOCloud["spec"] = {
    o2ims: {
      url: opts.api.url,
      tokenSecretRef: { name: tokenSecret, key: "token" },
      caBundle: fs.readFileSync(opts.api.caFile, "utf8"),
    },
  };
  await opts.smo.apply(R.OCloud, { metadata: { name: opts.name, namespace: opts.namespace }, spec });
  return { name: opts.name, namespace: opts.namespace, tokenSecret, spec };
}
