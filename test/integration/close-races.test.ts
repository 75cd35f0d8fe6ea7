/** Closes racing each other, racing tracking, and invoice numbering under concurrency. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { closeDuePeriods } from "../../core/periods/sweep";
import { conflictOnNextWalletTransaction, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

/** Counts the TransactWriteItems requests `api` sends from now on. */
function countTransactions(api: TestApi): () => number {
  let n = 0;
  api.deps.db.raw.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === "TransactWriteItemsCommand") n++;
      return next(args);
    },
    { step: "initialize", name: "countTransactions", override: true },
  );
  return () => n;
}

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { calls: "METERED" },
    plans: {
      daily: {
        model: "METERED",
        basePrice: "1",
        interval: "DAY",
        features: [{ feature: "calls", included: "0", overagePrice: "1" }],
      },
      wallet: {
        model: "BALANCE",
        basePrice: "10",
        interval: "MONTH",
        features: [{ feature: "calls", unitPrice: "0.5" }],
      },
    },
  }));
});
afterEach(() => api.close());

describe("closing twice", () => {
  it("two sweeps at once bill each period exactly once", async () => {
    for (const id of ["a", "b", "c"]) await f.customerOn(id, "daily");
    await f.advanceClock("2026-01-04T00:00:00Z"); // three days: three closes each
    const [one, two] = await Promise.all([closeDuePeriods(api.deps), closeDuePeriods(api.deps)]);
    expect(one.failed + two.failed).toBe(0);
    for (const id of ["a", "b", "c"]) {
      const invoices = await f.invoices(id);
      expect(invoices.map((i) => i.periodStart)).toEqual([
        "2026-01-03T00:00:00.000Z",
        "2026-01-02T00:00:00.000Z",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01T00:00:00.000Z",
      ]);
    }
    const again = await closeDuePeriods(api.deps);
    expect(again).toMatchObject({ found: 0, closed: 0, failed: 0, complete: true });
  });
});

describe("tracking racing a close", () => {
  it("counts every accepted event in exactly one period: 50 late events for the old period vs. the sweeper", async () => {
    await f.customerOn("racer", "daily");
    await f.advanceClock("2026-01-02T00:00:05Z");
    const track = (i: number) =>
      api.gql(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { event { periodStart } } }`, {
        i: { customerId: "racer", feature: "calls", idempotencyKey: `late-${i}`, timestamp: "2026-01-01T23:59:59Z" },
      });
    const [results] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, (_, i) => track(i))),
      closeDuePeriods(api.deps),
    ]);
    const accepted = results.filter((r) => !r.errors).length;
    const closed = results.filter((r) => r.errors?.[0]?.extensions?.code === "PERIOD_CLOSED").length;
    expect(accepted + closed).toBe(50);
    const [renewal] = await f.invoices("racer");
    const overage = renewal.lines.find((l: { kind: string }) => l.kind === "OVERAGE");
    expect(overage?.quantity ?? "0").toBe(String(accepted));
    expect(await f.invoices("racer")).toHaveLength(2);
    const now = await api.ok(`{ customer(id: "racer") { usage { used } } }`);
    expect(now.customer.usage).toEqual([{ used: "0" }]);
  });

  it("books 50 concurrent tracks after the period end into the new period, closing it once", async () => {
    await f.customerOn("lazy", "daily");
    await f.advanceClock("2026-01-02T00:00:05Z");
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.gql(
          `mutation { trackUsage(input: { customerId: "lazy", feature: "calls", idempotencyKey: "new-${i}" }) { event { periodStart } } }`,
        ),
      ),
    );
    expect(results.map((r) => r.data?.trackUsage.event.periodStart)).toEqual(
      Array(50).fill("2026-01-02T00:00:00.000Z"),
    );
    expect(await f.invoices("lazy")).toHaveLength(2);
    const now = await api.ok(`{ customer(id: "lazy") { usage { used } } }`);
    expect(now.customer.usage).toEqual([{ used: "50" }]);
  });
});

describe("invoice numbers", () => {
  it("are gapless and unique when 20 subscriptions and 20 top-ups run at once", async () => {
    for (let i = 0; i < 20; i++) await api.ok(`mutation { createCustomer(input: { id: "n${i}" }) { id } }`);
    // Top-ups need a BALANCE plan: their customers subscribe first (invoices 1 to 20).
    for (let i = 0; i < 20; i++) await f.customerOn(`t${i}`, "wallet");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        api.ok(`mutation { subscribe(customerId: "n${i}", planCode: "wallet") { status } }`),
        api.ok(`mutation { topUpBalance(customerId: "t${i}", amount: "1", idempotencyKey: "t${i}") { topUps } }`),
      ]).flat(),
    );
    const ids = Array.from({ length: 20 }, (_, i) => [`n${i}`, `t${i}`]).flat();
    const numbers = (await Promise.all(ids.map((id) => f.invoices(id))))
      .flat()
      .map((inv) => inv.number)
      .sort();
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => `INV-${String(i + 1).padStart(6, "0")}`));
  });

  it("are gapless when one sweep closes 60 customers, whose closes share transactions", async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `g${String(i).padStart(2, "0")}`);
    for (const id of ids) await f.customerOn(id, "daily");
    await f.advanceClock("2026-01-02T00:00:00Z");
    const transactions = countTransactions(api);
    const sweep = await closeDuePeriods(api.deps);
    expect(sweep).toMatchObject({ found: 60, closed: 60, failed: 0, complete: true });
    expect(transactions()).toBeLessThanOrEqual(30);
    const renewals = (await Promise.all(ids.map((id) => f.invoices(id)))).map((invoices) => invoices[0]);
    expect(renewals.map((i) => [i.periodStart, i.total])).toEqual(ids.map(() => ["2026-01-01T00:00:00.000Z", "1.00"]));
    const numbers = renewals.map((i) => i.number).sort();
    expect(numbers).toEqual(Array.from({ length: 60 }, (_, i) => `INV-${String(i + 61).padStart(6, "0")}`));
  });

  it("stay gapless when one customer's wallet is busy in a shared transaction: the others commit, it closes in a later one", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `busy${String(i).padStart(2, "0")}`);
    for (const id of ids) await f.customerOn(id, "daily");
    await f.advanceClock("2026-01-02T00:00:00Z");
    const busy = conflictOnNextWalletTransaction(api.deps.db, "busy07");
    try {
      expect(await closeDuePeriods(api.deps)).toMatchObject({ found: 20, closed: 20, failed: 0 });
    } finally {
      busy.restore();
    }
    expect(busy.injected()).toBe(1);
    const renewals = (await Promise.all(ids.map((id) => f.invoices(id)))).map((invoices) => invoices[0]);
    expect(renewals.every((i) => i.periodStart === "2026-01-01T00:00:00.000Z")).toBe(true);
    expect(renewals.map((i) => i.number).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `INV-${String(i + 21).padStart(6, "0")}`),
    );
  });
});
