/** Kubernetes versions as kubeadm and Cluster API spell them: vMAJOR.MINOR.PATCH. */

export interface K8sVersion {
  major: number;
  minor: number;
  patch: number;
}

export const K8S_VERSION_PATTERN = /^v(\d+)\.(\d+)\.(\d+)$/;

export function parseK8sVersion(s: string): K8sVersion | undefined {
  const m = K8S_VERSION_PATTERN.exec(s);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export const compareK8sVersions = (a: K8sVersion, b: K8sVersion) => a.major - b.major || a.minor - b.minor || a.patch - b.patch;

/**
 * kubeadm >= 1.29 gives admin.conf no rights until `kubeadm init` has finished, so kube-vip (a static pod that
 * must serve the VIP during init) needs super-admin.conf on the init node (kube-vip/kube-vip#684).
 */
export const needsSuperAdminConf = (v: K8sVersion) => v.major > 1 || (v.major === 1 && v.minor >= 29);
