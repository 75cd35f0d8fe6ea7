/**
 * What a settle charges, per model (ConsumptionStrategy.settle), and how an open hold carries
 * across a period change (openPeriod): pure, no database.
 */
import { describe, expect, it } from "vitest";
import { units } from "../../../core/money";
import { strategyFor } from "../../../core/models";
import { openPeriod, planCreditsLeft, purchasedCreditsLeft, usedOf } from "../../../core/wallet";
import { metered as feature, plan, subscription, wallet } from "./fixtures";

const images = feature("images", { creditsPerUnit: units(1) });
const starter = plan({ code: "starter", model: "CREDITS", includedCredits: units(100), features: [images] });
const blocking = plan({
  code: "b",
  model: "BALANCE",
  blockOnExhaustion: true,
  features: [feature("api", { unitPrice: units(1) })],
});
const payg = { ...blocking, blockOnExhaustion: false };
const charge = (f: string, q: bigint, more: { credits?: bigint; cost?: bigint }) => ({
  feature: f,
  quantity: q,
  ...more,
  guards: [],
});
const hold = (q: bigint, credits = 0n, amount = 0n) => ({ quantity: q, credits, amount });

describe("settle: what is charged for the actual usage", () => {
  it("CREDITS: the hold and what is available cover it; beyond both it is capped, the extra guarded", () => {
    const w = wallet("starter", { credits: units(5), heldCredits: units(10) });
    expect(
      strategyFor("CREDITS").settle(
        w,
        starter,
        charge("images", units(7), { credits: units(7) }),
        hold(units(10), units(10)),
        false,
      ),
    ).toEqual({
      charge: { ...charge("images", units(7), { credits: units(7) }) },
      capped: false,
    });
    expect(
      strategyFor("CREDITS").settle(
        w,
        starter,
        charge("images", units(20), { credits: units(20) }),
        hold(units(10), units(10)),
        false,
      ),
    ).toEqual({
      charge: {
        ...charge("images", units(20), { credits: units(15) }),
        guards: [{ kind: "credits", atLeast: units(5) }],
      },
      capped: true,
    });
  });

  it("BALANCE: a blocking plan caps at the hold and the balance left; a non-blocking one charges it all", () => {
    const w = wallet("b", { balance: -units(1), heldAmount: units(4) });
    const actual = charge("api", units(9), { cost: units(9) });
    expect(strategyFor("BALANCE").settle(w, blocking, actual, hold(units(4), 0n, units(4)), false)).toEqual({
      charge: { ...actual, cost: units(4) },
      capped: true,
    });
    expect(strategyFor("BALANCE").settle(w, payg, actual, hold(units(4), 0n, units(4)), false)).toEqual({
      charge: actual,
      capped: false,
    });
    // In a free trial a non-blocking plan caps like a blocking one: a trial bills no overage.
    expect(strategyFor("BALANCE").settle(w, payg, actual, hold(units(4), 0n, units(4)), true)).toEqual({
      charge: { ...actual, cost: units(4) },
      capped: true,
    });
    const funded = wallet("b", { balance: units(3), heldAmount: units(4) });
    expect(strategyFor("BALANCE").settle(funded, payg, actual, hold(units(4), 0n, units(4)), true)).toEqual({
      charge: { ...actual, cost: units(7), guards: [{ kind: "balance", atLeast: units(3) }] },
      capped: true,
    });
  });

  it("CREDITS in a free trial: as outside one (credits block anyway)", () => {
    const w = wallet("starter", { credits: units(5), heldCredits: units(10) });
    const actual = charge("images", units(20), { credits: units(20) });
    expect(strategyFor("CREDITS").settle(w, starter, actual, hold(units(10), units(10)), true)).toEqual(
      strategyFor("CREDITS").settle(w, starter, actual, hold(units(10), units(10)), false),
    );
  });

  it("METERED: all of it, whatever the limit", () => {
    const actual = {
      ...charge("calls", units(50), {}),
      guards: [{ kind: "limit" as const, feature: "calls", atMost: 0n }],
    };
    expect(
      strategyFor("METERED").settle(wallet("m"), plan({ code: "m", model: "METERED" }), actual, hold(units(5)), false),
    ).toEqual({
      charge: { ...actual, guards: [] },
      capped: false,
    });
  });
});

describe("settle in a free trial: METERED counts up to included", () => {
  const trialPlan = plan({ code: "m", model: "METERED", features: [feature("calls", { included: units(100) })] });
  // 80 used and this reservation's 10 held: the counter stores 90, 10 of included are left.
  const w = wallet("m", { usage: { calls: units(90) }, heldUsage: { calls: units(10) } });
  const settle = (actual: bigint) =>
    strategyFor("METERED").settle(w, trialPlan, charge("calls", actual, {}), hold(units(10)), true);

  it("within the hold and what is left of included: all of it, the extra guarded", () => {
    expect(settle(units(15))).toEqual({
      charge: { ...charge("calls", units(15), {}), guards: [{ kind: "limit", feature: "calls", atMost: units(95) }] },
      capped: false,
    });
    expect(settle(units(4))).toEqual({ charge: charge("calls", units(4), {}), capped: false });
  });

  it("beyond them: only up to included is counted, capped", () => {
    expect(settle(units(50))).toEqual({
      charge: { ...charge("calls", units(20), {}), guards: [{ kind: "limit", feature: "calls", atMost: units(90) }] },
      capped: true,
    });
    // Other holds fill included: only this hold's units are counted.
    const full = wallet("m", { usage: { calls: units(110) }, heldUsage: { calls: units(30) } });
    expect(
      strategyFor("METERED").settle(full, trialPlan, charge("calls", units(50), {}), hold(units(10)), true),
    ).toEqual({ charge: charge("calls", units(10), {}), capped: true });
  });
});

describe("openPeriod: an open hold carries into the next period", () => {
  it("the closing period is computed as if given back; the new one holds it again from its own grant", () => {
    // 100 plan credits, 20 used, 50 purchased; a hold of 90 (80 of the plan's, 10 purchased).
    const closing = wallet("starter", {
      planCredits: units(100),
      creditsUsed: units(20),
      purchasedCredits: units(50),
      credits: units(40),
      heldCredits: units(90),
      usage: { images: units(110) },
      heldUsage: { images: units(90) },
      holdsMade: 3,
      holdsDueAt: "2026-01-01T00:05:00.000Z",
    });
    expect(planCreditsLeft(closing)).toBe(0n);
    expect(purchasedCreditsLeft(closing)).toBe(units(40));
    expect(usedOf(closing, "images")).toBe(units(20));
    const next = openPeriod(closing, { planCredits: units(100), allowance: 0n }, subscription("starter"));
    expect(next).toMatchObject({
      purchasedCredits: units(50),
      credits: units(60),
      heldCredits: units(90),
      usage: { images: units(90) },
      heldUsage: { images: units(90) },
      holdsMade: 3,
      holdsDueAt: "2026-01-01T00:05:00.000Z",
    });
    expect(usedOf(next, "images")).toBe(0n);
    expect(planCreditsLeft(next)).toBe(units(10));
  });
});
