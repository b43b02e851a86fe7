/**
 * Discovery of missing CRDs (kube/crds): one read per group version, a 404 group means all its CRDs are missing, and
 * the health check's period is fast only while something is wrong.
 */
import { CHECK_FAST_MS, CHECK_SLOW_MS, checkPeriodMs, missingCrds } from "../../../kube/crds";
import { KubeClient, KubeError } from "../../../kube/client";
import { R } from "../../../kube/resources";

describe("kube/crds", () => {
  it("reads each group version once and names the CRDs it does not serve", async () => {
    const paths: string[] = [];
    const client = {
      async request(_method: string, path: string) {
        paths.push(path);
        if (path === "/apis/infrastructure.cluster.x-k8s.io/v1beta1") throw new KubeError(404, "not found");
        return { resources: [{ name: "clusters" }, { name: "clusters/status" }] };
      },
    } as unknown as KubeClient;
    const missing = await missingCrds(client, [R.Cluster, R.MachineDeployment, R.ByoHost, R.ByoCluster, R.Secret]);
    expect(missing).toEqual([
      "byoclusters.infrastructure.cluster.x-k8s.io",
      "byohosts.infrastructure.cluster.x-k8s.io",
      "machinedeployments.cluster.x-k8s.io",
    ]);
    expect(paths.sort()).toEqual(["/apis/cluster.x-k8s.io/v1beta1", "/apis/infrastructure.cluster.x-k8s.io/v1beta1"]);
  });

  it("checks every 5 s while a CRD is missing, a read failed or a watch is down, else once a minute", () => {
    expect(checkPeriodMs({ missing: 0, failed: false, watchesDown: 0 })).toBe(CHECK_SLOW_MS);
    expect(checkPeriodMs({ missing: 1, failed: false, watchesDown: 0 })).toBe(CHECK_FAST_MS);
    expect(checkPeriodMs({ missing: 0, failed: true, watchesDown: 0 })).toBe(CHECK_FAST_MS);
    expect(checkPeriodMs({ missing: 0, failed: false, watchesDown: 2 })).toBe(CHECK_FAST_MS);
    expect(CHECK_SLOW_MS).toBe(60_000);
    expect(CHECK_FAST_MS).toBe(5_000);
  });
});
