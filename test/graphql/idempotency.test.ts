/**
 * Idempotency over HTTP: a replayed trackUsage, credit pack purchase or top-up answers the original
 * and moves nothing; a key reused for something else is IDEMPOTENCY_KEY_REUSED and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "1000", overagePrice: "0.01" }],
      },
      credits: PLANS.credits,
      balance: PLANS.balance,
    },
    packs: { pack50: { credits: "50", price: "5" }, pack200: { credits: "200", price: "15" } },
  }));
});
afterAll(() => api?.close());

describe("trackUsage replays", () => {
  it("given an accepted METERED event, when the same request is sent again, then it answers the original with replayed true and the counter stays put", async () => {
    await f.customerOn("m1", "metered");
    const input = { customerId: "m1", feature: "api_calls", idempotencyKey: "req-1", value: "250" };
    const first = await f.track(input);
    expect(first.errors).toBeUndefined();
    expect(first.data.trackUsage.replayed).toBe(false);
    expect(first.data.trackUsage.event).toEqual({
      idempotencyKey: "req-1",
      customerId: "m1",
      feature: "api_calls",
      value: "250",
      cost: null,
      credits: null,
      timestamp: "2026-01-01T00:00:00.000Z",
      periodStart: "2026-01-01T00:00:00.000Z",
    });
    const before = await f.snapshot("m1");
    expect(before.usage).toEqual([
      { feature: { code: "api_calls" }, used: "250", included: "1000", overage: "0", cost: "0.00", credits: null },
    ]);

    const again = await f.track(input);
    expect(again.errors).toBeUndefined();
    expect(again.data.trackUsage.replayed).toBe(true);
    expect(again.data.trackUsage.event).toEqual(first.data.trackUsage.event);
    expect(again.data.trackUsage.entitlement).toMatchObject({
      allowed: true,
      used: "250",
      included: "1000",
      remaining: "750",
    });
    expect(await f.snapshot("m1")).toEqual(before);
  });

  it("given an accepted event, when the same request is replayed with the value as a JSON number, then it is still a replay", async () => {
    await f.customerOn("m2", "metered");
    await f.track({ customerId: "m2", feature: "api_calls", idempotencyKey: "n-1", value: "7.5" });
    const again = await f.track({ customerId: "m2", feature: "api_calls", idempotencyKey: "n-1", value: 7.5 });
    expect(again.data.trackUsage).toMatchObject({ replayed: true, event: { value: "7.5" } });
    expect(await f.usage("m2")).toEqual([
      { feature: { code: "api_calls" }, used: "7.5", included: "1000", overage: "0", cost: "0.00", credits: null },
    ]);
  });

  it("given an event sent without a value, when it is replayed with an explicit value of 1, then it is the same request", async () => {
    await f.customerOn("m2b", "metered");
    await f.track({ customerId: "m2b", feature: "api_calls", idempotencyKey: "d-1" });
    const again = await f.track({ customerId: "m2b", feature: "api_calls", idempotencyKey: "d-1", value: 1 });
    expect(again.data.trackUsage).toMatchObject({ replayed: true, event: { value: "1" } });
  });

  it("given an accepted event, when the key is reused with another value, then IDEMPOTENCY_KEY_REUSED and nothing is written", async () => {
    await f.customerOn("m3", "metered");
    await f.track({ customerId: "m3", feature: "api_calls", idempotencyKey: "k", value: "10" });
    const before = await f.snapshot("m3");
    const reused = await f.track({ customerId: "m3", feature: "api_calls", idempotencyKey: "k", value: "11" });
    expectError(reused, "IDEMPOTENCY_KEY_REUSED");
    expect(reused.data).toBeNull();
    expect(await f.snapshot("m3")).toEqual(before);
    expect(before.usage[0].used).toBe("10");
    expect(before.events.edges.map((e: any) => [e.node.idempotencyKey, e.node.value])).toEqual([["k", "10"]]);
  });

  it("given an accepted event, when the key is reused with other properties or an explicit timestamp, then IDEMPOTENCY_KEY_REUSED", async () => {
    await f.customerOn("m4", "metered");
    await f.track({
      customerId: "m4",
      feature: "api_calls",
      idempotencyKey: "p",
      value: "1",
      properties: { run: "a" },
    });
    const before = await f.snapshot("m4");
    expectError(
      await f.track({
        customerId: "m4",
        feature: "api_calls",
        idempotencyKey: "p",
        value: "1",
        properties: { run: "b" },
      }),
      "IDEMPOTENCY_KEY_REUSED",
    );
    expectError(
      await f.track({
        customerId: "m4",
        feature: "api_calls",
        idempotencyKey: "p",
        value: "1",
        properties: { run: "a" },
        timestamp: "2026-01-01T00:00:00Z",
      }),
      "IDEMPOTENCY_KEY_REUSED",
    );
    // Key order inside properties does not make it another request.
    const same = await f.track({
      customerId: "m4",
      feature: "api_calls",
      idempotencyKey: "p",
      value: "1",
      properties: { run: "a" },
    });
    expect(same.data.trackUsage.replayed).toBe(true);
    expect(await f.snapshot("m4")).toEqual(before);
  });

  it("given a CREDITS event, when it is replayed, then credits are deducted once", async () => {
    await f.customerOn("c1", "credits");
    const input = { customerId: "c1", feature: "images", idempotencyKey: "img-1", value: "3" };
    const first = await f.track(input);
    expect(first.data.trackUsage.event).toMatchObject({ value: "3", credits: "30", cost: null });
    expect(first.data.trackUsage.entitlement).toMatchObject({ allowed: true, credits: "70" });
    const again = await f.track(input);
    expect(again.data.trackUsage).toMatchObject({
      replayed: true,
      event: { value: "3", credits: "30" },
      entitlement: { credits: "70" },
    });
    expect(await f.wallet("c1")).toEqual({
      credits: "70",
      planCredits: "70",
      purchasedCredits: "0",
      balance: null,
      allowance: null,
      topUps: null,
      spent: null,
      overage: null,
    });
  });

  it("given a CREDITS event accepted while credits lasted, when it is replayed after credits ran out, then it is still answered as a replay", async () => {
    await f.customerOn("c2", "credits");
    const input = { customerId: "c2", feature: "images", idempotencyKey: "all", value: "10" };
    expect((await f.track(input)).data.trackUsage.entitlement).toMatchObject({
      allowed: false,
      reason: "INSUFFICIENT_CREDITS",
      credits: "0",
    });
    const again = await f.track(input);
    expect(again.errors).toBeUndefined();
    expect(again.data.trackUsage).toMatchObject({ replayed: true, event: { credits: "100" } });
    expect((await f.wallet("c2")).credits).toBe("0");
  });

  it("given a BALANCE event, when it is replayed, then the money is spent once", async () => {
    await f.customerOn("b1", "balance");
    const input = { customerId: "b1", feature: "api_calls", idempotencyKey: "b-1", value: "15000" };
    expect((await f.track(input)).data.trackUsage.event.cost).toBe("64.50");
    const again = await f.track(input);
    expect(again.data.trackUsage).toMatchObject({
      replayed: true,
      event: { cost: "64.50" },
      entitlement: { balance: "35.50" },
    });
    expect(await f.wallet("b1")).toMatchObject({ balance: "35.50", spent: "64.50", allowance: "35.50" });
  });

  it("given a key used by one customer, when another customer uses the same key, then it is an independent event", async () => {
    await f.customerOn("m5", "metered");
    await f.customerOn("m6", "metered");
    const a = await f.track({ customerId: "m5", feature: "api_calls", idempotencyKey: "shared", value: "1" });
    const b = await f.track({ customerId: "m6", feature: "api_calls", idempotencyKey: "shared", value: "2" });
    expect(a.data.trackUsage.replayed).toBe(false);
    expect(b.data.trackUsage.replayed).toBe(false);
    expect((await f.usage("m5"))[0].used).toBe("1");
    expect((await f.usage("m6"))[0].used).toBe("2");
  });
});

describe("purchase replays", () => {
  const buy = (customerId: string, packCode: string, key: string) =>
    api.gql(
      `mutation($c: ID!, $p: ID!, $k: ID!) { purchaseCreditPack(customerId: $c, packCode: $p, idempotencyKey: $k) { credits planCredits purchasedCredits } }`,
      {
        c: customerId,
        p: packCode,
        k: key,
      },
    );
  const topUp = (customerId: string, amount: string | number, key: string) =>
    api.gql(
      `mutation($c: ID!, $a: Money!, $k: ID!) { topUpBalance(customerId: $c, amount: $a, idempotencyKey: $k) { balance allowance topUps spent overage } }`,
      {
        c: customerId,
        a: amount,
        k: key,
      },
    );

  it("given a credit pack bought with a key, when the purchase is retried, then the credits are added once", async () => {
    await f.customerOn("c3", "credits");
    const first = await buy("c3", "pack50", "buy-1");
    expect(first.data.purchaseCreditPack).toEqual({ credits: "150", planCredits: "100", purchasedCredits: "50" });
    const again = await buy("c3", "pack50", "buy-1");
    expect(again.errors).toBeUndefined();
    expect(again.data.purchaseCreditPack).toEqual({ credits: "150", planCredits: "100", purchasedCredits: "50" });
    expect(await f.wallet("c3")).toMatchObject({ credits: "150", purchasedCredits: "50" });
  });

  it("given a credit pack bought with a key, when the key is reused for another pack, then IDEMPOTENCY_KEY_REUSED and nothing is added", async () => {
    await f.customerOn("c4", "credits");
    await buy("c4", "pack50", "buy-x");
    expectError(await buy("c4", "pack200", "buy-x"), "IDEMPOTENCY_KEY_REUSED");
    expect(await f.wallet("c4")).toMatchObject({ credits: "150", planCredits: "100", purchasedCredits: "50" });
  });

  it("given a top-up with a key, when it is retried, then the money is added once", async () => {
    await f.customerOn("b2", "balance");
    const first = await topUp("b2", "25.5", "top-1");
    expect(first.data.topUpBalance).toEqual({
      balance: "125.50",
      allowance: "100.00",
      topUps: "25.50",
      spent: "0.00",
      overage: "0.00",
    });
    const again = await topUp("b2", 25.5, "top-1");
    expect(again.errors).toBeUndefined();
    expect(again.data.topUpBalance).toEqual({
      balance: "125.50",
      allowance: "100.00",
      topUps: "25.50",
      spent: "0.00",
      overage: "0.00",
    });
    expect((await f.wallet("b2")).balance).toBe("125.50");
  });

  it("given a top-up with a key, when the key is reused for another amount, then IDEMPOTENCY_KEY_REUSED and nothing is added", async () => {
    await f.customerOn("b3", "balance");
    await topUp("b3", "10", "top-x");
    expectError(await topUp("b3", "10.01", "top-x"), "IDEMPOTENCY_KEY_REUSED");
    expect(await f.wallet("b3")).toMatchObject({ balance: "110.00", topUps: "10.00" });
  });

  it("given a credit pack key, when the same key is used for a top-up, then IDEMPOTENCY_KEY_REUSED", async () => {
    await f.customerOn("c5", "credits");
    await buy("c5", "pack50", "mixed");
    expectError(await topUp("c5", "10", "mixed"), "IDEMPOTENCY_KEY_REUSED");
    expect(await f.wallet("c5")).toMatchObject({ credits: "150", topUps: null, balance: null });
  });
});
