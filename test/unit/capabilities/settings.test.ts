import { readSettings } from "../../../capabilities/environment";

describe("module settings from the environment", () => {
  it("default when unset or empty", () => {
    expect(readSettings({})).toEqual(readSettings({ OCP_RESYNC_SECONDS: "" }));
    expect(readSettings({}).resyncSeconds).toBe(300);
  });

  it("take every OCP_* tunable", () => {
    const s = readSettings({
      OCP_RESYNC_SECONDS: "30",
      OCP_RECONCILE_CONCURRENCY: "4",
      OCP_DELETION_STALL_SECONDS: "60",
      OCP_FOCOM_UNREACHABLE_RELEASE_SECONDS: "5",
      OCP_FOCOM_ADMISSION_BUDGET_MS: "500",
      OCP_FOCOM_REST_POLL_SECONDS: "1",
    });
    expect(s).toEqual({
      resyncSeconds: 30,
      reconcileConcurrency: 4,
      deletionStallSeconds: 60,
      focomUnreachableReleaseSeconds: 5,
      focomAdmissionBudgetMs: 500,
      focomRestPollSeconds: 1,
    });
  });

  it("refuse a value that is not a positive number, naming the variable", () => {
    expect(() => readSettings({ OCP_RECONCILE_CONCURRENCY: "many" })).toThrow(
      'OCP_RECONCILE_CONCURRENCY="many" must be a positive number',
    );
    expect(() => readSettings({ OCP_RESYNC_SECONDS: "0" })).toThrow("OCP_RESYNC_SECONDS");
  });
});
