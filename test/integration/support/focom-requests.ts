/** Reading FocomProvisioningRequests, their conditions and Events in the FOCOM suites; waiting on them. */
import { KubeClient, KubeError, KubeObject } from "../../../kube/client";
import { R } from "../../../kube/resources";
import type { FocomProvisioningRequestSpec, FocomProvisioningRequestStatus } from "../../../api/generated/types";
import { waitFor } from "../../../local/plane/wait";

export type FPR = KubeObject & { spec: FocomProvisioningRequestSpec; status?: FocomProvisioningRequestStatus };
export type Cond = { type: string; status: string; reason: string; message: string; lastTransitionTime?: string };

export const getFPR = (client: KubeClient, name: string, ns: string) => client.find<FPR>(R.FocomProvisioningRequest, name, ns);

export const condition = (obj: { status?: { conditions?: unknown[] } } | undefined, type: string) =>
  (obj?.status?.conditions as Cond[] | undefined)?.find(c => c.type === type);

/** The request in that phase, with its status written for its current generation. */
export async function waitPhase(client: KubeClient, name: string, ns: string, phase: string, timeoutMs = 90_000): Promise<FPR> {
  let last: FPR | undefined;
  return waitFor(
    async () => {
      last = await getFPR(client, name, ns);
      return last?.status?.phase === phase && last.status.observedGeneration === last.metadata.generation ? last : undefined;
    },
    { timeoutMs, message: `FocomProvisioningRequest ${ns}/${name} ${phase} (last status: ${JSON.stringify(last?.status)})` },
  );
}

/** The request once its condition has that status. */
export const waitCondition = (client: KubeClient, name: string, ns: string, type: string, status: "True" | "False") =>
  waitFor(
    async () => {
      const fpr = await getFPR(client, name, ns);
      return fpr && condition(fpr, type)?.status === status ? fpr : undefined;
    },
    { timeoutMs: 60_000, message: `${type} ${status} on ${ns}/${name}` },
  );

export const eventReasons = async (client: KubeClient, ns: string, name: string) =>
  (await client.list(R.Event, { namespace: ns, fieldSelector: `involvedObject.name=${name}` })).map(
    e => (e as unknown as { reason: string }).reason,
  );

/** The error a write fails with (the test fails if it succeeds). */
export async function denial(request: Promise<unknown>): Promise<KubeError> {
  const outcome = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof KubeError)) throw new Error(`expected a denial, got ${String(outcome)}`);
  return outcome;
}
