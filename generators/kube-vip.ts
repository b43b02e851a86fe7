/**
 * The kube-vip static pod that serves the control-plane VIP, written by kubeadm's bootstrap data on every
 * control-plane host. BYOH's agent renders each written file as a Go template with only .DefaultNetworkInterfaceName
 * defined, so that placeholder is emitted verbatim and no other "{{" may appear.
 */
import { needsSuperAdminConf, parseK8sVersion } from "./versions";

export const KUBE_VIP_MANIFEST_PATH = "/etc/kubernetes/manifests/kube-vip.yaml";
export const DEFAULT_KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v0.8.9";
export const INTERFACE_PLACEHOLDER = "{{ .DefaultNetworkInterfaceName }}";

const ADMIN_CONF = "/etc/kubernetes/admin.conf";
const SUPER_ADMIN_CONF = "/etc/kubernetes/super-admin.conf";

export function kubeVipManifest(opts: { address: string; port: number; image: string }): string {
  const subnet = opts.address.includes(":") ? "128" : "32";
  const env: [string, string][] = [
    ["cp_enable", "true"],
    ["cp_namespace", "kube-system"],
    ["vip_arp", "true"],
    ["vip_leaderelection", "true"],
    // BYOH template's timings: longer than kube-vip's defaults, tolerant of busy bare-metal hosts.
    ["vip_leaseduration", "15"],
    ["vip_renewdeadline", "10"],
    ["vip_retryperiod", "2"],
    ["address", opts.address],
    ["port", String(opts.port)],
    ["vip_subnet", subnet],
    ["vip_interface", INTERFACE_PLACEHOLDER],
  ];
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  name: kube-vip",
    "  namespace: kube-system",
    "spec:",
    "  containers:",
    "  - name: kube-vip",
    `    image: ${JSON.stringify(opts.image)}`,
    "    imagePullPolicy: IfNotPresent",
    "    args:",
    "    - manager",
    "    env:",
    ...env.flatMap(([name, value]) => [`    - name: ${name}`, `      value: ${JSON.stringify(value)}`]),
    "    securityContext:",
    "      capabilities:",
    "        add:",
    "        - NET_ADMIN",
    "        - NET_RAW",
    "    volumeMounts:",
    `    - mountPath: ${ADMIN_CONF}`,
    "      name: kubeconfig",
    "  hostAliases:",
    "  - hostnames:",
    "    - kubernetes",
    "    ip: 127.0.0.1",
    "  hostNetwork: true",
    "  volumes:",
    "  - name: kubeconfig",
    "    hostPath:",
    `      path: ${ADMIN_CONF}`,
    "      type: FileOrCreate",
    "",
  ].join("\n");
}

/**
 * For Kubernetes >= 1.29: mount super-admin.conf during `kubeadm init` and admin.conf afterwards. CABPK writes
 * /run/kubeadm/kubeadm.yaml only on the init node, so joining control-plane nodes keep admin.conf.
 */
export function superAdminCommands(k8sVersion: string): { pre: string[]; post: string[] } {
  const v = parseK8sVersion(k8sVersion);
  if (!v || !needsSuperAdminConf(v)) return { pre: [], post: [] };
  const swap = (from: string, to: string) =>
    `if [ -f /run/kubeadm/kubeadm.yaml ]; then sed -i 's#path: ${from}#path: ${to}#' ${KUBE_VIP_MANIFEST_PATH}; fi`;
  return { pre: [swap(ADMIN_CONF, SUPER_ADMIN_CONF)], post: [swap(SUPER_ADMIN_CONF, ADMIN_CONF)] };
}
