/**
 * Trials and coupons on a YEAR plan with `resetInterval: MONTH` (issue 16 items 1, 2 and 7 together):
 * the trial grants one month's allowance or credits, once; after it the base fee is billed once a
 * year in advance while usage resets monthly; a REPEATING coupon's `durationCycles` counts billing
 * cycles (base-fee invoices: years here), not monthly resets. Time moves with the test clock only.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      annual: {
        model: "METERED",
        interval: "YEAR",
        resetInterval: "MONTH",
        basePrice: "1200",
        trialDays: 14,
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
      },
      annual_credits: {
        model: "CREDITS",
        interval: "YEAR",
        resetInterval: "MONTH",
        basePrice: "600",
        includedCredits: "100",
        trialDays: 14,
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
    },
  }));
});
afterEach(() => api.close());

const SUB = "status trialEnd currentPeriodStart currentPeriodEnd coupon { coupon { code } remainingCycles }";
const subscription = async (c: string) =>
  (await api.ok(`{ customer(id: "${c}") { subscription { ${SUB} } } }`)).customer.subscription;
/** Every invoice of the customer, oldest first: total, then "KIND amount start..end" per line. */
const invoices = async (c: string) =>
  (
    await api.ok(`{ customer(id: "${c}") { invoices { total lines { kind amount periodStart periodEnd } } } }`)
  ).customer.invoices
    .reverse()
    .map((i: { total: string; lines: { kind: string; amount: string; periodStart: string; periodEnd: string }[] }) => [
      i.total,
      ...i.lines.map((l) => `${l.kind} ${l.amount} ${l.periodStart.slice(0, 10)}..${l.periodEnd.slice(0, 10)}`),
    ]);
/** Moves the clock and runs the sweeper, as the scheduled function would. */
const sweep = async (to: string) => {
  await api.ok(`mutation { advanceClock(to: "${to}") }`);
  return (await api.ok("mutation { closeDuePeriods }")).closeDuePeriods;
};
const track = (c: string, feature: string, value: string, key: string) =>
  f.track({ customerId: c, feature, value, idempotencyKey: key });

describe("a 14-day trial on a YEAR plan with MONTH resets", () => {
  it("grants one month's allowance once, then bills the year's base fee once and overage monthly; a REPEATING coupon counts years", async () => {
    await api.ok(
      `mutation { createCoupon(input: { code: "two-years", name: "25% off two years", duration: REPEATING, durationCycles: 2, percentOffBps: 2500 }) { code } }`,
    );
    await f.customer("c");
    const subscribed = await api.ok(
      `mutation { subscribe(customerId: "c", planCode: "annual", couponCode: "two-years") { ${SUB} } }`,
    );
    expect(subscribed.subscribe).toEqual({
      status: "TRIALING",
      trialEnd: "2026-01-15T00:00:00.000Z",
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-01-15T00:00:00.000Z",
      // The trial bills no base fee, so it uses none of the coupon's cycles.
      coupon: { coupon: { code: "two-years" }, remainingCycles: 2 },
    });
    expect(await invoices("c")).toEqual([]);
    // The trial grants one month's 100 included units, not the year's 1,200, and blocks overage.
    expect((await track("c", "api_calls", "100", "trial-1")).errors).toBeUndefined();
    expectError(await track("c", "api_calls", "1", "trial-2"), "LIMIT_REACHED");

    // The trial ends: the first billing cycle (a year) is invoiced in advance, 25% off (the coupon's
    // first cycle), and its first month starts with 100 included afresh.
    expect(await sweep("2026-01-15T00:00:00Z")).toBe(1);
    expect(await invoices("c")).toEqual([
      ["900.00", "BASE_FEE 1200.00 2026-01-15..2027-01-15", "DISCOUNT -300.00 2026-01-15..2027-01-15"],
    ]);
    expect(await subscription("c")).toEqual({
      status: "ACTIVE",
      trialEnd: "2026-01-15T00:00:00.000Z",
      currentPeriodStart: "2026-01-15T00:00:00.000Z",
      currentPeriodEnd: "2026-02-15T00:00:00.000Z",
      coupon: { coupon: { code: "two-years" }, remainingCycles: 1 },
    });
    expect((await f.usage("c"))[0]).toMatchObject({ used: "0", included: "100" });

    // Month 1: 250 used is 150 over at $0.01: $1.50, invoiced monthly; no base fee, no discount,
    // and the coupon keeps its last cycle (a monthly reset is not a billing cycle).
    await track("c", "api_calls", "250", "m1");
    expect(await sweep("2026-02-15T00:00:00Z")).toBe(1);
    expect((await invoices("c")).at(-1)).toEqual(["1.50", "OVERAGE 1.50 2026-01-15..2026-02-15"]);
    expect((await subscription("c")).coupon).toEqual({ coupon: { code: "two-years" }, remainingCycles: 1 });

    // The rest of the year without usage: no invoice for the months that owe nothing. The second
    // year's base fee is the coupon's second and last cycle.
    expect(await sweep("2027-01-15T00:00:00Z")).toBe(11);
    expect((await invoices("c")).slice(1)).toEqual([
      ["1.50", "OVERAGE 1.50 2026-01-15..2026-02-15"],
      ["900.00", "BASE_FEE 1200.00 2027-01-15..2028-01-15", "DISCOUNT -300.00 2027-01-15..2028-01-15"],
    ]);
    expect((await subscription("c")).coupon).toBeNull();

    // The third year is billed in full.
    expect(await sweep("2028-01-15T00:00:00Z")).toBe(12);
    expect((await invoices("c")).at(-1)).toEqual(["1200.00", "BASE_FEE 1200.00 2028-01-15..2029-01-15"]);
    expect((await invoices("c")).map((i: string[]) => i[0])).toEqual(["900.00", "1.50", "900.00", "1200.00"]);
  });

  it("CREDITS: the trial grants one month's credits once; after it, every month grants them again", async () => {
    await f.customer("k");
    await api.ok(`mutation { subscribe(customerId: "k", planCode: "annual_credits") { status } }`);
    expect((await f.wallet("k")).credits).toBe("100");
    expect((await track("k", "images", "100", "k1")).errors).toBeUndefined();
    expectError(await track("k", "images", "1", "k2"), "INSUFFICIENT_CREDITS");
    expect(await sweep("2026-01-15T00:00:00Z")).toBe(1);
    expect(await invoices("k")).toEqual([["600.00", "BASE_FEE 600.00 2026-01-15..2027-01-15"]]);
    expect((await f.wallet("k")).credits).toBe("100");
    await track("k", "images", "70", "k3");
    expect(await sweep("2026-02-15T00:00:00Z")).toBe(1);
    expect((await f.wallet("k")).credits).toBe("100"); // the month's 100 afresh, not 100 + 30
    expect(await invoices("k")).toHaveLength(1); // CREDITS owe no overage: no monthly invoice
  });
});
