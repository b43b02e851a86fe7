import { cniConfigMaps, CniResources } from "../../../capabilities/o2ims/cni";
import { PR_STATUS_POLICY } from "../../../capabilities/o2ims/reconciler";
import { clusterStatus, computeStatus, ObservedCluster, PRStatus, statusEvents } from "../../../capabilities/o2ims/status";
import type { ClusterTemplateSpec } from "../../../api/generated/types";
import type { KubeClient, KubeObject, WatchPhase } from "../../../kube/client";
import { nextStatus } from "../../../kube/status-writer";

const NOW = new Date("2026-01-01T00:10:00Z");
const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";

const template = (cni: ClusterTemplateSpec["cni"]) => ({ cni }) as ClusterTemplateSpec;
const CALICO = template({ mode: "ClusterResourceSet", resources: [{ kind: "ConfigMap", name: "calico-cni" }] });

const attachedMaster = {
  metadata: {
    name: "target-3",
    uid: "uid-target-3",
    labels: {
      "host-id": "3",
      "cluster.x-k8s.io/cluster-name": "edge",
      "byoh.infrastructure.cluster.x-k8s.io/byomachine-name": "ns.edge-m",
    },
  },
  status: { machineRef: { name: "edge-m" } },
};
const kcp = (initialized: boolean, ready: number): KubeObject => ({
  metadata: { name: "edge-control-plane", namespace: "ns", generation: 1 },
  status: { initialized, readyReplicas: ready, updatedReplicas: ready, version: "v1.32.0", observedGeneration: 1 },
});
const cluster: KubeObject = {
  metadata: { name: "edge", namespace: "ns", uid: "uid-edge" },
  status: { controlPlaneReady: false },
};

function observed(over: Partial<ObservedCluster> = {}): ObservedCluster {
  return {
    namespace: "ns",
    clusterName: "edge",
    k8sVersion: "v1.32.0",
    pinningLabel: "host-id",
    hosts: [{ hostId: "3", hostName: "target-3", role: "master" }],
    machineDeployments: new Map(),
    byoHosts: [attachedMaster],
    cluster,
    controlPlane: kcp(true, 0),
    cniMissing: ["calico-cni"],
    timeouts: { hostsSeconds: 600, controlPlaneSeconds: 600, workersSeconds: 600 },
    now: NOW,
    ...over,
  };
}

const write = (o: ObservedCluster, previous?: PRStatus, now = T0) =>
  nextStatus(previous, clusterStatus(computeStatus(o), previous, now, "applied"), PR_STATUS_POLICY, 1, now);
const ready = (s: PRStatus) => s.conditions!.find(c => c.type === "Ready")!;

describe("a missing CNI ConfigMap in the request's status", () => {
  it("is named with the command that creates it while the cluster waits for its first node", () => {
    const s = computeStatus(observed());
    expect(s.state).toBe("progressing");
    expect(s.stage).toBe("ControlPlaneProvisioning");
    expect(s.message).toBe(
      "control plane 0/1 ready; nodes stay NotReady without the CNI: the ConfigMap calico-cni is missing in namespace ns " +
        "on the O-Cloud (the cluster's ClusterResourceSet applies it); create it: " +
        "kubectl -n ns create configmap calico-cni --from-file=<manifest>.yaml (README, CNI)",
    );
    expect(s.conditions.find(c => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "CNIResourceMissing",
      message: s.message,
    });
    // Progressing keeps the stage as its reason: the stage is still the control plane's.
    expect(s.conditions.find(c => c.type === "Progressing")).toMatchObject({ reason: "ControlPlaneProvisioning" });
  });

  it("names every missing ConfigMap", () => {
    const s = computeStatus(observed({ cniMissing: ["calico-cni", "calico-extra"] }));
    expect(s.message).toContain("the ConfigMaps calico-cni, calico-extra are missing in namespace ns");
    expect(s.message).toContain("kubectl -n ns create configmap calico-extra --from-file=<manifest>.yaml");
  });

  it("is not said before the control plane is initialized, nor once a node is Ready, nor when nothing is missing", () => {
    for (const o of [
      observed({ controlPlane: kcp(false, 0) }),
      observed({ controlPlane: kcp(true, 1), cluster: { ...cluster, status: { controlPlaneReady: true } } }),
      observed({ cniMissing: [] }),
      observed({ cniMissing: undefined }),
    ]) {
      const s = computeStatus(o);
      expect(s.message).not.toContain("CNI");
      expect(s.conditions.find(c => c.type === "Ready")!.reason).not.toBe("CNIResourceMissing");
    }
  });

  it("is kept in the message of a stage that times out, whose reason stays StageTimedOut", () => {
    const s = computeStatus(
      observed({ previousStage: { name: "ControlPlaneProvisioning", since: "2026-01-01T00:00:00Z" } }), // 600 s ago
    );
    expect(s.state).toBe("failed");
    expect(s.message).toMatch(/^timed out after 600s in stage ControlPlaneProvisioning: control plane 0\/1 ready; .*calico-cni/);
    expect(s.conditions.find(c => c.type === "Ready")!.reason).toBe("StageTimedOut");
  });

  it("records one Warning Event when it starts, none while it lasts, and the state Event once it is fulfilled", () => {
    const waiting = write(observed({ cniMissing: [] }));
    const missing = write(observed(), waiting, T1);
    expect(ready(missing).reason).toBe("CNIResourceMissing");
    expect(statusEvents(waiting, missing)).toEqual([
      { type: "Warning", reason: "CNIResourceMissing", message: missing.provisioningStatus!.provisioningMessage },
    ]);
    expect(statusEvents(missing, write(observed(), missing, T1))).toEqual([]);
    const found = write(observed({ cniMissing: [] }), missing, T1);
    expect(found.provisioningStatus?.provisioningMessage).toBe("control plane 0/1 ready");
    expect(statusEvents(missing, found)).toEqual([]);
    const fulfilled = write(
      observed({ cniMissing: [], controlPlane: kcp(true, 1), cluster: { ...cluster, status: { controlPlaneReady: true } } }),
      found,
      T1,
    );
    expect(statusEvents(found, fulfilled)).toEqual([expect.objectContaining({ type: "Normal", reason: "Fulfilled" })]);
  });
});

describe("cniConfigMaps", () => {
  it("lists the ConfigMaps of a ClusterResourceSet CNI, never its Secrets", () => {
    const spec = template({
      mode: "ClusterResourceSet",
      resources: [
        { kind: "ConfigMap", name: "calico-cni" },
        { kind: "Secret", name: "calico-secret" },
        { kind: "ConfigMap", name: "calico-extra" },
      ],
    });
    expect(cniConfigMaps(spec)).toEqual(["calico-cni", "calico-extra"]);
    expect(cniConfigMaps(template({ mode: "none" }))).toEqual([]);
    expect(cniConfigMaps(template(undefined))).toEqual([]);
    expect(cniConfigMaps(undefined)).toEqual([]);
  });
});

interface RecordedWatch {
  plural: string;
  onEvent: (phase: WatchPhase, obj: KubeObject) => void;
  opts: { fieldSelector?: string; onSynced?: () => void };
  stopped: boolean;
}

/** A client whose watches are recorded, so the test plays the API server's list and events. */
function recordingClient(watches: RecordedWatch[]): KubeClient {
  return {
    watch: (res: { plural: string }, onEvent: RecordedWatch["onEvent"], opts: RecordedWatch["opts"]) => {
      const w: RecordedWatch = { plural: res.plural, onEvent, opts, stopped: false };
      watches.push(w);
      return () => (w.stopped = true);
    },
  } as unknown as KubeClient;
}

const configMap = (namespace: string, name = "calico-cni"): KubeObject => ({ metadata: { name, namespace } });

describe("CniResources", () => {
  it("watches each name once, by field selector, and knows nothing until the first list", () => {
    const watches: RecordedWatch[] = [];
    const cni = new CniResources(recordingClient(watches));
    cni.track(["calico-cni"]);
    cni.track(["calico-cni", "calico-extra"]);
    expect(watches.map(w => [w.plural, w.opts.fieldSelector])).toEqual([
      ["configmaps", "metadata.name=calico-cni"],
      ["configmaps", "metadata.name=calico-extra"],
    ]);
    expect(cni.present("ns", "calico-cni")).toBeUndefined();
    expect(cni.missing(CALICO, "ns")).toEqual([]); // unknown is never reported missing
    cni.stop();
    expect(watches.every(w => w.stopped)).toBe(true);
  });

  it("reports what the list and the events say, and tells of presence changes only", () => {
    const watches: RecordedWatch[] = [];
    const cni = new CniResources(recordingClient(watches));
    const changes: (string | undefined)[] = [];
    cni.onChange(ns => changes.push(ns));
    cni.track(cniConfigMaps(CALICO));
    const [w] = watches;
    w.onEvent("ADDED", configMap("has"));
    w.opts.onSynced!();
    expect(changes).toEqual([undefined]); // the first list: every namespace may have changed
    expect(cni.missing(CALICO, "has")).toEqual([]);
    expect(cni.missing(CALICO, "lacks")).toEqual(["calico-cni"]);

    w.onEvent("ADDED", configMap("lacks"));
    w.onEvent("MODIFIED", configMap("lacks")); // e.g. Cluster API adding its owner reference
    w.opts.onSynced!(); // a relist after an outage
    expect(cni.missing(CALICO, "lacks")).toEqual([]);
    w.onEvent("DELETED", configMap("has"));
    expect(cni.present("has", "calico-cni")).toBe(false);
    expect(changes).toEqual([undefined, "lacks", "has"]);
  });
});
