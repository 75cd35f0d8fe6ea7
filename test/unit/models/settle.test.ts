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
    expect(strategyFor("BALANCE").settle(w, blocking, actual, hold(units(4), 0n, units(4)))).toEqual({
      charge: { ...actual, cost: units(4) },
      capped: true,
    });
    expect(strategyFor("BALANCE").settle(w, payg, actual, hold(units(4), 0n, units(4)))).toEqual({
      charge: actual,
      capped: false,
    });
  });

  it("METERED: all of it, whatever the limit", () => {
    const actual = {
      ...charge("calls", units(50), {}),
      guards: [{ kind: "limit" as const, feature: "calls", atMost: 0n }],
    };
    expect(
      strategyFor("METERED").settle(wallet("m"), plan({ code: "m", model: "METERED" }), actual, hold(units(5))),
    ).toEqual({
      charge: { ...actual, guards: [] },
      capped: false,
    });
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
