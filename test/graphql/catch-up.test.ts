/**
 * Catching up a customer many periods behind: one worker closes them all, many
 * closes to a transaction; tracks arriving meanwhile wait for it instead of answering CONFLICT;
 * overlapping sweeps do not fight over the customer. Every period is billed exactly once, with
 * gapless numbers.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED" },
    plans: {
      daily: {
        model: "METERED",
        basePrice: "1",
        interval: "DAY",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
      },
    },
  }));
});
afterEach(() => api.close());

/** The transactions sent while `run` runs (each a TransactWriteItems, a conflicted one included). */
const transactionsDuring = async <T>(run: () => Promise<T>): Promise<{ result: T; transactions: number }> => {
  let transactions = 0;
  const name = `countTransactions${Math.random()}`;
  api.deps.db.raw.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === "TransactWriteItemsCommand") transactions++;
      return next(args);
    },
    { step: "initialize", name },
  );
  try {
    return { result: await run(), transactions };
  } finally {
    api.deps.db.raw.middlewareStack.remove(name);
  }
};

/** 2026, 2027 and 2028 (a leap year): 1,096 daily periods. */
const THREE_YEARS = "2029-01-01T00:00:00Z";
const DAYS = 365 + 365 + 366;

/** The subscription and every invoice, newest first, read page by page (100 a page). */
const invoiceSummary = async (customerId: string) => {
  const invoices: any[] = [];
  let subscription: unknown;
  for (let after: string | null = null; ; ) {
    const data: any = await api.ok(
      `query($c: ID!, $after: ID) { customer(id: $c) { subscription { currentPeriodStart }
        invoices(first: 100, after: $after) { number periodStart total lines { kind amount periodStart periodEnd } } } }`,
      { c: customerId, after },
    );
    subscription = data.customer.subscription;
    invoices.push(...data.customer.invoices);
    if (data.customer.invoices.length < 100)
      return { subscription, invoices } as { subscription: any; invoices: any[] };
    after = data.customer.invoices.at(-1).number;
  }
};

describe("three years of DAY periods behind", () => {
  it("a track closes them all in one go and books into the current period; every day is billed once", async () => {
    await f.customerOn("late", "daily");
    await f.track({ customerId: "late", feature: "api_calls", idempotencyKey: "late-0", value: "150" });
    await f.advanceClock(THREE_YEARS);
    const { result: tracked, transactions } = await transactionsDuring(() =>
      f.track({ customerId: "late", feature: "api_calls", idempotencyKey: "late-1", value: "1" }),
    );
    expect(tracked.errors).toBeUndefined();
    expect(tracked.data.trackUsage.event.periodStart).toBe("2029-01-01T00:00:00.000Z");
    // Many closes to a transaction, not one per period (its speed is a bench line: --only catch-up).
    // (13 here: 1,096 closes in groups; one per period would be over 1,000.)
    expect(transactions).toBeLessThanOrEqual(Math.ceil(DAYS / 50));

    const { subscription, invoices } = await invoiceSummary("late");
    expect(subscription.currentPeriodStart).toBe("2029-01-01T00:00:00.000Z");
    expect(invoices).toHaveLength(1 + DAYS);
    expect(invoices.map((i: { number: string }) => i.number)).toEqual(
      Array.from({ length: 1 + DAYS }, (_, n) => `INV-${String(1 + DAYS - n).padStart(6, "0")}`),
    );
    const first = invoices.at(-2);
    expect(first).toEqual({
      number: "INV-000002",
      periodStart: "2026-01-01T00:00:00.000Z",
      total: "1.50",
      lines: [
        {
          kind: "OVERAGE",
          amount: "0.50",
          periodStart: "2026-01-01T00:00:00.000Z",
          periodEnd: "2026-01-02T00:00:00.000Z",
        },
        {
          kind: "BASE_FEE",
          amount: "1.00",
          periodStart: "2026-01-02T00:00:00.000Z",
          periodEnd: "2026-01-03T00:00:00.000Z",
        },
      ],
    });
    expect(new Set(invoices.slice(0, -2).map((i: { total: string }) => i.total))).toEqual(new Set(["1.00"]));
    const renewed = api.deps.publisher.published.filter((e) => e.type === "subscription.renewed");
    expect(renewed).toHaveLength(DAYS);
    expect(new Set(renewed.map((e) => e.id)).size).toBe(DAYS);
    expect(await api.ok(`mutation { closeDuePeriods }`)).toEqual({ closeDuePeriods: 0 });
  });

  it("tracks and two sweeps arriving together: none answers CONFLICT, and the periods are closed once", async () => {
    await f.customerOn("busy", "daily");
    await f.advanceClock("2027-01-01T00:00:00Z"); // 365 periods
    const { result: results, transactions } = await transactionsDuring(() =>
      Promise.all([
        api.gql(`mutation { closeDuePeriods }`),
        ...Array.from({ length: 6 }, (_, i) =>
          f.track({ customerId: "busy", feature: "api_calls", idempotencyKey: `busy-${i}`, value: "1" }),
        ),
        api.gql(`mutation { closeDuePeriods }`),
      ]),
    );
    // The workers cooperate instead of fighting over the customer: one catches up, many closes to
    // a transaction, and the tracks wait for it (one transaction each) instead of conflicting.
    // (10 here; fighting sweeps or tracks answering CONFLICT and retrying would send many more.)
    expect(transactions).toBeLessThanOrEqual(Math.ceil(365 / 25) + 6);
    const sweeps = [results[0]!, results.at(-1)!];
    const tracks = results.slice(1, -1);
    expect(tracks.map((t) => t.errors?.[0]?.extensions?.code ?? "ok")).toEqual(Array(6).fill("ok"));
    expect(tracks.map((t) => t.data.trackUsage.event.periodStart)).toEqual(Array(6).fill("2027-01-01T00:00:00.000Z"));
    expect(sweeps.map((s) => s.errors)).toEqual([undefined, undefined]);
    const { invoices } = await invoiceSummary("busy");
    expect(invoices).toHaveLength(1 + 365); // the subscription's, then one per day closed
    expect(new Set(invoices.map((i: { periodStart: string }) => i.periodStart)).size).toBe(365);
    const usage = await api.ok(`{ customer(id: "busy") { usage { used } } }`);
    expect(usage.customer.usage).toEqual([{ used: "6" }]);
  });
});
