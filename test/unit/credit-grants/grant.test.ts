import { describe, expect, it } from "vitest";
import { units } from "../../../core/money";
import { carriedGrants, grantsDue, grantsLeft, settleGrants } from "../../../core/credit-grants/grant";
import { grantCreditsLeft, openPeriod, planCreditsLeft, purchasedCreditsLeft } from "../../../core/wallet";
import { subscription, wallet } from "../models/fixtures";

const soon = { id: "soon", credits: units(30), expiresAt: "2026-01-20T00:00:00.000Z" };
const later = { id: "later", credits: units(50), expiresAt: "2026-03-01T00:00:00.000Z" };
const never = { id: "never", credits: units(20) };
/** 100 plan credits, the three grants and 500 purchased, `used` spent this period. */
const withGrants = (used: number, more: Partial<Parameters<typeof wallet>[1]> = {}) =>
  wallet("starter", {
    planCredits: units(100),
    creditsUsed: units(used),
    credits: units(700 - used),
    grants: [never, later, soon],
    ...more,
  });
const lefts = (w: ReturnType<typeof withGrants>) =>
  Object.fromEntries(grantsLeft(w, planCreditsLeft(w)).map(({ grant, left }) => [grant.id, left]));

describe("credit grants", () => {
  it.each([
    [0, { soon: units(30), later: units(50), never: units(20) }, 500],
    [100, { soon: units(30), later: units(50), never: units(20) }, 500],
    [101, { soon: units(29), later: units(50), never: units(20) }, 500],
    [130, { soon: 0n, later: units(50), never: units(20) }, 500],
    [180, { soon: 0n, later: 0n, never: units(20) }, 500],
    [200, { soon: 0n, later: 0n, never: 0n }, 500],
    [250, { soon: 0n, later: 0n, never: 0n }, 450],
  ])(
    "with %i used: plan credits first, then the soonest expiring, never-expiring last, purchased after",
    (used, expected, purchased) => {
      const w = withGrants(used);
      expect(lefts(w)).toEqual(expected);
      expect(purchasedCreditsLeft(w)).toBe(units(purchased));
    },
  );

  it("a debt (credits below the pools) is repaid from plan credits left first, then the grants spent last", () => {
    const small = withGrants(0, { credits: units(150) }); // 100 plan + 100 granted, 50 owed
    expect(planCreditsLeft(small)).toBe(units(50));
    expect(lefts(small)).toEqual({ soon: units(30), later: units(50), never: units(20) });
    const big = withGrants(0, { credits: units(30) }); // 170 owed: all the plan's, then 70 of the grants
    expect(planCreditsLeft(big)).toBe(0n);
    expect(lefts(big)).toEqual({ soon: units(30), later: 0n, never: 0n });
    expect(grantCreditsLeft(big)).toBe(units(30));
    expect(purchasedCreditsLeft(big)).toBe(0n);
  });

  it("settling keeps what each has left, drops the expired with what they had, and settles the period's use", () => {
    const w = withGrants(110);
    expect(grantsDue(w, "2026-01-19T23:59:59.999Z")).toBe(false);
    expect(grantsDue(w, "2026-01-20T00:00:00.000Z")).toBe(true);
    const settled = settleGrants(w, "2026-01-20T00:00:00.000Z");
    expect(settled).toMatchObject({ credits: units(570), grantsBase: units(10), grants: [later, never] });
    // After settling, more use goes to the next grant in order, not back to the expired one.
    const more = { ...settled, creditsUsed: units(115), credits: units(565) };
    expect(lefts(more)).toEqual({ later: units(45), never: units(20) });
  });

  it("a new period carries what each grant has left and drops those expired by its start", () => {
    const w = withGrants(140);
    expect(carriedGrants(w, planCreditsLeft(w), "2026-02-01T00:00:00.000Z")).toEqual([
      { ...later, credits: units(40) },
      never,
    ]);
    const next = openPeriod(
      w,
      { planCredits: units(100), allowance: 0n },
      subscription("starter", { periodStart: "2026-02-01T00:00:00.000Z" }),
    );
    expect(next).toMatchObject({ credits: units(660), planCredits: units(100), purchasedCredits: units(500) });
    expect(next.grants).toEqual([{ ...later, credits: units(40) }, never]);
  });
});
