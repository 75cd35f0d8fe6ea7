/** Tiered and package pricing through the API: plans, quotes, entitlements, the close's invoice lines. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
const tiers = [
  { upTo: "1000", unitPrice: "0.01" },
  { upTo: "10000", unitPrice: "0.005", flatFee: "2" },
  { unitPrice: "0.001" },
];
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { calls: "METERED", tokens: "METERED" },
    plans: {
      graduated: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "calls", included: "100", tiers }],
      },
      volume: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "calls", included: "100", tiers, tierMode: "VOLUME" }],
      },
      packs: {
        model: "METERED",
        basePrice: "0",
        features: [{ feature: "tokens", overagePrice: "0.03", packageSize: "1000" }],
      },
      payg: {
        model: "BALANCE",
        basePrice: "5",
        features: [{ feature: "tokens", unitPrice: "0.03", packageSize: "1000" }],
      },
    },
  }));
});
afterEach(() => api.close());

const close = () => api.ok(`mutation { closeDuePeriods }`);
const LINES = "lines { kind description feature quantity unitPrice amount }";
const overageOf = async (customerId: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { total ${LINES} } } }`, { c: customerId })).customer
    .invoices[0];
const entitlement = async (customerId: string, feature: string) =>
  (
    await api.ok(
      `query($c: ID!, $f: ID!) { entitlement(customerId: $c, feature: $f) { allowed used included remaining unitPrice tier } }`,
      { c: customerId, f: feature },
    )
  ).entitlement;
const quote = async (customerId: string, feature: string, value: string) =>
  (
    await api.ok(`query($i: TrackUsageInput!) { quote(input: $i) { cost credits } }`, {
      i: { customerId, feature, idempotencyKey: "q", value },
    })
  ).quote;

describe("a plan with tiers", () => {
  it("shows its tiers and mode", async () => {
    const { plan } = await api.ok(
      `{ plan(code: "graduated") { features { tiers { upTo unitPrice flatFee } tierMode packageSize overagePrice } } }`,
    );
    expect(plan.features).toEqual([
      {
        tiers: [
          { upTo: "1000", unitPrice: "0.01", flatFee: null },
          { upTo: "10000", unitPrice: "0.005", flatFee: "2.00" },
          { upTo: null, unitPrice: "0.001", flatFee: null },
        ],
        tierMode: "GRADUATED",
        packageSize: null,
        overagePrice: null,
      },
    ]);
  });

  it("refuses bad tiers with BAD_USER_INPUT naming the field, and writes no plan", async () => {
    const response = await api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: {
        code: "bad",
        name: "bad",
        model: "METERED",
        basePrice: "0",
        interval: "MONTH",
        features: [
          {
            feature: "calls",
            tiers: [{ upTo: "10", unitPrice: "1" }, { upTo: "5", unitPrice: "1" }, { unitPrice: "1" }],
          },
        ],
      },
    });
    expect(response.errors?.[0]).toMatchObject({
      message: "input.features[0].tiers[1].upTo must be greater than input.features[0].tiers[0].upTo (10)",
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect((await api.ok(`{ plan(code: "bad") { code } }`)).plan).toBeNull();
  });

  it("GRADUATED: 10,101 calls (10,001 beyond 100 included) bill one line per tier and the flat fee", async () => {
    await f.customerOn("g", "graduated");
    await f.track({ customerId: "g", feature: "calls", idempotencyKey: "g1", value: "10101" });
    await f.advanceClock("2026-02-01T00:00:00Z");
    expect(await close()).toEqual({ closeDuePeriods: 1 });
    const invoice = await overageOf("g");
    expect(invoice.lines.filter((l: { kind: string }) => l.kind === "OVERAGE")).toEqual([
      {
        kind: "OVERAGE",
        description: "calls beyond the included units, tier 1 (up to 1000)",
        feature: "calls",
        quantity: "1000",
        unitPrice: "0.01",
        amount: "10.00",
      },
      {
        kind: "OVERAGE",
        description: "calls beyond the included units, tier 2 (1000 to 10000)",
        feature: "calls",
        quantity: "9000",
        unitPrice: "0.005",
        amount: "45.00",
      },
      {
        kind: "OVERAGE",
        description: "calls flat fee of tier 2 (1000 to 10000)",
        feature: "calls",
        quantity: "1",
        unitPrice: "2.00",
        amount: "2.00",
      },
      {
        kind: "OVERAGE",
        description: "calls beyond the included units, tier 3 (above 10000)",
        feature: "calls",
        quantity: "1",
        unitPrice: "0.001",
        amount: "0.00",
      },
    ]);
    expect(invoice.total).toBe("67.00"); // 10 + 45 + 2 + 0.00 (0.001 rounds to 0.00 on its line) + base fee 10
  });

  it("VOLUME: 1,101 calls (1,001 beyond included) bill every unit at tier 2, plus its flat fee", async () => {
    await f.customerOn("v", "volume");
    await f.track({ customerId: "v", feature: "calls", idempotencyKey: "v1", value: "1101" });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    const invoice = await overageOf("v");
    expect(
      invoice.lines
        .filter((l: { kind: string }) => l.kind === "OVERAGE")
        .map((l: any) => [l.quantity, l.unitPrice, l.amount]),
    ).toEqual([
      ["1001", "0.005", "5.01"],
      ["1", "2.00", "2.00"],
    ]);
    expect(invoice.total).toBe("17.01");
  });

  it("entitlement shows the price at the current position; quote what a usage adds across tiers", async () => {
    await f.customerOn("g", "graduated");
    expect(await entitlement("g", "calls")).toEqual({
      allowed: true,
      used: "0",
      included: "100",
      remaining: "100",
      unitPrice: "0.00",
      tier: null,
    });
    expect(await quote("g", "calls", "100")).toEqual({ cost: null, credits: null });
    // 100 included, then 1,000 at 0.01, then 1 at 0.005 with tier 2's flat fee 2.
    expect(await quote("g", "calls", "1101")).toEqual({ cost: "12.005", credits: null });
    await f.track({ customerId: "g", feature: "calls", idempotencyKey: "g1", value: "1100" });
    expect(await entitlement("g", "calls")).toEqual({
      allowed: true,
      used: "1100",
      included: "100",
      remaining: "0",
      unitPrice: "0.005",
      tier: 2,
    });
    expect(await quote("g", "calls", "1")).toEqual({ cost: "2.005", credits: null });
  });

  it("VOLUME: a quote that reaches a cheaper tier is negative (the whole total is repriced)", async () => {
    await f.customerOn("v", "volume");
    await f.track({ customerId: "v", feature: "calls", idempotencyKey: "v1", value: "10100" }); // 10,000 at 0.005 + 2 = 52
    expect(await quote("v", "calls", "1")).toEqual({ cost: "-41.999", credits: null }); // 10,001 at 0.001 = 10.001
    expect(await entitlement("v", "calls")).toMatchObject({ unitPrice: "0.001", tier: 3 });
  });
});

describe("packages", () => {
  it("METERED: $0.03 per 1,000 tokens, 50,001 tokens bill 51 packages, 1.53", async () => {
    await f.customerOn("p", "packs");
    await f.track({ customerId: "p", feature: "tokens", idempotencyKey: "p1", value: "50001" });
    expect(await entitlement("p", "tokens")).toMatchObject({ unitPrice: "0.03", tier: null });
    // The 51st package covers up to 51,000 tokens: 999 more add nothing, 1,000 more start a 52nd.
    expect(await quote("p", "tokens", "999")).toEqual({ cost: "0.00", credits: null });
    expect(await quote("p", "tokens", "1000")).toEqual({ cost: "0.03", credits: null });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await close();
    expect((await overageOf("p")).lines.filter((l: { kind: string }) => l.kind === "OVERAGE")).toEqual([
      {
        kind: "OVERAGE",
        description: "tokens beyond the included units, in packages of 1000",
        feature: "tokens",
        quantity: "51",
        unitPrice: "0.03",
        amount: "1.53",
      },
    ]);
  });

  it("BALANCE FIXED: 0.03 per 1,000 tokens spends exactly 0.00003 per token, no rounding per event", async () => {
    await f.customerOn("b", "payg");
    const tracked = await f.track({ customerId: "b", feature: "tokens", idempotencyKey: "b1", value: "1" });
    expect(tracked.data?.trackUsage.event.cost).toBe("0.00003");
    await f.track({ customerId: "b", feature: "tokens", idempotencyKey: "b2", value: "50000" });
    expect(await f.wallet("b")).toMatchObject({ balance: "3.49997", spent: "1.50003" });
  });
});
