/** Money and Decimal inputs: strings or JSON numbers, read from their decimal text, never lossy. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  await api.ok(`mutation { createFeature(input: { code: "calls", name: "Calls", kind: METERED }) { code } }`);
});
afterAll(() => api?.close());

/** A METERED plan's feature carries a Decimal (included) and a Money (overagePrice) of up to 12 decimals. */
const PLAN = `mutation($i: CreatePlanInput!) { createPlan(input: $i) { features { included overagePrice } } }`;
const plan = (code: string, included: unknown, overagePrice: unknown) => ({
  i: {
    code,
    name: code,
    model: "METERED",
    basePrice: "1",
    interval: "MONTH",
    features: [{ feature: "calls", included, overagePrice }],
  },
});
const pricedAs = (data: { createPlan: { features: { included: string; overagePrice: string }[] } }) => ({
  credits: data.createPlan.features[0]!.included,
  price: data.createPlan.features[0]!.overagePrice,
});

describe("Money and Decimal scalars", () => {
  it("accept JSON numbers and strings alike, and print exact decimal strings", async () => {
    const fromNumbers = await api.ok(PLAN, plan("a", 1500.5, 0.1));
    expect(pricedAs(fromNumbers)).toEqual({ credits: "1500.5", price: "0.10" });
    const fromText = await api.ok(
      `mutation { createPlan(input: { code: "b", name: "B", model: METERED, basePrice: 1, interval: MONTH,
        features: [{ feature: "calls", included: 2, overagePrice: 0.000000000001 }] }) { features { included overagePrice } } }`,
    );
    expect(pricedAs(fromText)).toEqual({ credits: "2", price: "0.000000000001" });
  });

  it("refuse a JSON number with more digits than a float keeps exactly, instead of rounding it silently", async () => {
    const result = await api.gql(PLAN, plan("c", 1, 0.1234567890123456));
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const asText = await api.ok(PLAN, plan("d", 1, "0.123456789012"));
    expect(pricedAs(asText).price).toBe("0.123456789012");
  });

  it("refuse 13 decimals of money and 7 of quantity, NaN and exponents out of range", async () => {
    for (const [credits, price] of [
      [1, "0.0000000000001"],
      ["0.0000001", 1],
      [1, "NaN"],
      [1, "1e999"],
      ["abc", 1],
    ]) {
      const result = await api.gql(PLAN, plan("e", credits, price));
      expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    const plans = await api.ok(`{ plans { code } }`);
    expect(plans.plans.map((p: { code: string }) => p.code).sort()).toEqual(["a", "b", "d"]);
  });
});
