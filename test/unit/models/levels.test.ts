import { describe, expect, it } from "vitest";
import { levelFeature, levelQuote, levelsFor, quota, seatCredits, seats } from "../../../core/models/levels";
import { parseMoney, SCALE, units } from "../../../core/money";
import type { PlanFeature } from "../../../core/plans/plan";
import { plan, T0, wallet } from "./fixtures";

const editors: PlanFeature = { feature: "editors", kind: "SEATS", included: units(3), overagePrice: units(10) };
const projects: PlanFeature = {
  feature: "projects",
  kind: "QUOTA",
  included: units(2),
  overagePrice: parseMoney("2.25"),
};
const team = plan({ code: "team", model: "METERED", features: [editors, projects] });
const at = (level: number, peak: number, feature = "editors") =>
  wallet("team", { levels: { [feature]: units(level) }, peaks: { [feature]: units(peak) } });
const DAY = 86_400_000;
/** Jan 1 + `days`: the period is Jan 1 to Feb 1, 31 days. */
const day = (days: number) => new Date(Date.parse(T0) + days * DAY);

describe("SEATS", () => {
  it("bills the seats added beyond what the period paid for, pro rata, exact to 10^-12", () => {
    const full = { num: 31n, den: 31n };
    // Within included, or within the peak: nothing.
    expect(seats.immediate(at(0, 0), editors, units(3), full)).toBeUndefined();
    expect(seats.immediate(at(4, 6), editors, units(6), full)).toBeUndefined();
    // Exactly one over the peak, the whole period: 10.00.
    expect(seats.immediate(at(4, 6), editors, units(7), full)).toMatchObject({ quantity: units(1), amount: units(10) });
    // 16 of 31 days left: 10 x 16/31 = 5.161290322580645... -> 5.161290322581 at 10^-12.
    expect(seats.immediate(at(5, 5), editors, units(6), { num: 16n, den: 31n })).toEqual({
      quantity: units(1),
      unitPrice: 5_161_290_322_581n,
      amount: 5_161_290_322_581n,
      fraction: { num: 16n, den: 31n },
    });
    // No time left: nothing; a huge count: exact.
    expect(seats.immediate(at(0, 0), editors, units(10), { num: 0n, den: 31n })).toBeUndefined();
    expect(seats.immediate(at(0, 0), editors, units(1_000_003), { num: 1n, den: 3n })?.amount).toBe(
      3_333_333_333_333_333_333n, // 1,000,000 x 10 / 3 = 3,333,333.333333333333 (rounded at 10^-12)
    );
  });

  it("bills extra seats in advance and gives back the paid extra seats of a period cut short", () => {
    expect(seats.advance(at(5, 6), editors)).toEqual([
      expect.objectContaining({ feature: "editors", quantity: units(2), unitPrice: units(10) }),
    ]);
    expect(seats.advance(at(3, 6), editors)).toEqual([]);
    // Paid for 6 (3 extra), cut short with 10 of 31 days left: -3 x 10 x 10/31 = -9.677419354839.
    expect(seatCredits(at(4, 6), team, day(21))).toEqual([
      expect.objectContaining({ feature: "editors", quantity: -units(3), amount: -9_677_419_354_839n }),
    ]);
    expect(seatCredits(at(4, 6), team, day(31))).toEqual([]);
  });

  it("says whether one more seat is paid for, and what it would invoice now", () => {
    expect(seats.entitlementView(at(4, 6), editors)).toEqual({
      used: units(4),
      included: units(3),
      remaining: units(2),
      unitPrice: 0n,
    });
    expect(seats.entitlementView(at(6, 6), editors)).toMatchObject({ remaining: 0n, unitPrice: units(10) });
    expect(levelQuote(at(6, 6), editors, SCALE, day(0))).toBe(units(10));
    expect(levelQuote(at(4, 6), editors, SCALE, day(0))).toBeUndefined();
  });
});

describe("QUOTA", () => {
  it("bills the period's peak above included, whatever the level now", () => {
    expect(quota.overage(at(1, 5, "projects"), projects)).toEqual([
      expect.objectContaining({ feature: "projects", quantity: units(3), unitPrice: parseMoney("2.25") }),
    ]);
    expect(quota.overage(at(2, 2, "projects"), projects)).toEqual([]);
    expect(quota.usageView(at(1, 5, "projects"), projects)).toMatchObject({
      current: units(1),
      peak: units(5),
      overage: units(3),
      cost: parseMoney("6.75"),
    });
    // Up to the peak adds nothing; past it, the units past it.
    expect(levelQuote(at(1, 5, "projects"), projects, units(4), day(3))).toBeUndefined();
    expect(levelQuote(at(1, 5, "projects"), projects, units(6), day(3))).toBe(parseMoney("4.5"));
  });
});

describe("plan features and plan changes", () => {
  it("takes included, overagePrice and limit, whole seats, a limit not below included", () => {
    const on = "input.features[0]";
    expect(levelFeature({ feature: "editors", included: units(3) }, "SEATS", on)).toEqual({
      feature: "editors",
      kind: "SEATS",
      included: units(3),
      overagePrice: 0n,
    });
    expect(() => levelFeature({ feature: "editors", included: parseMoney("2.5") }, "SEATS", on)).toThrow(
      "input.features[0].included must be a whole number of seats",
    );
    expect(() => levelFeature({ feature: "p", creditsPerUnit: units(1) }, "QUOTA", on)).toThrow(
      "input.features[0].creditsPerUnit does not apply to a QUOTA feature (it takes included, overagePrice, limit)",
    );
    expect(() => levelFeature({ feature: "p", included: units(5), limit: units(4) }, "QUOTA", on)).toThrow(
      "input.features[0].limit must not be below input.features[0].included (5)",
    );
  });

  it("keeps only the levels a plan has features for", () => {
    const both = wallet("team", {
      levels: { editors: units(4), gone: units(2) },
      peaks: { editors: units(6), gone: units(2) },
    });
    expect(levelsFor(both, team)).toMatchObject({ levels: { editors: units(4) }, peaks: { editors: units(6) } });
  });
});
