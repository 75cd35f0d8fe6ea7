/** The three consumption models of docs/concepts.md, end to end over HTTP, with exact decimal strings. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { scenario } from "../support/scenario";

let api: TestApi;
beforeAll(async () => {
  ({ api } = await scenario({ features: { api_calls: "METERED", image_generation: "METERED", sso: "BOOLEAN" } }));
});
afterAll(() => api?.close());

const track = (customerId: string, feature: string, key: string, value: string | number = 1) =>
  api.gql(
    `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed event { value cost credits } entitlement { allowed reason used included remaining credits balance } } }`,
    { i: { customerId, feature, idempotencyKey: key, value } },
  );

async function customerOn(plan: string, id: string) {
  await api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id } });
  await api.ok(`mutation($c: ID!, $p: ID!) { subscribe(customerId: $c, planCode: $p) { status } }`, { c: id, p: plan });
}

describe("METERED: $99/month including 10,000 API calls, $0.01 per extra call", () => {
  it("counts 15,000 calls and shows 5,000 over the included 10,000, $50.00 of overage", async () => {
    await api.ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: {
        code: "pro",
        name: "Pro",
        model: "METERED",
        basePrice: "99",
        interval: "MONTH",
        features: [{ feature: "api_calls", included: "10000", overagePrice: "0.01" }, { feature: "sso" }],
      },
    });
    await customerOn("pro", "acme");
    const first = await track("acme", "api_calls", "k1", "10000");
    expect(first.data.trackUsage.entitlement).toEqual({
      allowed: true,
      reason: null,
      used: "10000",
      included: "10000",
      remaining: "0",
      credits: null,
      balance: null,
    });
    await track("acme", "api_calls", "k2", 5000);
    const data = await api.ok(
      `{ customer(id: "acme") { usage { feature { code } used included overage cost } entitlements { feature allowed } } }`,
    );
    expect(data.customer.usage).toEqual([
      { feature: { code: "api_calls" }, used: "15000", included: "10000", overage: "5000", cost: "50.00" },
    ]);
    expect(data.customer.entitlements).toEqual([
      { feature: "api_calls", allowed: true },
      { feature: "sso", allowed: true },
    ]);
  });
});

describe("CREDITS: $49/month with 1,000 credits, image generation at 10 credits", () => {
  it("refuses the 101st image of the period unless a pack was bought", async () => {
    await api.ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: {
        code: "creator",
        name: "Creator",
        model: "CREDITS",
        basePrice: "49",
        interval: "MONTH",
        includedCredits: "1000",
        features: [{ feature: "image_generation", creditsPerUnit: "10" }],
      },
    });
    await api.ok(`mutation($i: CreateCreditPackInput!) { createCreditPack(input: $i) { code } }`, {
      i: { code: "pack100", name: "100 credits", credits: "100", price: "9" },
    });
    await customerOn("creator", "studio");
    const hundred = await track("studio", "image_generation", "img-1-100", 100);
    expect(hundred.data.trackUsage.event).toEqual({ value: "100", cost: null, credits: "1000" });
    expect(hundred.data.trackUsage.entitlement).toMatchObject({
      allowed: false,
      reason: "INSUFFICIENT_CREDITS",
      credits: "0",
    });
    const refused = await track("studio", "image_generation", "img-101");
    expect(refused.errors?.[0]?.extensions?.code).toBe("INSUFFICIENT_CREDITS");
    const wallet = await api.ok(
      `mutation { purchaseCreditPack(customerId: "studio", packCode: "pack100", idempotencyKey: "buy-1") { credits planCredits purchasedCredits } }`,
    );
    expect(wallet.purchaseCreditPack).toEqual({ credits: "100", planCredits: "0", purchasedCredits: "100" });
    const accepted = await track("studio", "image_generation", "img-101");
    expect(accepted.data.trackUsage.entitlement).toMatchObject({ allowed: true, credits: "90" });
  });
});

describe("BALANCE: a $100/month plan, calls at $0.0043", () => {
  it("spends $64.50 on 15,000 calls and leaves $35.50", async () => {
    await api.ok(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: {
        code: "usage100",
        name: "Usage",
        model: "BALANCE",
        basePrice: "100",
        interval: "MONTH",
        features: [{ feature: "api_calls", unitPrice: "0.0043" }],
      },
    });
    await customerOn("usage100", "bigco");
    const result = await track("bigco", "api_calls", "b1", "15000");
    expect(result.data.trackUsage.event.cost).toBe("64.50");
    expect(result.data.trackUsage.entitlement).toMatchObject({ allowed: true, balance: "35.50" });
    const data = await api.ok(`{ customer(id: "bigco") { wallet { balance allowance topUps spent overage } } }`);
    expect(data.customer.wallet).toEqual({
      balance: "35.50",
      allowance: "35.50",
      topUps: "0.00",
      spent: "64.50",
      overage: "0.00",
    });
  });
});
