/**
 * Proration: the credit for an unused base fee is basePrice x min(time
 * left, grant left), an IMMEDIATE cancel credits only with prorate: true, and an invoice total is
 * never negative (the rest becomes the customer's accountCredit). Before this rule, cancelling or
 * switching right after spending the whole grant gave the fee back: credits for free.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario, type PlanGiven } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

/** Two of each: a switch between twins changes nothing but the plan. */
const SMALL: PlanGiven = {
  model: "CREDITS",
  basePrice: "10",
  includedCredits: "600",
  features: [{ feature: "images", creditsPerUnit: "1" }],
};
const WALLET: PlanGiven = {
  model: "BALANCE",
  basePrice: "25",
  features: [{ feature: "api_calls", unitPrice: "0.01" }],
};

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN" },
    plans: {
      creator: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "1000",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      small_a: SMALL,
      small_b: SMALL,
      wallet_a: WALLET,
      wallet_b: WALLET,
      pro: {
        model: "METERED",
        basePrice: "99",
        features: [
          { feature: "api_calls", included: "10000", overagePrice: "0.01" },
          { feature: "images", included: "100", overagePrice: "0.5" },
          { feature: "sso" },
        ],
      },
      access: { model: "METERED", basePrice: "30", features: [{ feature: "sso" }] },
      lite: {
        model: "METERED",
        basePrice: "19",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.02" }],
      },
    },
  }));
});
afterEach(() => api.close());

const LINE = "kind quantity unitPrice amount periodStart periodEnd";
const invoices = async (customerId: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { accountCredit invoices { number status subtotal total creditedToAccount lines { ${LINE} } } } }`,
      { c: customerId },
    )
  ).customer;
const cancel = (customerId: string, extra = "") =>
  api.ok(`mutation { cancelSubscription(customerId: "${customerId}", timing: IMMEDIATE${extra}) { status } }`);
const change = (customerId: string, plan: string) =>
  api.ok(`mutation { changePlan(customerId: "${customerId}", planCode: "${plan}", timing: IMMEDIATE) { status } }`);
const spend = (customerId: string, feature: string, value: string, key: string) =>
  api.ok(
    `mutation { trackUsage(input: { customerId: "${customerId}", feature: "${feature}", value: "${value}", idempotencyKey: "${key}" }) { replayed } }`,
  );

describe("the exploit: spend the grant, end the period early, start again", () => {
  it("cancel IMMEDIATE and subscribe again, twice: 2,000 credits cost two full fees, nothing is credited back", async () => {
    await f.customerOn("x", "creator");
    await spend("x", "images", "100", "x-1"); // all 1,000 credits
    await cancel("x"); // no prorate: no credit, and with no line no invoice at all
    await f.subscribe("x", "creator");
    await spend("x", "images", "100", "x-2");
    await cancel("x", ", prorate: true"); // prorate asked, but the grant is used up: still nothing
    expect(await invoices("x")).toEqual({
      accountCredit: "0.00",
      invoices: [
        {
          number: "INV-000002",
          status: "OPEN",
          subtotal: "49.00",
          total: "49.00",
          creditedToAccount: "0.00",
          lines: [
            {
              kind: "BASE_FEE",
              quantity: "1",
              unitPrice: "49.00",
              amount: "49.00",
              periodStart: "2026-01-01T00:00:00.000Z",
              periodEnd: "2026-02-01T00:00:00.000Z",
            },
          ],
        },
        expect.objectContaining({ number: "INV-000001", total: "49.00" }),
      ],
    });
  });

  it("changePlan IMMEDIATE between two equal CREDITS plans after spending the 600 credits bills the full $10", async () => {
    await f.customerOn("c", "small_a");
    await spend("c", "images", "600", "c-1");
    await api.ok(`mutation { advanceClock(to: "2026-01-02T00:00:00Z") }`);
    await change("c", "small_b");
    const { invoices: list } = await invoices("c");
    expect(list[0]).toEqual({
      number: "INV-000002",
      status: "OPEN",
      subtotal: "10.00",
      total: "10.00",
      creditedToAccount: "0.00",
      lines: [
        {
          kind: "BASE_FEE",
          quantity: "1",
          unitPrice: "10.00",
          amount: "10.00",
          periodStart: "2026-01-02T00:00:00.000Z",
          periodEnd: "2026-02-02T00:00:00.000Z",
        },
      ],
    });
    expect(await f.wallet("c")).toMatchObject({ credits: "600", planCredits: "600" });
  });

  it("a BALANCE plan: spending the $25 allowance then switching bills the new $25 in full", async () => {
    await f.customerOn("b", "wallet_a");
    await spend("b", "api_calls", "2500", "b-1"); // $25.00: all of the allowance
    await change("b", "wallet_b");
    const { invoices: list } = await invoices("b");
    expect(list[0].lines.map((l: { kind: string; amount: string }) => [l.kind, l.amount])).toEqual([
      ["BASE_FEE", "25.00"],
    ]);
    expect(list[0].total).toBe("25.00");
  });
});

describe("the rule: basePrice x min(time left, grant left), exact, rounded once", () => {
  it("CREDITS: 630 of 1,000 credits left after 10 of 31 days: the grant is smaller, 49 x 0.63 = 30.87", async () => {
    await f.customerOn("w", "creator");
    await spend("w", "images", "37", "w-1"); // 370 credits
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`); // 21/31 of the time left
    await cancel("w", ", prorate: true");
    const { accountCredit, invoices: list } = await invoices("w");
    // The credit exceeds what the invoice bills: total 0.00 (PAID), the rest is account credit.
    expect(list[0]).toEqual({
      number: "INV-000002",
      status: "PAID",
      subtotal: "-30.87",
      total: "0.00",
      creditedToAccount: "30.87",
      lines: [
        {
          kind: "PRORATION",
          quantity: "1",
          unitPrice: "-30.87",
          amount: "-30.87",
          periodStart: "2026-01-11T00:00:00.000Z",
          periodEnd: "2026-02-01T00:00:00.000Z",
        },
      ],
    });
    expect(accountCredit).toBe("30.87");
  });

  it("CREDITS: 900 of 1,000 credits left after 10 of 31 days: time is smaller, 49 x 21/31 = 33.19", async () => {
    await f.customerOn("t", "creator");
    await spend("t", "images", "10", "t-1");
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`);
    await cancel("t", ", prorate: true");
    const { accountCredit, invoices: list } = await invoices("t");
    expect(list[0].lines).toEqual([
      expect.objectContaining({ kind: "PRORATION", unitPrice: "-33.193548387097", amount: "-33.19" }),
    ]);
    expect(accountCredit).toBe("33.19");
  });

  it("METERED: the least 1 - used/included over features with an allowance (images 60/100 used: 0.4)", async () => {
    await f.customerOn("m", "pro");
    await spend("m", "api_calls", "2500", "m-1"); // 0.75 left
    await spend("m", "images", "60", "m-2"); // 0.4 left
    await api.ok(`mutation { advanceClock(to: "2026-01-16T12:00:00Z") }`); // 0.5 of the time left
    await change("m", "lite");
    const { accountCredit, invoices: list } = await invoices("m");
    expect(list[0]).toMatchObject({
      subtotal: "-20.60",
      total: "0.00",
      creditedToAccount: "20.60",
      status: "PAID",
      lines: [
        {
          kind: "PRORATION",
          quantity: "1",
          unitPrice: "-39.60",
          amount: "-39.60",
          periodStart: "2026-01-16T12:00:00.000Z",
          periodEnd: "2026-02-01T00:00:00.000Z",
        },
        {
          kind: "BASE_FEE",
          quantity: "1",
          unitPrice: "19.00",
          amount: "19.00",
          periodStart: "2026-01-16T12:00:00.000Z",
          periodEnd: "2026-02-16T12:00:00.000Z",
        },
      ],
    });
    expect(accountCredit).toBe("20.60");
  });

  it("METERED beyond the included units: no credit, and the OVERAGE line names the part of the period used", async () => {
    await f.customerOn("o", "pro");
    await spend("o", "images", "101", "o-1");
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`);
    await change("o", "lite");
    const { invoices: list } = await invoices("o");
    expect(list[0].lines).toEqual([
      {
        kind: "OVERAGE",
        quantity: "1",
        unitPrice: "0.50",
        amount: "0.50",
        periodStart: "2026-01-01T00:00:00.000Z",
        periodEnd: "2026-01-11T00:00:00.000Z",
      },
      {
        kind: "BASE_FEE",
        quantity: "1",
        unitPrice: "19.00",
        amount: "19.00",
        periodStart: "2026-01-11T00:00:00.000Z",
        periodEnd: "2026-02-11T00:00:00.000Z",
      },
    ]);
  });

  it("a plan that grants nothing goes by time alone; prorate at PERIOD_END changes nothing", async () => {
    await f.customerOn("a", "access");
    await f.customerOn("a2", "access");
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`);
    const scheduled = await api.ok(
      `mutation { cancelSubscription(customerId: "a", timing: PERIOD_END, prorate: true) { status cancelAtPeriodEnd } }`,
    );
    expect(scheduled.cancelSubscription).toEqual({ status: "ACTIVE", cancelAtPeriodEnd: true });
    expect((await invoices("a")).invoices).toHaveLength(1);
    await cancel("a2", ", prorate: true");
    const { accountCredit, invoices: list } = await invoices("a2");
    // 30 x 21/31 = 20.322580645161290...
    expect(list[0].lines).toEqual([
      expect.objectContaining({ kind: "PRORATION", unitPrice: "-20.322580645161", amount: "-20.32" }),
    ]);
    expect(accountCredit).toBe("20.32");
  });

  // Issue 16 (account credit): the 20.32 left by the first cancel is applied to the next invoice
  // (an ACCOUNT_CREDIT line), so the credit does not add up to 50.32 any more: 30.00 is left.
  it("account credit is applied to the next invoice, and a remainder is published with its invoice", async () => {
    await f.customerOn("s", "access");
    await api.ok(`mutation { advanceClock(to: "2026-01-11T00:00:00Z") }`);
    await cancel("s", ", prorate: true"); // 20.32
    await f.subscribe("s", "access"); // a full new period, 30.00 billed, 20.32 of it paid by account credit
    await cancel("s", ", prorate: true"); // the whole period left: 30.00 back
    const { accountCredit, invoices: list } = await invoices("s");
    expect(accountCredit).toBe("30.00");
    expect(list[1]).toMatchObject({ subtotal: "9.68", total: "9.68", creditedToAccount: "0.00" });
    expect(list[1].lines.map((l: { kind: string; amount: string }) => `${l.kind} ${l.amount}`)).toEqual([
      "BASE_FEE 30.00",
      "ACCOUNT_CREDIT -20.32",
    ]);
    const created = api.deps.publisher.published.filter(
      (e) => e.type === "invoice.created" && (e.detail.invoice as { customerId: string }).customerId === "s",
    );
    expect(created.map((e) => (e.detail.invoice as Record<string, unknown>).creditedToAccount)).toEqual([
      "0.00",
      "20.32",
      "0.00",
      "30.00",
    ]);
  });
});
