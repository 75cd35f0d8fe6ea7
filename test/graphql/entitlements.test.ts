/**
 * The entitlement check and quote over HTTP: read-only answers with exact numbers per model.
 * A denial is data (allowed false with a reason), never an error, and a check never writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getItem } from "../../core/db/items";
import { keys } from "../../core/db/keys";
import { startTestApi, type TestApi } from "../support/server";
import { ENTITLEMENT_FIELDS, expectError, fixtures, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN", audit_log: "BOOLEAN" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "1000", overagePrice: "0.01" }, { feature: "sso" }],
      },
      capped: {
        model: "METERED",
        basePrice: "5",
        features: [{ feature: "api_calls", included: "2", overagePrice: "1", limit: "5" }],
      },
      credits: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "10" }, { feature: "sso" }],
      },
      balance: PLANS.balance,
      prepaid: {
        model: "BALANCE",
        basePrice: "1",
        blockOnExhaustion: true,
        features: [{ feature: "api_calls", unitPrice: "0.25" }],
      },
    },
    customers: {
      "m-co": "metered",
      "cap-co": "capped",
      "c-co": "credits",
      "b-co": "balance",
      "p-co": "prepaid",
      idle: null,
    },
  }));
  await f.track({ customerId: "m-co", feature: "api_calls", idempotencyKey: "seed", value: "250" });
  await f.track({ customerId: "cap-co", feature: "api_calls", idempotencyKey: "seed", value: "3" });
  await f.track({ customerId: "c-co", feature: "images", idempotencyKey: "seed", value: "3" });
  await f.track({ customerId: "b-co", feature: "api_calls", idempotencyKey: "seed", value: "15000" });
});
afterAll(() => api?.close());

const check = async (customerId: string, feature: string, amount?: string | number) =>
  (
    await api.ok(
      `query($c: ID!, $f: ID!, $a: Decimal) { entitlement(customerId: $c, feature: $f, amount: $a) { ${ENTITLEMENT_FIELDS} } }`,
      {
        c: customerId,
        f: feature,
        a: amount,
      },
    )
  ).entitlement;

const quote = (input: Record<string, unknown>) =>
  api.gql(`query($i: TrackUsageInput!) { quote(input: $i) { cost credits } }`, {
    i: { idempotencyKey: "q", ...input },
  });

const none = { used: null, included: null, remaining: null, credits: null, balance: null };

describe("what each model reports", () => {
  it("METERED: used, included and remaining", async () => {
    expect(await check("m-co", "api_calls")).toEqual({
      feature: "api_calls",
      allowed: true,
      reason: null,
      model: "METERED",
      used: "250",
      included: "1000",
      remaining: "750",
      credits: null,
      balance: null,
    });
  });

  it("METERED without a limit: beyond the included units it is still allowed, with nothing remaining", async () => {
    expect(await check("m-co", "api_calls", "1000000")).toMatchObject({
      allowed: true,
      reason: null,
      remaining: "750",
    });
    await f.customerOn("m-over", "metered");
    await f.track({ customerId: "m-over", feature: "api_calls", idempotencyKey: "big", value: "1500" });
    expect(await check("m-over", "api_calls")).toMatchObject({
      allowed: true,
      used: "1500",
      included: "1000",
      remaining: "0",
    });
  });

  it("CREDITS: the credits left", async () => {
    expect(await check("c-co", "images")).toEqual({
      ...none,
      feature: "images",
      allowed: true,
      reason: null,
      model: "CREDITS",
      used: "3",
      credits: "70",
    });
  });

  it("BALANCE: the balance left", async () => {
    expect(await check("b-co", "api_calls")).toEqual({
      ...none,
      feature: "api_calls",
      allowed: true,
      reason: null,
      model: "BALANCE",
      used: "15000",
      balance: "35.50",
    });
  });

  it("BALANCE without blockOnExhaustion never denies: an amount beyond the balance is allowed", async () => {
    expect(await check("b-co", "api_calls", "1000000")).toMatchObject({
      allowed: true,
      reason: null,
      balance: "35.50",
    });
  });

  it("a BOOLEAN feature in the plan is simply allowed", async () => {
    expect(await check("m-co", "sso")).toEqual({
      ...none,
      feature: "sso",
      allowed: true,
      reason: null,
      model: "METERED",
    });
    expect(await check("c-co", "sso")).toEqual({
      ...none,
      feature: "sso",
      allowed: true,
      reason: null,
      model: "CREDITS",
    });
  });
});

describe("denials are data, not errors", () => {
  it("NO_SUBSCRIPTION for a customer without a plan", async () => {
    const response = await api.gql(
      `{ entitlement(customerId: "idle", feature: "api_calls") { ${ENTITLEMENT_FIELDS} } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.entitlement).toEqual({
      ...none,
      feature: "api_calls",
      allowed: false,
      reason: "NO_SUBSCRIPTION",
      model: null,
    });
  });

  it("FEATURE_NOT_IN_PLAN for a metered or a BOOLEAN feature the plan lacks", async () => {
    expect(await check("m-co", "images")).toEqual({
      ...none,
      feature: "images",
      allowed: false,
      reason: "FEATURE_NOT_IN_PLAN",
      model: "METERED",
    });
    expect(await check("m-co", "audit_log")).toEqual({
      ...none,
      feature: "audit_log",
      allowed: false,
      reason: "FEATURE_NOT_IN_PLAN",
      model: "METERED",
    });
  });

  it("UNKNOWN_FEATURE for a feature that does not exist: one typo among five aliased checks answers for itself", async () => {
    const response = await api.gql(`{
      a: entitlement(customerId: "m-co", feature: "api_calls") { feature allowed reason }
      b: entitlement(customerId: "m-co", feature: "sso") { feature allowed reason }
      typo: entitlement(customerId: "m-co", feature: "api_cals") { ${ENTITLEMENT_FIELDS} }
      bad: entitlement(customerId: "m-co", feature: "not a code#") { feature allowed reason model }
      none: entitlement(customerId: "idle", feature: "api_cals") { feature allowed reason model }
    }`);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      a: { feature: "api_calls", allowed: true, reason: null },
      b: { feature: "sso", allowed: true, reason: null },
      typo: { ...none, feature: "api_cals", allowed: false, reason: "UNKNOWN_FEATURE", model: "METERED" },
      bad: { feature: "not a code#", allowed: false, reason: "UNKNOWN_FEATURE", model: "METERED" },
      none: { feature: "api_cals", allowed: false, reason: "UNKNOWN_FEATURE", model: null },
    });
  });

  it("INSUFFICIENT_CREDITS when the amount costs more credits than are left (70 left, 10 per image)", async () => {
    expect(await check("c-co", "images", "7")).toMatchObject({ allowed: true, reason: null, credits: "70" });
    expect(await check("c-co", "images", "7.1")).toMatchObject({
      allowed: false,
      reason: "INSUFFICIENT_CREDITS",
      credits: "70",
    });
  });

  it("LIMIT_REACHED when the amount would pass the hard limit (3 of 5 used)", async () => {
    expect(await check("cap-co", "api_calls", "2")).toMatchObject({
      allowed: true,
      reason: null,
      used: "3",
      included: "2",
      remaining: "0",
    });
    expect(await check("cap-co", "api_calls", "3")).toMatchObject({
      allowed: false,
      reason: "LIMIT_REACHED",
      used: "3",
    });
  });

  it("INSUFFICIENT_BALANCE with blockOnExhaustion when the amount would take the balance below zero ($1 at $0.25)", async () => {
    expect(await check("p-co", "api_calls", "4")).toMatchObject({ allowed: true, reason: null, balance: "1.00" });
    expect(await check("p-co", "api_calls", "5")).toMatchObject({
      allowed: false,
      reason: "INSUFFICIENT_BALANCE",
      balance: "1.00",
    });
    await f.track({ customerId: "p-co", feature: "api_calls", idempotencyKey: "all", value: "4" });
    expect(await check("p-co", "api_calls")).toMatchObject({
      allowed: false,
      reason: "INSUFFICIENT_BALANCE",
      balance: "0.00",
    });
  });

  it("the check agrees with tracking: what it denies, trackUsage refuses with the same code", async () => {
    expect(await check("cap-co", "api_calls", "3")).toMatchObject({ reason: "LIMIT_REACHED" });
    expectError(
      await f.track({ customerId: "cap-co", feature: "api_calls", idempotencyKey: "over", value: "3" }),
      "LIMIT_REACHED",
    );
    expect(await check("c-co", "images", "8")).toMatchObject({ reason: "INSUFFICIENT_CREDITS" });
    expectError(
      await f.track({ customerId: "c-co", feature: "images", idempotencyKey: "over", value: "8" }),
      "INSUFFICIENT_CREDITS",
    );
  });
});

describe("a check never writes", () => {
  it("given every kind of check and quote, then every customer is exactly as before", async () => {
    const customers = ["m-co", "cap-co", "c-co", "b-co", "p-co", "idle"];
    const before = await Promise.all(customers.map((c) => f.snapshot(c)));
    await Promise.all([
      check("m-co", "api_calls", "5000"),
      check("cap-co", "api_calls", "10"),
      check("c-co", "images", "1000"),
      check("b-co", "api_calls", "1000000"),
      check("p-co", "api_calls", "1"),
      check("idle", "api_calls"),
      quote({ customerId: "c-co", feature: "images", value: "2" }),
      quote({ customerId: "b-co", feature: "api_calls", value: "10" }),
    ]);
    expect(await Promise.all(customers.map((c) => f.snapshot(c)))).toEqual(before);
  });

  it("a quote does not use up its idempotency key", async () => {
    await f.customerOn("q-co", "credits");
    expect(
      (await quote({ customerId: "q-co", feature: "images", idempotencyKey: "later", value: "1" })).data.quote,
    ).toEqual({ cost: null, credits: "10" });
    const tracked = await f.track({ customerId: "q-co", feature: "images", idempotencyKey: "later", value: "2" });
    expect(tracked.data.trackUsage).toMatchObject({ replayed: false, event: { credits: "20" } });
  });
});

describe("quote", () => {
  it("METERED: the overage the usage would add to this period's bill; null when it fits in what is left of included", async () => {
    // m-co has used 250 of its 1,000 included calls; overage is $0.01 a call.
    expect((await quote({ customerId: "m-co", feature: "api_calls", value: "5000" })).data.quote).toEqual({
      cost: "42.50",
      credits: null,
    });
    expect((await quote({ customerId: "m-co", feature: "api_calls", value: "750" })).data.quote).toEqual({
      cost: null,
      credits: null,
    });
    expect((await quote({ customerId: "m-co", feature: "api_calls", value: "751" })).data.quote).toEqual({
      cost: "0.01",
      credits: null,
    });
    expect((await quote({ customerId: "m-co", feature: "api_calls", value: "750.5" })).data.quote).toEqual({
      cost: "0.005",
      credits: null,
    });
  });

  it("CREDITS: the credits the usage would burn, even beyond what is left", async () => {
    expect((await quote({ customerId: "c-co", feature: "images", value: "3" })).data.quote).toEqual({
      cost: null,
      credits: "30",
    });
    expect((await quote({ customerId: "c-co", feature: "images", value: "0.5" })).data.quote).toEqual({
      cost: null,
      credits: "5",
    });
    expect((await quote({ customerId: "c-co", feature: "images", value: "50" })).data.quote).toEqual({
      cost: null,
      credits: "500",
    });
  });

  it("BALANCE: the exact money, unrounded", async () => {
    expect((await quote({ customerId: "b-co", feature: "api_calls", value: "15000" })).data.quote).toEqual({
      cost: "64.50",
      credits: null,
    });
    expect((await quote({ customerId: "b-co", feature: "api_calls" })).data.quote).toEqual({
      cost: "0.0043",
      credits: null,
    });
    expect((await quote({ customerId: "b-co", feature: "api_calls", value: "0.000001" })).data.quote).toEqual({
      cost: "0.0000000043",
      credits: null,
    });
  });

  it("refuses what tracking would refuse for the request itself", async () => {
    expectError(await quote({ customerId: "idle", feature: "api_calls" }), "NO_SUBSCRIPTION");
    expectError(await quote({ customerId: "m-co", feature: "images" }), "FEATURE_NOT_IN_PLAN");
    expectError(await quote({ customerId: "ghost", feature: "api_calls" }), "NOT_FOUND");
    expectError(await quote({ customerId: "m-co", feature: "api_calls", value: "-1" }), "BAD_USER_INPUT");
  });
});

describe("after the period ends", () => {
  let later: TestApi;
  beforeAll(async () => {
    later = await startTestApi();
  });
  afterAll(() => later?.close());

  it("given a CREDITS plan whose credits ran out, when the month is over, then the check shows fresh plan credits without writing", async () => {
    const g = fixtures(later);
    await g.feature("images");
    await g.plan({
      code: "credits",
      model: "CREDITS",
      basePrice: "49",
      includedCredits: "100",
      features: [{ feature: "images", creditsPerUnit: "10" }],
    });
    await g.customerOn("c-co", "credits");
    await g.track({ customerId: "c-co", feature: "images", idempotencyKey: "all", value: "10" });
    const e = (await later.ok(`{ entitlement(customerId: "c-co", feature: "images") { allowed reason credits used } }`))
      .entitlement;
    expect(e).toEqual({ allowed: false, reason: "INSUFFICIENT_CREDITS", credits: "0", used: "10" });

    await g.advanceClock("2026-02-01T00:00:00Z");
    const stored = await getItem(later.deps.db, keys.wallet("c-co"));
    const after = (
      await later.ok(`{ entitlement(customerId: "c-co", feature: "images") { allowed reason credits used } }`)
    ).entitlement;
    expect(after).toEqual({ allowed: true, reason: null, credits: "100", used: "0" });
    expect(await getItem(later.deps.db, keys.wallet("c-co"))).toEqual(stored);
  });
});
