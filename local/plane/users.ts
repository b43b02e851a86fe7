/** Kubeconfigs for other users of a plane, to test what RBAC lets them do (the admin is in system:masters). */
import fs from "node:fs";
import path from "node:path";
import { writeKubeconfig } from "./kubeconfig";
import { issueCert, planeCa } from "./pki";

/** Writes <plane dir>/users/<user>.kubeconfig with a client certificate for user in groups; returns its path. */
export async function userKubeconfig(plane: { dir: string; name: string; server: string }, user: string, groups: string[] = []) {
  const dir = path.join(plane.dir, "users");
  fs.mkdirSync(dir, { recursive: true });
  const safe = user.replace(/[^A-Za-z0-9_.-]/g, "_");
  const cert = await issueCert(planeCa(plane.dir), dir, safe, { cn: user, org: groups, usage: "client" });
  const file = path.join(dir, `${safe}.kubeconfig`);
  writeKubeconfig(file, {
    name: plane.name,
    user,
    server: plane.server,
    caCert: planeCa(plane.dir).cert,
    clientCert: cert.cert,
    clientKey: cert.key,
  });
  return file;
}
