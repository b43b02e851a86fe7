/**
 * The CRDs' condition schema and kube/'s metav1.Condition must stay one shape: kube/ may not import api/, so the
 * agreement is checked here, at compile time, in both directions (a drift in either fails `tsc`).
 */
import type { Condition } from "../kube/types";
import type { FocomProvisioningRequestStatus, ProvisioningRequestStatus } from "./generated/types";

type PRCondition = NonNullable<ProvisioningRequestStatus["conditions"]>[number];
type FPRCondition = NonNullable<FocomProvisioningRequestStatus["conditions"]>[number];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const conditionShapesAgree: [Same<PRCondition, Condition>, Same<FPRCondition, Condition>] = [true, true];
