/** BILLING_GRACE_PERIOD (functions/config.ts, core/periods/grace-period.ts): accepted values, and refusals at startup. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../functions/config";

const base = { BILLING_TABLE: "t" };
const grace = (value?: string) =>
  loadConfig(value === undefined ? base : { ...base, BILLING_GRACE_PERIOD: value }).gracePeriodMs;

describe("BILLING_GRACE_PERIOD", () => {
  it("defaults to PT0S (unset or blank) and takes ISO-8601 days, hours, minutes and seconds up to P3D", () => {
    expect(grace()).toBe(0);
    expect(grace(" ")).toBe(0);
    expect(grace("PT0S")).toBe(0);
    expect(grace("PT6H")).toBe(21_600_000);
    expect(grace("P1DT12H30M")).toBe(131_400_000);
    expect(grace("PT1.5S")).toBe(1_500);
    expect(grace("P3D")).toBe(259_200_000);
    expect(grace("PT72H")).toBe(259_200_000);
  });

  it("refuses more than P3D with a message naming the setting and the limit", () => {
    for (const value of ["P4D", "P3DT1S", "PT72H0.001S", "PT4320M1S"])
      expect(() => grace(value)).toThrow(
        `configuration: BILLING_GRACE_PERIOD must be an ISO-8601 duration of at most P3D (e.g. PT0S, PT6H, P1D); "${value}" is longer than 3 days`,
      );
  });

  it("refuses what is not a duration of days and time (weeks, months and years have no fixed length here)", () => {
    for (const value of ["1 day", "3d", "P", "PT", "P1W", "P1M", "P1Y", "-PT1H", "PT-1H", "P1DT", "86400"])
      expect(() => grace(value)).toThrow(/^configuration: BILLING_GRACE_PERIOD must be an ISO-8601 duration .*got "/);
  });
});
