/**
 * Currencies are real (core/currencies.ts, docs/concepts.md "Currencies"): ISO 4217 codes only,
 * invoice lines rounded to the currency's minor unit, fixed amounts in whole minor units, AI model
 * pricing only in the catalog's USD, and one currency per wallet: no plan change, resubscription
 * or purchase mixes two, and nothing is ever converted by relabelling it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", ai_chat: "METERED" },
    plans: {
      "jpy-metered": {
        model: "METERED",
        currency: "JPY",
        basePrice: "10000",
        features: [{ feature: "api_calls", included: "10", overagePrice: "0.5" }],
      },
      "jpy-metered-2": {
        model: "METERED",
        currency: "JPY",
        basePrice: "5000",
        features: [{ feature: "api_calls", overagePrice: "1" }],
      },
      "jpy-credits": {
        model: "CREDITS",
        currency: "JPY",
        basePrice: "3000",
        includedCredits: "10",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      "jpy-balance": {
        model: "BALANCE",
        currency: "JPY",
        basePrice: "1000",
        features: [{ feature: "api_calls", unitPrice: "0.3" }],
      },
      "kwd-metered": {
        model: "METERED",
        currency: "KWD",
        basePrice: "1.234",
        features: [{ feature: "api_calls", overagePrice: "0.0015" }],
      },
      "usd-metered": { model: "METERED", basePrice: "99", features: [{ feature: "api_calls", overagePrice: "0.01" }] },
      "usd-credits": {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
    },
    packs: {
      "usd-pack": { name: "USD pack", credits: "50", price: "5" },
      "jpy-pack": { name: "JPY pack", credits: "50", price: "700", currency: "JPY" },
    },
  }));
});
afterAll(() => api?.close());

const createPlan = (input: Record<string, unknown>) =>
  api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code currency basePrice } }`, {
    i: { name: "x", interval: "MONTH", model: "METERED", features: [], ...input },
  });
const buy = (customerId: string, packCode: string, key: string) =>
  api.gql(
    `mutation($c: ID!, $p: ID!, $k: ID!) { purchaseCreditPack(customerId: $c, packCode: $p, idempotencyKey: $k) { credits purchasedCredits } }`,
    { c: customerId, p: packCode, k: key },
  );
const topUp = (customerId: string, amount: string, key: string) =>
  api.gql(
    `mutation($c: ID!, $a: Money!, $k: ID!) { topUpBalance(customerId: $c, amount: $a, idempotencyKey: $k) { balance topUps } }`,
    { c: customerId, a: amount, k: key },
  );
const changePlan = (customerId: string, planCode: string, timing: string) =>
  api.gql(
    `mutation($c: ID!, $p: ID!, $t: ChangeTiming!) { changePlan(customerId: $c, planCode: $p, timing: $t) { plan { code } } }`,
    { c: customerId, p: planCode, t: timing },
  );
const cancelNow = (customerId: string) =>
  api.ok(`mutation($c: ID!) { cancelSubscription(customerId: $c, timing: IMMEDIATE) { status } }`, { c: customerId });

describe("ISO 4217 codes only", () => {
  it.each(["XYZ", "usd", "US", "XAU", "XTS"])("a plan or pack in %s is BAD_USER_INPUT", async (currency) => {
    const plan = await createPlan({ code: `p-${currency}`, basePrice: "1", currency });
    expectError(plan, "BAD_USER_INPUT");
    expect(plan.errors![0]!.message).toBe("input.currency must be an ISO 4217 currency code such as USD, EUR or JPY");
    expectError(
      await api.gql(
        `mutation($c: String) { createCreditPack(input: { code: "x", name: "x", credits: "1", price: "1", currency: $c }) { code } }`,
        {
          c: currency,
        },
      ),
      "BAD_USER_INPUT",
    );
  });

  it("EUR, JPY, KWD and CLF are accepted, with fixed amounts in their own minor units", async () => {
    for (const [currency, basePrice, shown] of [
      ["EUR", "9.99", "9.99"],
      ["JPY", "1500", "1500.00"],
      ["KWD", "1.234", "1.234"],
      ["CLF", "0.1234", "0.1234"],
    ] as const) {
      expect((await createPlan({ code: `ok-${currency}`, basePrice, currency })).data.createPlan).toEqual({
        code: `ok-${currency}`,
        currency,
        basePrice: shown,
      });
    }
  });

  it.each([
    ["USD", "10.005", "input.basePrice must be at most 2 decimal places in USD"],
    ["JPY", "1500.5", "input.basePrice must be whole JPY"],
    ["KWD", "1.2345", "input.basePrice must be at most 3 decimal places in KWD"],
  ])("a %s base price of %s is BAD_USER_INPUT", async (currency, basePrice, message) => {
    const r = await createPlan({ code: `frac-${currency}`, basePrice, currency });
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toBe(message);
  });

  it("a pack price below the minor unit is BAD_USER_INPUT", async () => {
    expectError(
      await api.gql(
        `mutation { createCreditPack(input: { code: "yen", name: "x", credits: "1", price: "99.5", currency: "JPY" }) { code } }`,
      ),
      "BAD_USER_INPUT",
    );
    expectError(
      await api.gql(
        `mutation { createCreditPack(input: { code: "cent", name: "x", credits: "1", price: "0.999" }) { code } }`,
      ),
      "BAD_USER_INPUT",
    );
  });
});

describe("invoice lines round to the currency's minor unit", () => {
  it("JPY: 3 calls of overage at ¥0.5 bill ¥2, not ¥1.50", async () => {
    await f.customerOn("tokyo", "jpy-metered");
    await f.track({ customerId: "tokyo", feature: "api_calls", idempotencyKey: "k1", value: "13" });
    await cancelNow("tokyo");
    const [closing, opening] = await f.invoices("tokyo");
    expect(opening).toMatchObject({ currency: "JPY", total: "10000.00" });
    expect(closing.currency).toBe("JPY");
    expect(closing.lines[0]).toEqual({
      kind: "OVERAGE",
      feature: "api_calls",
      quantity: "3",
      unitPrice: "0.50",
      amount: "2.00",
    });
  });

  it("KWD: one call at 0.0015 bills 0.002 (three digits), the base fee 1.234", async () => {
    await f.customerOn("kuwait", "kwd-metered");
    await f.track({ customerId: "kuwait", feature: "api_calls", idempotencyKey: "k1", value: "1" });
    await cancelNow("kuwait");
    const [closing, opening] = await f.invoices("kuwait");
    expect(opening).toMatchObject({ currency: "KWD", total: "1.234" });
    expect(closing.lines[0]).toMatchObject({ kind: "OVERAGE", amount: "0.002" });
  });
});

describe("AI model pricing needs the catalog's currency", () => {
  it("an AI_MODEL feature on an EUR plan is BAD_USER_INPUT; on USD it is fine", async () => {
    const ai = (currency: string) =>
      createPlan({
        code: `ai-${currency}`,
        model: "BALANCE",
        basePrice: "20",
        currency,
        features: [{ feature: "ai_chat", pricing: "AI_MODEL", marginBps: 2000 }],
      });
    const eur = await ai("EUR");
    expectError(eur, "BAD_USER_INPUT");
    expect(eur.errors![0]!.message).toBe(
      "input.features[0].pricing AI_MODEL needs a plan in USD, the AI model catalog's currency",
    );
    expect((await ai("USD")).data.createPlan.code).toBe("ai-USD");
  });
});

describe("one currency per wallet", () => {
  it("packs and top-ups must be in the customer's plan currency; their invoices are in it", async () => {
    await f.customerOn("osaka", "jpy-credits");
    const before = await f.snapshot("osaka");
    const usdPack = await buy("osaka", "usd-pack", "b1");
    expectError(usdPack, "BAD_USER_INPUT");
    expect(usdPack.errors![0]!.message).toBe(
      'credit pack "usd-pack" is sold in USD, customer "osaka" is billed in JPY',
    );
    expect(await f.snapshot("osaka")).toEqual(before);
    expect((await buy("osaka", "jpy-pack", "b2")).data.purchaseCreditPack).toEqual({
      credits: "60",
      purchasedCredits: "50",
    });
    expect((await f.invoices("osaka"))[0]).toMatchObject({ currency: "JPY", total: "700.00" });

    await f.customerOn("kyoto", "jpy-balance");
    expectError(await topUp("kyoto", "10.5", "t1"), "BAD_USER_INPUT");
    expect((await topUp("kyoto", "2500", "t2")).data.topUpBalance).toEqual({ balance: "3500.00", topUps: "2500.00" });
    expect((await f.invoices("kyoto"))[0]).toMatchObject({ currency: "JPY", total: "2500.00" });

    await f.customerOn("boston", "usd-credits");
    expectError(await buy("boston", "jpy-pack", "b1"), "BAD_USER_INPUT");
  });

  it("a customer without a plan buys nothing: there is no currency (nor model) to sell in", async () => {
    await f.customer("newcomer");
    expectError(await buy("newcomer", "usd-pack", "b1"), "NO_SUBSCRIPTION");
    expectError(await topUp("newcomer", "10", "t1"), "NO_SUBSCRIPTION");
    expect(await f.invoices("newcomer")).toEqual([]);
  });

  it("a plan change to another currency is refused, IMMEDIATE or at PERIOD_END; within the currency it works", async () => {
    await f.customerOn("nagoya", "jpy-metered");
    const before = await f.snapshot("nagoya");
    const invoices = await f.invoices("nagoya");
    for (const timing of ["IMMEDIATE", "PERIOD_END"]) {
      const r = await changePlan("nagoya", "usd-metered", timing);
      expectError(r, "BAD_USER_INPUT");
      expect(r.errors![0]!.message).toBe(
        'plan "usd-metered" bills in USD, the subscription in JPY: a subscription keeps its currency (cancel it and subscribe anew)',
      );
    }
    expect(await f.snapshot("nagoya")).toEqual(before);
    expect(await f.invoices("nagoya")).toEqual(invoices);
    expect((await changePlan("nagoya", "jpy-metered-2", "IMMEDIATE")).data.changePlan.plan.code).toBe("jpy-metered-2");
    const [change] = await f.invoices("nagoya");
    expect(change.currency).toBe("JPY");
  });

  it("a canceled customer with purchased credits left resubscribes in their currency only, and keeps them", async () => {
    await f.customerOn("sapporo", "jpy-credits");
    await buy("sapporo", "jpy-pack", "b1");
    await cancelNow("sapporo");
    for (const id of (await f.invoices("sapporo")).map((i) => i.number))
      await api.gql(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, { id });
    const before = await f.snapshot("sapporo");
    const usd = await f.subscribe("sapporo", "usd-credits");
    expectError(usd, "BAD_USER_INPUT");
    expect(usd.errors![0]!.message).toBe(
      'plan "usd-credits" bills in USD, but customer "sapporo" still holds 50 purchased credits: it can resubscribe in JPY only, until they are used up, paid or voided',
    );
    expect(await f.snapshot("sapporo")).toEqual(before);
    expect((await f.subscribe("sapporo", "jpy-credits")).data.subscribe.status).toBe("ACTIVE");
    expect(await f.wallet("sapporo")).toMatchObject({ credits: "60", planCredits: "10", purchasedCredits: "50" });
  });

  it("a canceled customer with an open invoice in its old currency cannot start another until it is paid or voided", async () => {
    await f.customerOn("kobe", "jpy-metered");
    await cancelNow("kobe");
    const open = (await f.invoices("kobe")).filter((i) => i.status === "OPEN").map((i) => i.number);
    expect(open.length).toBeGreaterThan(0);
    const r = await f.subscribe("kobe", "usd-metered");
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toContain(`open JPY invoice(s) (${open.join(", ")})`);
    for (const id of open) await api.ok(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, { id });
    expect((await f.subscribe("kobe", "usd-metered")).data.subscribe.status).toBe("ACTIVE");
    expect((await f.invoices("kobe"))[0]).toMatchObject({ currency: "USD", total: "99.00" });
  });

  it("a JPY customer's top-up never becomes dollars: the change to USD is refused while it is left", async () => {
    await f.customerOn("fukuoka", "jpy-balance");
    await topUp("fukuoka", "5000", "t1");
    expectError(await changePlan("fukuoka", "usd-metered", "IMMEDIATE"), "BAD_USER_INPUT");
    await cancelNow("fukuoka");
    for (const i of await f.invoices("fukuoka"))
      await api.gql(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, { id: i.number });
    const r = await f.subscribe("fukuoka", "usd-metered");
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toContain("still holds 5000.00 JPY of top-ups");
    // Back on a JPY plan, the top-up is there to spend, in yen.
    expect((await f.subscribe("fukuoka", "jpy-balance")).data.subscribe.status).toBe("ACTIVE");
    expect(await f.wallet("fukuoka")).toMatchObject({ topUps: "5000.00", balance: "6000.00" });
  });
  it("account credit is money in the old currency: a customer holding it resubscribes in that currency only", async () => {
    await f.customerOn("sendai", "jpy-metered");
    // The clock stands still: the whole ¥10,000 is unused, the new plan bills ¥5,000, ¥5,000 is owed back.
    await changePlan("sendai", "jpy-metered-2", "IMMEDIATE");
    const credit = await api.ok(`{ customer(id: "sendai") { accountCredit } }`);
    expect(credit.customer.accountCredit).toBe("5000.00");
    await cancelNow("sendai");
    for (const i of await f.invoices("sendai"))
      await api.gql(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, { id: i.number });
    const r = await f.subscribe("sendai", "usd-metered");
    expectError(r, "BAD_USER_INPUT");
    expect(r.errors![0]!.message).toContain("still holds 5000.00 JPY of account credit");
    expect((await f.subscribe("sendai", "jpy-metered")).data.subscribe.status).toBe("ACTIVE");
  });
});
