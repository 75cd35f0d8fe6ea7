/** Period closes, invoices, plan changes and cancellation, through the API and the test clock. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
/** A fresh deployment per test (own table, clock at 2026-01-01T00:00:00Z) with these plans. */
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN" },
    plans: {
      pro: {
        model: "METERED",
        basePrice: "99",
        interval: "MONTH",
        features: [{ feature: "api_calls", included: "10000", overagePrice: "0.01" }],
      },
      team: {
        model: "METERED",
        basePrice: "300",
        interval: "MONTH",
        features: [{ feature: "api_calls", included: "100000", overagePrice: "0.005" }],
      },
      creator: {
        model: "CREDITS",
        basePrice: "49",
        interval: "MONTH",
        includedCredits: "1000",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      usage: {
        model: "BALANCE",
        basePrice: "100",
        interval: "MONTH",
        features: [{ feature: "api_calls", unitPrice: "0.01" }],
      },
    },
    packs: { p500: { name: "500 credits", credits: "500", price: "20" } },
  }));
});
afterEach(() => api.close());

const close = () => api.ok(`mutation { closeDuePeriods }`);

describe("a METERED close: $99 with 10,000 calls included at $0.01, 15,000 used", () => {
  it("bills OVERAGE $50.00 and the next BASE_FEE $99.00, total $149.00, and usage restarts at 0", async () => {
    await f.customerOn("m1", "pro");
    expect(
      (await f.track({ customerId: "m1", feature: "api_calls", idempotencyKey: "m1-a", value: "15000" })).errors,
    ).toBeUndefined();
    await f.advanceClock("2026-02-01T00:00:00Z");
    expect(await close()).toEqual({ closeDuePeriods: 1 });
    const [renewal, first] = await f.invoices("m1");
    expect(first).toMatchObject({
      number: "INV-000001",
      total: "99.00",
      lines: [{ kind: "BASE_FEE", quantity: "1", unitPrice: "99.00", amount: "99.00" }],
    });
    expect(renewal).toEqual({
      number: "INV-000002",
      status: "OPEN",
      currency: "USD",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: "2026-02-01T00:00:00.000Z",
      subtotal: "149.00",
      total: "149.00",
      lines: [
        { kind: "OVERAGE", feature: "api_calls", quantity: "5000", unitPrice: "0.01", amount: "50.00" },
        { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "99.00", amount: "99.00" },
      ],
    });
    const data = await api.ok(
      `{ customer(id: "m1") { subscription { currentPeriodStart currentPeriodEnd } usage { used } } }`,
    );
    expect(data.customer).toEqual({
      subscription: { currentPeriodStart: "2026-02-01T00:00:00.000Z", currentPeriodEnd: "2026-03-01T00:00:00.000Z" },
      usage: [{ used: "0" }],
    });
    expect(await close()).toEqual({ closeDuePeriods: 0 });
    expect(await f.invoices("m1")).toHaveLength(2);
  });
});

describe("a CREDITS close", () => {
  it("resets plan credits while purchased pack credits carry over, also when plan credits ran out and packs were partly spent", async () => {
    await f.customerOn("c1", "creator");
    await api.ok(
      `mutation { purchaseCreditPack(customerId: "c1", packCode: "p500", idempotencyKey: "buy-1") { credits } }`,
    );
    expect(
      (await f.track({ customerId: "c1", feature: "images", idempotencyKey: "c1-a", value: "120" })).errors,
    ).toBeUndefined(); // 1,200 credits: 1,000 plan + 200 purchased
    const before = await api.ok(`{ customer(id: "c1") { wallet { credits planCredits purchasedCredits } } }`);
    expect(before.customer.wallet).toEqual({ credits: "300", planCredits: "0", purchasedCredits: "300" });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const after = await api.ok(
      `{ customer(id: "c1") { wallet { credits planCredits purchasedCredits } usage { used credits } } }`,
    );
    expect(after.customer).toEqual({
      wallet: { credits: "1300", planCredits: "1000", purchasedCredits: "300" },
      usage: [{ used: "0", credits: "0" }],
    });
    const [renewal, pack, first] = await f.invoices("c1");
    expect(first.lines).toEqual([
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "49.00", amount: "49.00" },
    ]);
    expect(pack.lines).toEqual([
      { kind: "CREDIT_PACK", feature: null, quantity: "1", unitPrice: "20.00", amount: "20.00" },
    ]);
    expect(renewal).toMatchObject({
      number: "INV-000003",
      total: "49.00",
      lines: [{ kind: "BASE_FEE", amount: "49.00" }],
    });
  });
});

describe("a BALANCE close: allowance $100, top-up $20, $130 spent", () => {
  it("bills $10.00 of overage, the top-up is gone and the new period starts with $100", async () => {
    await f.customerOn("b1", "usage");
    await api.ok(`mutation { topUpBalance(customerId: "b1", amount: "20", idempotencyKey: "top-1") { topUps } }`);
    expect(
      (await f.track({ customerId: "b1", feature: "api_calls", idempotencyKey: "b1-a", value: "13000" })).errors,
    ).toBeUndefined();
    const during = await api.ok(`{ customer(id: "b1") { wallet { balance allowance topUps spent overage } } }`);
    expect(during.customer.wallet).toEqual({
      balance: "-10.00",
      allowance: "0.00",
      topUps: "0.00",
      spent: "130.00",
      overage: "10.00",
    });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const after = await api.ok(`{ customer(id: "b1") { wallet { balance allowance topUps spent overage } } }`);
    expect(after.customer.wallet).toEqual({
      balance: "100.00",
      allowance: "100.00",
      topUps: "0.00",
      spent: "0.00",
      overage: "0.00",
    });
    const [renewal] = await f.invoices("b1");
    expect(renewal.lines).toEqual([
      { kind: "OVERAGE", feature: null, quantity: "1", unitPrice: "10.00", amount: "10.00" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "100.00", amount: "100.00" },
    ]);
    expect(renewal.total).toBe("110.00");
  });

  it("keeps unspent top-ups across the close", async () => {
    await f.customerOn("b2", "usage");
    await api.ok(`mutation { topUpBalance(customerId: "b2", amount: "20", idempotencyKey: "top-1") { topUps } }`);
    // $105: the allowance and $5 of the top-up.
    await f.track({ customerId: "b2", feature: "api_calls", idempotencyKey: "b2-a", value: "10500" });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const after = await api.ok(`{ customer(id: "b2") { wallet { balance allowance topUps } } }`);
    expect(after.customer.wallet).toEqual({ balance: "115.00", allowance: "100.00", topUps: "15.00" });
  });
});

const SUB = `plan { code } status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd scheduledPlan { code }`;

describe("plan changes", () => {
  it("IMMEDIATE closes now with overage, credits the unused base fee pro rata and bills the new plan's full period", async () => {
    await f.customerOn("p1", "pro"); // Jan 1 - Feb 1: 31 days
    // 3,000 of 10,000 calls used: 70% of the grant left, more than the 21/31 of time left.
    await f.track({ customerId: "p1", feature: "api_calls", idempotencyKey: "p1-a", value: "3000" });
    await f.advanceClock("2026-01-11T00:00:00Z"); // 10 of 31 days used
    const changed = await api.ok(
      `mutation { changePlan(customerId: "p1", planCode: "team", timing: IMMEDIATE) { ${SUB} } }`,
    );
    expect(changed.changePlan).toEqual({
      plan: { code: "team" },
      status: "ACTIVE",
      currentPeriodStart: "2026-01-11T00:00:00.000Z",
      currentPeriodEnd: "2026-02-11T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      scheduledPlan: null,
    });
    const [invoice] = await f.invoices("p1");
    // 99 x min(21/31 of time, 7/10 of the calls) = 99 x 21/31 = 67.0645161290322580... credited
    expect(invoice).toMatchObject({
      number: "INV-000002",
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: "2026-01-11T00:00:00.000Z",
      total: "232.94",
    });
    expect(invoice.lines).toEqual([
      { kind: "PRORATION", feature: null, quantity: "1", unitPrice: "-67.064516129032", amount: "-67.06" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "300.00", amount: "300.00" },
    ]);
    const usage = await api.ok(`{ customer(id: "p1") { usage { used included } } }`);
    expect(usage.customer.usage).toEqual([{ used: "0", included: "100000" }]);
  });

  it("PERIOD_END shows the scheduled plan and switches at renewal, billing the new plan's base fee", async () => {
    await f.customerOn("p2", "pro");
    const scheduled = await api.ok(
      `mutation { changePlan(customerId: "p2", planCode: "team", timing: PERIOD_END) { ${SUB} } }`,
    );
    expect(scheduled.changePlan).toMatchObject({ plan: { code: "pro" }, scheduledPlan: { code: "team" } });
    expect(await f.invoices("p2")).toHaveLength(1);
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const data = await api.ok(`{ customer(id: "p2") { subscription { ${SUB} } } }`);
    expect(data.customer.subscription).toEqual({
      plan: { code: "team" },
      status: "ACTIVE",
      currentPeriodStart: "2026-02-01T00:00:00.000Z",
      currentPeriodEnd: "2026-03-01T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      scheduledPlan: null,
    });
    const [renewal] = await f.invoices("p2");
    expect(renewal.lines).toEqual([
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "300.00", amount: "300.00" },
    ]);
  });

  it("carries purchased credits from a CREDITS plan into a BALANCE plan and back", async () => {
    await f.customerOn("p3", "creator");
    await api.ok(
      `mutation { purchaseCreditPack(customerId: "p3", packCode: "p500", idempotencyKey: "buy") { credits } }`,
    );
    await api.ok(`mutation { changePlan(customerId: "p3", planCode: "usage") { status } }`);
    const onBalance = await api.ok(
      `{ customer(id: "p3") { wallet { credits purchasedCredits planCredits balance } } }`,
    );
    // Kept and shown, but not spendable on a BALANCE plan: `credits` (what usage can spend) is null.
    expect(onBalance.customer.wallet).toEqual({
      credits: null,
      purchasedCredits: "500",
      planCredits: null,
      balance: "100.00",
    });
  });
});

describe("cancellation", () => {
  it("PERIOD_END: runs to the period's end; the final invoice has overage only; then CANCELED", async () => {
    await f.customerOn("x1", "pro");
    await f.track({ customerId: "x1", feature: "api_calls", idempotencyKey: "x1-a", value: "10100" });
    const canceled = await api.ok(`mutation { cancelSubscription(customerId: "x1") { status cancelAtPeriodEnd } }`);
    expect(canceled.cancelSubscription).toEqual({ status: "ACTIVE", cancelAtPeriodEnd: true });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const [final] = await f.invoices("x1");
    expect(final).toMatchObject({
      number: "INV-000002",
      total: "1.00",
      lines: [{ kind: "OVERAGE", feature: "api_calls", quantity: "100", amount: "1.00" }],
    });
    const data = await api.ok(
      `{ customer(id: "x1") { subscription { status } entitlements { feature } } entitlement(customerId: "x1", feature: "api_calls") { allowed reason } }`,
    );
    expect(data).toEqual({
      customer: { subscription: { status: "CANCELED" }, entitlements: [] },
      entitlement: { allowed: false, reason: "NO_SUBSCRIPTION" },
    });
    await f.advanceClock("2026-03-01T00:00:00Z");
    await close();
    expect(await f.invoices("x1")).toHaveLength(2);
  });

  it("IMMEDIATE: ends now with the overage so far and, without prorate, no credit", async () => {
    await f.customerOn("x2", "pro");
    await f.track({ customerId: "x2", feature: "api_calls", idempotencyKey: "x2-a", value: "10001" });
    await f.advanceClock("2026-01-16T12:00:00Z"); // 15.5 of 31 days used
    const canceled = await api.ok(`mutation { cancelSubscription(customerId: "x2", timing: IMMEDIATE) { status } }`);
    expect(canceled.cancelSubscription).toEqual({ status: "CANCELED" });
    const [final] = await f.invoices("x2");
    expect(final.lines).toEqual([
      { kind: "OVERAGE", feature: "api_calls", quantity: "1", unitPrice: "0.01", amount: "0.01" },
    ]);
    expect(final.total).toBe("0.01");
    const refused = await f.track({ customerId: "x2", feature: "api_calls", idempotencyKey: "x2-b", value: 1 });
    expect(refused.errors?.[0]?.extensions?.code).toBe("NO_SUBSCRIPTION");
  });
});

describe("the test clock", () => {
  it("moves only forward: backwards is BAD_USER_INPUT and changes nothing", async () => {
    await f.advanceClock("2026-03-01T00:00:00Z");
    const back = await api.gql(`mutation { advanceClock(to: "2026-02-01T00:00:00Z") }`);
    expect(back.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await api.ok(`{ now }`)).toEqual({ now: "2026-03-01T00:00:00.000Z" });
  });

  it("renews lazily: a track after the period ended closes it first and books into the new period", async () => {
    await f.customerOn("l1", "pro");
    await f.track({ customerId: "l1", feature: "api_calls", idempotencyKey: "l1-a", value: "10500" });
    await f.advanceClock("2026-02-03T00:00:00Z");
    const late = await f.track({ customerId: "l1", feature: "api_calls", idempotencyKey: "l1-b", value: "1" });
    expect(late.data.trackUsage.event.periodStart).toBe("2026-02-01T00:00:00.000Z");
    const [renewal] = await f.invoices("l1");
    expect(renewal.lines[0]).toEqual({
      kind: "OVERAGE",
      feature: "api_calls",
      quantity: "500",
      unitPrice: "0.01",
      amount: "5.00",
    });
    const stale = await api.gql(
      `mutation { trackUsage(input: { customerId: "l1", feature: "api_calls", idempotencyKey: "l1-c", timestamp: "2026-01-20T00:00:00Z" }) { replayed } }`,
    );
    expect(stale.errors?.[0]?.extensions?.code).toBe("PERIOD_CLOSED");
  });
});

describe("invoice status", () => {
  it("goes OPEN -> PAID; voiding a paid invoice is BAD_USER_INPUT; OPEN -> VOID; unknown is NOT_FOUND", async () => {
    await f.customerOn("s1", "pro");
    const paid = await api.ok(`mutation { markInvoicePaid(id: "INV-000001") { number status total } }`);
    expect(paid.markInvoicePaid).toEqual({ number: "INV-000001", status: "PAID", total: "99.00" });
    const again = await api.ok(`mutation { markInvoicePaid(id: "INV-000001") { status } }`);
    expect(again.markInvoicePaid.status).toBe("PAID");
    const illegal = await api.gql(`mutation { voidInvoice(id: "INV-000001") { status } }`);
    expect(illegal.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    await f.customerOn("s2", "usage"); // INV-000002; a top-up needs a BALANCE plan
    await api.ok(`mutation { topUpBalance(customerId: "s2", amount: "5", idempotencyKey: "t") { topUps } }`);
    const voided = await api.ok(`mutation { voidInvoice(id: "INV-000003") { status lines { kind amount } } }`);
    expect(voided.voidInvoice).toEqual({ status: "VOID", lines: [{ kind: "TOP_UP", amount: "5.00" }] });
    const missing = await api.gql(`mutation { markInvoicePaid(id: "INV-999999") { status } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const byId = await api.ok(`{ invoice(id: "INV-000001") { number customerId status } }`);
    expect(byId.invoice).toEqual({ number: "INV-000001", customerId: "s1", status: "PAID" });
  });
});
