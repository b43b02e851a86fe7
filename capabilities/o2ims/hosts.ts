/**
 * Host pinning checks against the live ByoHosts (pure). BYOH selects hosts across all namespaces, so a host is
 * looked up by name in every namespace. Pinning labels are given to the BYOH agent at registration (--label
 * host-id=...); BYOH's webhook forbids anyone else to relabel a ByoHost, so a mismatch is reported, never fixed.
 */
import type { Violation } from "../../generators/parameters";
import type { ByohTemplateParameters } from "../../api/generated/types";
import type { KubeObject } from "../../kube/types";
import { CAPI_CLUSTER_NAME_LABEL } from "../../api/vocabulary";
import { isAttachedTo } from "../../generators/names";

export interface HostContext {
  namespace: string;
  pinningLabel: string;
  /** The ByoHosts of that name, in any namespace. */
  byoHostsNamed(name: string): KubeObject[];
  /** Other live requests (not this one, not being deleted) that pin a host of that name or hostId. */
  pinnedBy(hostName: string, hostId: string): { namespace: string; name: string }[];
  /** Another live request holding the host's claim (capabilities/o2ims/claims.ts), if any. */
  claimedBy?(hostId: string): { namespace: string; name: string } | undefined;
  /** Host names this request already had before the update (they may be attached to its own cluster). */
  previousHostNames?: Set<string>;
}

type Host = { hostId: string | number; hostName: string; hostIp?: string };

export function hostsOf(params: Partial<ByohTemplateParameters>): { role: "masters" | "workers"; index: number; host: Host }[] {
  const out: { role: "masters" | "workers"; index: number; host: Host }[] = [];
  for (const role of ["masters", "workers"] as const) {
    (params.hosts?.[role] ?? []).forEach((host, index) => out.push({ role, index, host }));
  }
  return out;
}

export function checkHosts(params: ByohTemplateParameters, ctx: HostContext, prefix = "spec.templateParameters"): Violation[] {
  const violations: Violation[] = [];
  for (const { role, index, host } of hostsOf(params)) {
    const field = `${prefix}.hosts.${role}[${index}]`;
    const matches = ctx.byoHostsNamed(host.hostName);
    if (matches.length === 0) {
      violations.push({
        field: `${field}.hostName`,
        rule: "host-registered",
        message: `no ByoHost named "${host.hostName}" is registered in any namespace (start the BYOH agent on that host first)`,
      });
      continue;
    }
    if (matches.length > 1) {
      violations.push({
        field: `${field}.hostName`,
        rule: "host-unique",
        message: `ByoHost "${host.hostName}" exists in several namespaces (${matches.map(m => m.metadata.namespace).join(", ")}); BYOH cannot tell them apart`,
      });
      continue;
    }
    const byoHost = matches[0];
    const label = byoHost.metadata.labels?.[ctx.pinningLabel];
    if (label !== String(host.hostId)) {
      violations.push({
        field: `${field}.hostId`,
        rule: "host-pinning-label",
        message:
          `ByoHost ${byoHost.metadata.namespace}/${host.hostName} has label ${ctx.pinningLabel}=${label ?? "(none)"}, ` +
          `not "${host.hostId}"; pinning labels are set when the BYOH agent registers the host (--label ${ctx.pinningLabel}=${host.hostId})`,
      });
      continue;
    }
    const attachedTo = byoHost.metadata.labels?.[CAPI_CLUSTER_NAME_LABEL];
    const ownCluster = isAttachedTo(byoHost.metadata.labels, ctx.namespace, params.clusterName);
    const wasOurs = ctx.previousHostNames?.has(host.hostName) ?? false;
    const machineRef = (byoHost.status as { machineRef?: { name?: string } } | undefined)?.machineRef;
    if ((attachedTo || machineRef) && !(ownCluster && wasOurs)) {
      violations.push({
        field: `${field}.hostName`,
        rule: "host-free",
        message: `ByoHost ${host.hostName} is already attached to a machine${attachedTo ? ` of cluster ${attachedTo}` : ""}`,
      });
      continue;
    }
    const claimant = ctx.claimedBy?.(String(host.hostId));
    if (claimant) {
      violations.push({
        field: `${field}.hostId`,
        rule: "host-claimed",
        message: `host ${host.hostName} (hostId ${host.hostId}) is claimed by ProvisioningRequest ${claimant.namespace}/${claimant.name}`,
      });
      continue;
    }
    const other = ctx.pinnedBy(host.hostName, String(host.hostId))[0];
    const owner = other && `${other.namespace}/${other.name}`;
    if (owner) {
      violations.push({
        field: `${field}.hostName`,
        rule: "host-not-pinned-elsewhere",
        message: `host ${host.hostName} (hostId ${host.hostId}) is already pinned by ProvisioningRequest ${owner}`,
      });
    }
  }
  return violations;
}
