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
    features: { api_calls: "METERED" },
    plans: { weekly: metered("WEEK", "5"), quarterly: metered("QUARTER", "60") },
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
    expect((await api.ok(`{ plans { code interval } }`)).plans).toEqual([
      { code: "quarterly", interval: "QUARTER" },
      { code: "weekly", interval: "WEEK" },
    ]);
  });
});
