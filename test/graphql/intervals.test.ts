/**
 * Billing intervals (issue 16 item 7): WEEK and QUARTER beside DAY, MONTH and YEAR, with the same
 * anniversary arithmetic (a quarter keeps the anchor's day, clamped to the month's length).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

const metered = (interval: string, basePrice: string) => ({
  model: "METERED" as const,
  interval,
  basePrice,
  features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
});

beforeEach(async () => {
  ({ api, f } = await scenario({
    clockStart: "2026-01-31T10:00:00.000Z",
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      weekly: metered("WEEK", "5"),
      quarterly: metered("QUARTER", "60"),
      annual: { ...metered("YEAR", "1200"), resetInterval: "MONTH" },
      annual_credits: {
        model: "CREDITS",
        interval: "YEAR",
        resetInterval: "MONTH",
        basePrice: "1200",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      week_daily: { ...metered("WEEK", "7"), resetInterval: "DAY" },
    },
  }));
});
afterEach(() => api.close());

const periods = async (c: string) =>
  (
    await api.ok(`query($c: ID!) { customer(id: $c) { invoices { lines { kind amount periodStart periodEnd } } } }`, {
      c,
    })
  ).customer.invoices.map((i: any) =>
    i.lines.map((l: any) => `${l.kind} ${l.amount} ${l.periodStart.slice(0, 10)}..${l.periodEnd.slice(0, 10)}`),
  );

describe("WEEK and QUARTER plans", () => {
  it("renew every 7 days, and every 3 months from the anchor's day, clamped", async () => {
    await f.customerOn("w", "weekly");
    await f.customerOn("q", "quarterly");
    await f.track({ customerId: "q", feature: "api_calls", idempotencyKey: "q-1", value: "150" });
    await f.advanceClock("2026-05-01T00:00:00.000Z");
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await periods("q")).toEqual([
      ["OVERAGE 0.50 2026-01-31..2026-04-30", "BASE_FEE 60.00 2026-04-30..2026-07-31"],
      ["BASE_FEE 60.00 2026-01-31..2026-04-30"],
    ]);
    const weekly = await periods("w");
    expect(weekly).toHaveLength(13); // subscribe + 12 renewals by May 1 (Jan 31 + 12 weeks = Apr 25)
    expect(weekly[0]).toEqual(["BASE_FEE 5.00 2026-04-25..2026-05-02"]);
    expect((await api.ok(`{ plans { code interval resetInterval } }`)).plans).toContainEqual({
      code: "quarterly",
      interval: "QUARTER",
      resetInterval: "QUARTER",
    });
  });
});

const SUB = `query($c: ID!) { customer(id: $c) { subscription { status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd } } }`;

describe("a YEAR plan with MONTH resets", () => {
  it("a year on the test clock: one base fee in advance, 12 monthly grants and overage invoices, clamped from Jan 31", async () => {
    await f.customerOn("a", "annual");
    const ends: string[] = [];
    for (let month = 1; month <= 12; month++) {
      const { subscription } = (await api.ok(SUB, { c: "a" })).customer;
      ends.push(subscription.currentPeriodEnd.slice(0, 10));
      // 100 included afresh each month: 600 used is 500 over, $5.00.
      await f.track({ customerId: "a", feature: "api_calls", idempotencyKey: `a-${month}`, value: "600" });
      expect((await f.usage("a"))[0]).toMatchObject({ used: "600", included: "100", overage: "500" });
      await f.advanceClock(subscription.currentPeriodEnd);
      expect(await api.ok(`mutation { closeDuePeriods }`)).toEqual({ closeDuePeriods: 1 });
    }
    expect(ends).toEqual([
      "2026-02-28",
      "2026-03-31",
      "2026-04-30",
      "2026-05-31",
      "2026-06-30",
      "2026-07-31",
      "2026-08-31",
      "2026-09-30",
      "2026-10-31",
      "2026-11-30",
      "2026-12-31",
      "2027-01-31",
    ]);
    const invoices = (await periods("a")).reverse();
    expect(invoices).toHaveLength(13);
    expect(invoices[0]).toEqual(["BASE_FEE 1200.00 2026-01-31..2027-01-31"]);
    for (const monthly of invoices.slice(1, 12)) expect(monthly).toEqual([expect.stringMatching(/^OVERAGE 5\.00 /)]);
    expect(invoices[1]).toEqual(["OVERAGE 5.00 2026-01-31..2026-02-28"]);
    expect(invoices[12]).toEqual([
      "OVERAGE 5.00 2026-12-31..2027-01-31",
      "BASE_FEE 1200.00 2027-01-31..2028-01-31", // the next year, in advance
    ]);
  });

  it("credits are granted every month, not once a year", async () => {
    await f.customerOn("c", "annual_credits");
    await f.track({ customerId: "c", feature: "images", idempotencyKey: "c-1", value: "100" });
    const refused = await f.track({ customerId: "c", feature: "images", idempotencyKey: "c-2", value: "1" });
    expect(refused.errors?.[0]?.extensions?.code).toBe("INSUFFICIENT_CREDITS");
    await f.advanceClock("2026-02-28T10:00:00.000Z");
    expect(await f.wallet("c")).toMatchObject({ credits: "100", planCredits: "100" });
    expect((await periods("c")).length).toBe(1); // CREDITS owe no overage: no monthly invoice
  });

  it("a change mid-year credits the months after this one whole, and this month by min(time left, grant left)", async () => {
    await api.ok(`mutation { advanceClock(to: "2026-02-01T00:00:00.000Z") }`);
    await f.customerOn("c", "annual_credits"); // 2026-02-01: the year ends 2027-02-01 (365 days)
    await f.advanceClock("2026-04-16T00:00:00.000Z"); // April 1 to May 1 (30 days): half left
    await f.track({ customerId: "c", feature: "images", idempotencyKey: "c-1", value: "60" }); // 40% of the grant left
    const preview = (
      await api.ok(
        `{ previewPlanChange(customerId: "c", planCode: "annual", timing: IMMEDIATE) { lines { kind amount unitPrice periodStart periodEnd } } }`,
      )
    ).previewPlanChange;
    // (May 1 .. Feb 1: 276 days + 30 days x min(1/2, 2/5)) / 365 = 288/365 of $1,200 = $946.849315...
    expect(preview.lines).toEqual([
      {
        kind: "PRORATION",
        amount: "-946.85",
        unitPrice: "-946.849315068493",
        periodStart: "2026-04-16T00:00:00.000Z",
        periodEnd: "2027-02-01T00:00:00.000Z",
      },
      {
        kind: "BASE_FEE",
        amount: "1200.00",
        unitPrice: "1200.00",
        periodStart: "2026-04-16T00:00:00.000Z",
        periodEnd: "2027-04-16T00:00:00.000Z",
      },
    ]);
  });

  it("a cancel or change at period end waits for the end of the billing cycle, which the base fee paid for", async () => {
    await f.customerOn("w", "week_daily"); // a week billed, days reset: Jan 31 10:00 to Feb 7 10:00
    await api.ok(`mutation { cancelSubscription(customerId: "w") { status } }`);
    await f.advanceClock("2026-02-03T10:00:00.000Z");
    expect((await api.ok(SUB, { c: "w" })).customer.subscription).toEqual({
      status: "ACTIVE",
      currentPeriodStart: "2026-02-03T10:00:00.000Z",
      currentPeriodEnd: "2026-02-04T10:00:00.000Z",
      cancelAtPeriodEnd: true,
    });
    await f.advanceClock("2026-02-07T10:00:00.000Z");
    expect((await api.ok(SUB, { c: "w" })).customer.subscription).toMatchObject({
      status: "CANCELED",
      currentPeriodEnd: "2026-02-07T10:00:00.000Z",
    });
  });

  it("thresholds and alerts re-arm at every monthly reset, not once a year: the counters restart with the grant", async () => {
    await f.customerOn("t", "annual");
    await f.customerOn("tc", "annual_credits");
    await api.ok(
      `mutation { createUsageAlert(input: { customerId: "t", feature: "api_calls", metric: USAGE, threshold: "50" }) { id } }`,
    );
    const fired = () =>
      api.deps.publisher.published
        .filter((e) => /\.low$|threshold_reached|alert\.triggered/.test(e.type))
        .map((e) => `${e.type} ${String(e.detail.customerId ?? "")}${e.detail.percent ? ` ${e.detail.percent}%` : ""}`);
    const month = async (n: number) => {
      // 85 of 100 included calls (80% and the alert at 50), 95 of 100 credits (credits.low at 10).
      await f.track({ customerId: "t", feature: "api_calls", idempotencyKey: `t-${n}`, value: "85" });
      await f.track({ customerId: "tc", feature: "images", idempotencyKey: `tc-${n}`, value: "95" });
    };
    await month(1);
    const once = fired();
    expect(once.filter((e) => e.startsWith("usage.threshold_reached t 80%"))).toHaveLength(1);
    expect(once.filter((e) => e.startsWith("credits.low tc"))).toHaveLength(1);
    expect(once.filter((e) => e.startsWith("alert.triggered"))).toHaveLength(1);
    // The second and third months of the same billing year: each fires them again.
    await f.advanceClock("2026-02-28T10:00:00.000Z");
    await month(2);
    await f.advanceClock("2026-03-31T10:00:00.000Z");
    await month(3);
    const all = fired();
    expect(all.filter((e) => e.startsWith("usage.threshold_reached t 80%"))).toHaveLength(3);
    expect(all.filter((e) => e.startsWith("credits.low tc"))).toHaveLength(3);
    expect(all.filter((e) => e.startsWith("alert.triggered"))).toHaveLength(3);
    // One base fee for the year: the months renewed inside the cycle.
    expect((await periods("t")).flat().filter((l: string) => l.startsWith("BASE_FEE"))).toEqual([
      "BASE_FEE 1200.00 2026-01-31..2027-01-31",
    ]);
  });

  it("refuses a reset interval that does not divide the interval", async () => {
    const bad = await api.gql(
      `mutation { createPlan(input: { code: "odd", name: "odd", model: METERED, basePrice: "1", interval: MONTH, resetInterval: WEEK, features: [] }) { code } }`,
    );
    expect(bad.errors?.[0]?.message).toBe(
      "input.resetInterval WEEK must divide input.interval MONTH (MONTH or QUARTER in a YEAR, MONTH in a QUARTER, DAY in a WEEK)",
    );
  });
});
