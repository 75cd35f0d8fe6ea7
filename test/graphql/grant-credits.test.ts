/**
 * grantCredits through the API: free credits spent after plan credits and before purchased ones,
 * expiring ones first; expiry mid-period and at a close; idempotency and concurrency.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { codeOf, expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  ({ api, f } = await scenario({
    features: { images: "METERED", calls: "METERED" },
    plans: {
      creator: {
        model: "CREDITS",
        basePrice: "10",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      pro: { model: "METERED", basePrice: "10", features: [{ feature: "calls", overagePrice: "0.01" }] },
    },
    packs: { p500: { credits: "500", price: "20" } },
    customers: { c: "creator", m: "pro", none: null },
  }));
});
afterEach(() => api.close());

const POOLS = "credits planCredits grantedCredits purchasedCredits";
const GRANT = `mutation($c: ID!, $n: Decimal!, $k: ID!, $e: DateTime, $r: String!) {
  grantCredits(customerId: $c, credits: $n, reason: $r, idempotencyKey: $k, expiresAt: $e) { ${POOLS} } }`;
const grant = (c: string, credits: string, k: string, expiresAt?: string, r = "support goodwill") =>
  api.gql(GRANT, { c, n: credits, k, e: expiresAt ?? null, r });
const pools = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { wallet { ${POOLS} } } }`, { c })).customer.wallet;
const use = async (value: string, key: string) => {
  const r = await f.track({ customerId: "c", feature: "images", value, idempotencyKey: key });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
};
const buyPack = () =>
  api.ok(`mutation { purchaseCreditPack(customerId: "c", packCode: "p500", idempotencyKey: "buy") { credits } }`);

describe("grantCredits", () => {
  it("spends plan credits, then expiring grants soonest first, then never-expiring grants, then purchased; across expiry and a close", async () => {
    await buyPack();
    await grant("c", "50", "gA", "2026-03-15T00:00:00Z");
    await grant("c", "30", "gB", "2026-01-20T00:00:00Z");
    expect((await grant("c", "20", "gC")).data?.grantCredits).toEqual({
      credits: "700",
      planCredits: "100",
      grantedCredits: "100",
      purchasedCredits: "500",
    });
    await use("120", "u1"); // plan 100, then B 20 (B expires first): B 10, A 50, C 20 left
    expect(await pools("c")).toEqual({
      credits: "580",
      planCredits: "0",
      grantedCredits: "80",
      purchasedCredits: "500",
    });

    await f.advanceClock("2026-01-21T00:00:00Z"); // B expired with 10 left: gone
    expect(await pools("c")).toEqual({
      credits: "570",
      planCredits: "0",
      grantedCredits: "70",
      purchasedCredits: "500",
    });
    await use("60", "u2"); // A 50, then C 10
    expect(await pools("c")).toEqual({
      credits: "510",
      planCredits: "0",
      grantedCredits: "10",
      purchasedCredits: "500",
    });

    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok(`mutation { closeDuePeriods }`); // plan credits reset; C's 10 and the pack carry
    expect(await pools("c")).toEqual({
      credits: "610",
      planCredits: "100",
      grantedCredits: "10",
      purchasedCredits: "500",
    });
    await use("115", "u3"); // plan 100, C 10, then purchased 5
    expect(await pools("c")).toEqual({
      credits: "495",
      planCredits: "0",
      grantedCredits: "0",
      purchasedCredits: "495",
    });
  });

  it("an expired grant cannot be spent, mid-period or after a close", async () => {
    await grant("c", "40", "g1", "2026-01-10T00:00:00Z");
    await grant("c", "25", "g2", "2026-02-01T00:00:00Z"); // expires exactly at the period's end
    await f.advanceClock("2026-01-11T00:00:00Z");
    expect(await pools("c")).toEqual({
      credits: "125",
      planCredits: "100",
      grantedCredits: "25",
      purchasedCredits: "0",
    });
    // The entitlement check and the track both see the expired grant gone.
    const check = (amount: string) =>
      api.ok(`{ entitlement(customerId: "c", feature: "images", amount: "${amount}") { allowed reason credits } }`);
    expect((await check("125")).entitlement).toEqual({ allowed: true, reason: null, credits: "125" });
    expect((await check("126")).entitlement).toEqual({
      allowed: false,
      reason: "INSUFFICIENT_CREDITS",
      credits: "125",
    });
    expectError(
      await f.track({ customerId: "c", feature: "images", value: "126", idempotencyKey: "u1" }),
      "INSUFFICIENT_CREDITS",
    );
    await use("125", "u2");
    await grant("c", "5", "g3", "2026-02-01T00:00:00Z");
    await f.advanceClock("2026-02-01T00:00:00Z");
    expect(await pools("c")).toEqual({
      credits: "100",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "0",
    });
    await api.ok(`mutation { closeDuePeriods }`);
    expect(await pools("c")).toEqual({
      credits: "100",
      planCredits: "100",
      grantedCredits: "0",
      purchasedCredits: "0",
    });
  });

  it("a grant made later is not charged for usage before it, even when it expires sooner", async () => {
    await grant("c", "50", "gX");
    await use("120", "u1"); // plan 100, X 20: X 30 left
    await grant("c", "30", "gY", "2026-01-20T00:00:00Z");
    expect(await pools("c")).toMatchObject({ grantedCredits: "60" });
    await use("10", "u2"); // Y first: Y 20, X 30
    await f.advanceClock("2026-01-20T00:00:00Z");
    expect(await pools("c")).toEqual({ credits: "30", planCredits: "0", grantedCredits: "30", purchasedCredits: "0" });
  });

  it("is idempotent by key; refuses another request under the key, a past expiry, a plan without credits, no plan", async () => {
    await grant("c", "10", "g1", undefined, "promo");
    expect((await grant("c", "10", "g1", undefined, "promo")).data?.grantCredits.grantedCredits).toBe("10");
    expectError(await grant("c", "11", "g1", undefined, "promo"), "IDEMPOTENCY_KEY_REUSED");
    expectError(await grant("c", "10", "g1", undefined, "other reason"), "IDEMPOTENCY_KEY_REUSED");
    const past = await grant("c", "10", "g2", "2025-12-31T00:00:00Z");
    expect(past.errors?.[0]?.message).toBe("expiresAt must be in the future");
    expect((await grant("c", "0", "g3")).errors?.[0]?.message).toBe("credits must be greater than zero");
    expect((await grant("c", "1", "g4", undefined, " ")).errors?.[0]?.message).toBe("reason must not be empty");
    expectError(await grant("m", "10", "g5"), "BAD_USER_INPUT");
    expectError(await grant("none", "10", "g6"), "NO_SUBSCRIPTION");
    expectError(await grant("ghost", "10", "g7"), "NOT_FOUND");
    expect(await pools("c")).toEqual({
      credits: "110",
      planCredits: "100",
      grantedCredits: "10",
      purchasedCredits: "0",
    });
  });

  it("holds at most 50 grants at once; used-up ones stop counting", async () => {
    for (let i = 0; i < 50; i++) expect(codeOf(await grant("c", "1", `g-${i}`))).toBeUndefined();
    const full = await grant("c", "1", "g-50");
    expectError(full, "LIMIT_REACHED");
    expect(full.errors?.[0]?.message).toBe('customer "c" holds 50 grants, the most at once');
    await use("110", "u1"); // plan 100, then 10 grants used up
    await grant("c", "1", "g-51"); // settles first: 40 left, and this one
    expect(await pools("c")).toMatchObject({ grantedCredits: "41" });
  });

  it("20 concurrent grants and 20 concurrent tracks all land exactly once", async () => {
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => grant("c", "5", `g-${i}`, i % 2 ? "2026-01-15T00:00:00Z" : undefined)),
      ...Array.from({ length: 20 }, (_, i) =>
        f.track({ customerId: "c", feature: "images", value: "5", idempotencyKey: `u-${i}` }),
      ),
    ]);
    expect(results.map((r) => codeOf(r) ?? "ok")).toEqual(Array(40).fill("ok"));
    // 100 plan + 100 granted - 100 used: plan credits spent first.
    expect(await pools("c")).toEqual({
      credits: "100",
      planCredits: "0",
      grantedCredits: "100",
      purchasedCredits: "0",
    });
  });
});
