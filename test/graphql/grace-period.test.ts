/**
 * Late events (BILLING_GRACE_PERIOD, core/periods/grace.ts) over HTTP on the test clock: a
 * deployment with a 6-hour grace period; daily plans subscribed at 2026-01-01T00:00Z, so the first
 * period ends at 2026-01-02T00:00Z and its grace at 06:00Z.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { codeOf, expectError, type Fixtures } from "../support/fixtures";
import { GRACE, scenario } from "../support/scenario";

const BOUNDARY = "2026-01-02T00:00:00.000Z";
const GRACE_END = "2026-01-02T06:00:00.000Z";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    ...GRACE,
    plans: {
      ...GRACE.plans,
      capped: {
        model: "METERED",
        basePrice: "1",
        interval: "DAY",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01", limit: "120" }],
      },
    },
  }));
});
afterEach(() => api.close());

const close = async () => (await api.ok(`mutation { closeDuePeriods }`)).closeDuePeriods as number;
const calls = (customerId: string, key: string, value: string, timestamp?: string) =>
  f.track({ customerId, feature: "api_calls", idempotencyKey: key, value, ...(timestamp ? { timestamp } : {}) });
const periodStartOf = async (customerId: string) =>
  (
    await api.ok(`query($c: ID!) { customer(id: $c) { subscription { currentPeriodStart } } }`, {
      c: customerId,
    })
  ).customer.subscription.currentPeriodStart;
/** The invoices closing the first period (newest first), not the subscribe invoice that billed it in advance. */
const closingInvoices = async (customerId: string) =>
  (await f.invoices(customerId))
    .slice(0, -1)
    .filter((i) => i.periodStart === "2026-01-01T00:00:00.000Z" && i.periodEnd === BOUNDARY);

describe("a late event within the grace period", () => {
  it("is booked into the ended period and billed on its closing invoice, issued when the grace ends; then PERIOD_CLOSED", async () => {
    await f.customerOn("a", "daily");
    expect((await calls("a", "a-1", "150")).errors).toBeUndefined();
    await f.advanceClock("2026-01-02T02:00:00Z");
    expect(await close()).toBe(1); // the new period starts on time; its invoice waits
    expect(await periodStartOf("a")).toBe(BOUNDARY);
    expect((await f.invoices("a")).map((i) => i.number)).toEqual(["INV-000001"]);

    const late = await calls("a", "a-late", "50", "2026-01-01T23:00:00Z");
    expect(late.errors).toBeUndefined();
    expect(late.data.trackUsage.event).toMatchObject({ value: "50", periodStart: "2026-01-01T00:00:00.000Z" });
    // What the customer can use now is the new period's, untouched by the late event.
    expect(late.data.trackUsage.entitlement).toMatchObject({ used: "0", included: "100", remaining: "100" });
    const now = await calls("a", "a-2", "10", "2026-01-02T01:00:00Z");
    expect(now.data.trackUsage.event.periodStart).toBe(BOUNDARY);
    expect(await f.usage("a")).toEqual([
      { feature: { code: "api_calls" }, used: "10", included: "100", overage: "0", cost: "0.00", credits: null },
    ]);

    await f.advanceClock("2026-01-02T05:59:59.999Z");
    expect(await close()).toBe(0);
    expect((await calls("a", "a-late-2", "1", "2026-01-01T23:59:59.999Z")).errors).toBeUndefined();
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    const [closing] = await f.invoices("a");
    expect(closing).toEqual({
      number: "INV-000002",
      status: "OPEN",
      currency: "USD",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: BOUNDARY,
      subtotal: "2.01",
      total: "2.01",
      lines: [
        { kind: "OVERAGE", feature: "api_calls", quantity: "101", unitPrice: "0.01", amount: "1.01" },
        { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "1.00", amount: "1.00" },
      ],
    });

    const after = await calls("a", "a-late-3", "5", "2026-01-01T23:00:00Z");
    expectError(after, "PERIOD_CLOSED");
    // A replay of an event booked late still answers as a replay.
    expect((await calls("a", "a-late", "50", "2026-01-01T23:00:00Z")).data.trackUsage.replayed).toBe(true);
    expect(await close()).toBe(0);
    expect(await f.invoices("a")).toHaveLength(2);
  });

  it("is booked late from a batch too, each element as a single track would be", async () => {
    await f.customerOn("h", "daily");
    await f.advanceClock("2026-01-02T01:00:00Z");
    const batch = await f.trackBatch([
      { customerId: "h", feature: "api_calls", idempotencyKey: "h-now", value: "2" },
      {
        customerId: "h",
        feature: "api_calls",
        idempotencyKey: "h-late",
        value: "130",
        timestamp: "2026-01-01T20:00:00Z",
      },
      { customerId: "h", feature: "api_calls", idempotencyKey: "h-old", value: "1", timestamp: "2025-12-31T20:00:00Z" },
    ]);
    expect(
      batch.data.trackUsageBatch.map((r: any) => [r.ok, r.errorCode, r.payload?.event.periodStart ?? null]),
    ).toEqual([
      [true, null, BOUNDARY],
      [true, null, "2026-01-01T00:00:00.000Z"],
      [false, "PERIOD_CLOSED", null],
    ]);
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    expect((await closingInvoices("h"))[0]).toMatchObject({ total: "1.30" });
  });

  it("before the period it belongs to is PERIOD_CLOSED, grace or not", async () => {
    await f.customerOn("b", "daily");
    await f.advanceClock("2026-01-03T01:00:00Z"); // two periods ended; the second is in its grace
    expect(await close()).toBe(2);
    expect(codeOf(await calls("b", "b-1", "1", "2026-01-01T12:00:00Z"))).toBe("PERIOD_CLOSED");
    expect((await calls("b", "b-2", "1", "2026-01-02T12:00:00Z")).errors).toBeUndefined();
    // The first period was over for good (its grace ended with the next period's end): invoiced at once.
    expect((await f.invoices("b")).map((i) => [i.number, i.periodStart, i.total])).toEqual([
      ["INV-000002", "2026-01-01T00:00:00.000Z", "1.00"],
      ["INV-000001", "2026-01-01T00:00:00.000Z", "1.00"],
    ]);
  });

  it("meets the ended period's hard limit, counted on its own usage", async () => {
    await f.customerOn("c", "capped");
    await calls("c", "c-1", "115");
    await f.advanceClock("2026-01-02T01:00:00Z");
    expectError(await calls("c", "c-late-1", "6", "2026-01-01T23:00:00Z"), "LIMIT_REACHED");
    expect((await calls("c", "c-late-2", "5", "2026-01-01T23:00:00Z")).errors).toBeUndefined();
    expect((await calls("c", "c-now", "120")).errors).toBeUndefined(); // the new period has its own
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    expect((await closingInvoices("c"))[0].lines[0]).toMatchObject({ kind: "OVERAGE", quantity: "20", amount: "0.20" });
  });

  it("burns only the ended period's plan credits, never what the customer holds now", async () => {
    await f.customerOn("d", "credits");
    await f.track({ customerId: "d", feature: "images", idempotencyKey: "d-1", value: "8" }); // 80 of 100 credits
    await f.advanceClock("2026-01-02T01:00:00Z");
    const late = (key: string) =>
      f.track({
        customerId: "d",
        feature: "images",
        idempotencyKey: key,
        value: "1",
        timestamp: "2026-01-01T22:00:00Z",
      });
    expect((await late("d-late-1")).errors).toBeUndefined();
    expect((await late("d-late-2")).errors).toBeUndefined();
    // The ended period's 100 credits are used up; the new period's 100 are not touched.
    expectError(await late("d-late-3"), "INSUFFICIENT_CREDITS");
    expect(await f.wallet("d")).toMatchObject({ credits: "100", planCredits: "100" });
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    expect((await closingInvoices("d"))[0]).toMatchObject({
      total: "5.00",
      lines: [{ kind: "BASE_FEE", amount: "5.00" }],
    });
  });

  it("spends beyond the ended period's allowance as overage on its invoice, leaving the new allowance whole", async () => {
    await f.customerOn("e", "balance");
    await calls("e", "e-1", "90"); // $0.90 of the $1.00 allowance
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect((await calls("e", "e-late", "30", "2026-01-01T22:00:00Z")).errors).toBeUndefined();
    expect(await f.wallet("e")).toMatchObject({ balance: "1.00", allowance: "1.00", spent: "0.00" });
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    expect((await closingInvoices("e"))[0]).toMatchObject({
      total: "1.20",
      lines: [
        { kind: "OVERAGE", quantity: "1", amount: "0.20" },
        { kind: "BASE_FEE", amount: "1.00" },
      ],
    });
  });

  it("is booked into a subscription canceled at the period end, whose final invoice waits for the grace", async () => {
    await f.customerOn("g", "daily");
    await calls("g", "g-1", "100");
    await api.ok(`mutation { cancelSubscription(customerId: "g", timing: PERIOD_END) { status } }`);
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect(await close()).toBe(1);
    expect((await calls("g", "g-late", "3", "2026-01-01T23:00:00Z")).errors).toBeUndefined();
    expectError(await calls("g", "g-now", "1"), "NO_SUBSCRIPTION");
    await f.advanceClock(GRACE_END);
    expect(await close()).toBe(1);
    expect((await closingInvoices("g"))[0]).toMatchObject({
      total: "0.03",
      lines: [{ kind: "OVERAGE", quantity: "3", amount: "0.03" }],
    });
  });
});

describe("the closing invoice at the grace end", () => {
  it("is issued exactly once when sweepers and lazy writes run together", async () => {
    const ids = ["s1", "s2", "s3", "s4"];
    for (const id of ids) {
      await f.customerOn(id, "daily");
      await calls(id, `${id}-0`, "120");
    }
    await f.advanceClock("2026-01-02T03:00:00Z");
    expect(await close()).toBe(4);
    await f.advanceClock(GRACE_END);
    const results = await Promise.all([
      close(),
      close(),
      ...ids.map((id) => calls(id, `${id}-now`, "1")),
      ...ids.map((id) => calls(id, `${id}-late`, "1", "2026-01-01T23:00:00Z")),
    ]);
    expect((results[0] as number) + (results[1] as number)).toBeLessThanOrEqual(4);
    for (const r of results.slice(2 + ids.length)) expect(codeOf(r as never)).toBe("PERIOD_CLOSED");
    for (const id of ids) {
      const closing = await closingInvoices(id);
      expect(closing.map((i) => i.total)).toEqual(["1.20"]);
    }
    const created = api.deps.publisher.published.filter((e) => e.type === "invoice.created");
    expect(created).toHaveLength(4 + 4); // the subscribe invoices and one closing invoice each
    expect(await close()).toBe(0);
  });

  it("is issued lazily by the customer's next write when no sweeper ran", async () => {
    await f.customerOn("l", "daily");
    await calls("l", "l-0", "110");
    await f.advanceClock("2026-01-02T01:00:00Z");
    expect((await calls("l", "l-late", "5", "2026-01-01T23:00:00Z")).errors).toBeUndefined();
    await f.advanceClock("2026-01-02T07:00:00Z");
    expect((await calls("l", "l-now", "1")).errors).toBeUndefined();
    expect((await closingInvoices("l")).map((i) => i.total)).toEqual(["1.15"]);
    expect(await close()).toBe(0);
    expect(await f.invoices("l")).toHaveLength(2);
  });
});

describe("an event at 00:00:01 of the new period racing the close", () => {
  // The sweeper first, the track first, or both at once: the event at 00:00:01 is the new
  // period's, the one at 23:59:59 the ended period's, and the close happens once.
  for (const order of ["sweeper first", "track first", "together"] as const) {
    it(`goes into the new period, with the new period's grant (${order})`, async () => {
      await f.customerOn("r", "daily");
      await calls("r", "r-0", "100");
      await f.advanceClock("2026-01-02T00:00:01Z");
      const newEvent = () => calls("r", "r-new", "7", "2026-01-02T00:00:01Z");
      const lateEvent = () => calls("r", "r-old", "4", "2026-01-01T23:59:59Z");
      let closed: number;
      if (order === "sweeper first") {
        closed = await close();
        await newEvent();
        await lateEvent();
      } else if (order === "track first") {
        await newEvent();
        await lateEvent();
        closed = await close();
      } else {
        [closed] = await Promise.all([close(), newEvent(), lateEvent()]);
      }
      expect(closed).toBeLessThanOrEqual(1);
      const events = await f.events("r");
      expect(
        events.map((e: { idempotencyKey: string; periodStart: string }) => [e.idempotencyKey, e.periodStart]),
      ).toEqual(
        expect.arrayContaining([
          ["r-new", BOUNDARY],
          ["r-old", "2026-01-01T00:00:00.000Z"],
        ]),
      );
      expect(await f.usage("r")).toMatchObject([{ used: "7", included: "100", overage: "0" }]);
      await f.advanceClock(GRACE_END);
      await close();
      expect((await closingInvoices("r")).map((i) => [i.total, i.lines[0].quantity])).toEqual([["1.04", "4"]]);
    });
  }
});
