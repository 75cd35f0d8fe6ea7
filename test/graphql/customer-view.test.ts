/**
 * The customer view over HTTP: profile, subscription, wallet, usage, entitlements, and the usage
 * events, cursor-paginated newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, WALLET_FIELDS, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "10", overagePrice: "0.25" }, { feature: "sso" }],
      },
      credits: PLANS.credits,
      balance: { model: "BALANCE", basePrice: "10", features: [{ feature: "api_calls", unitPrice: "1" }] },
    },
    packs: { pack50: { credits: "50", price: "5" } },
  }));
});
afterAll(() => api?.close());

const view = async (id: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) {
        id name email metadata
        subscription { status plan { code model } currentPeriodStart currentPeriodEnd cancelAtPeriodEnd scheduledPlan { code } }
        wallet { ${WALLET_FIELDS} }
        usage { feature { code kind } used included overage cost credits }
        entitlements { feature allowed reason model used included remaining credits balance }
      } }`,
      { c: id },
    )
  ).customer;

const page = async (id: string, first: number, after?: string | null) =>
  (
    await api.ok(
      `query($c: ID!, $n: Int, $a: String) { customer(id: $c) { events(first: $n, after: $a) { edges { cursor node { idempotencyKey value timestamp } } pageInfo { hasNextPage endCursor } } } }`,
      {
        c: id,
        n: first,
        a: after,
      },
    )
  ).customer.events;

describe("a customer", () => {
  it("without a subscription shows its profile, an empty wallet, and no usage, entitlements or events", async () => {
    await api.ok(
      `mutation { createCustomer(input: { id: "new-co", name: "New Co", email: "billing@new.example", metadata: { tier: "gold", seats: 3 } }) { id } }`,
    );
    expect(await view("new-co")).toEqual({
      id: "new-co",
      name: "New Co",
      email: "billing@new.example",
      metadata: { tier: "gold", seats: 3 },
      subscription: null,
      // No plan: no credit or money field applies (test/graphql/wallet.test.ts has the rule).
      wallet: {
        credits: null,
        planCredits: null,
        purchasedCredits: null,
        balance: null,
        allowance: null,
        topUps: null,
        spent: null,
        overage: null,
      },
      usage: [],
      entitlements: [],
    });
    expect(await page("new-co", 10)).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("that does not exist is null", async () => {
    expect((await api.ok(`{ customer(id: "nobody") { id } }`)).customer).toBeNull();
  });
});

describe("METERED customer", () => {
  it("shows the subscription, usage with overage so far, and every plan feature's entitlement", async () => {
    await f.customerOn("acme", "metered");
    await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "a1", value: "12.5" });
    const v = await view("acme");
    expect(v.subscription).toEqual({
      status: "ACTIVE",
      plan: { code: "metered", model: "METERED" },
      currentPeriodStart: "2026-01-01T00:00:00.000Z",
      currentPeriodEnd: "2026-02-01T00:00:00.000Z",
      cancelAtPeriodEnd: false,
      scheduledPlan: null,
    });
    expect(v.usage).toEqual([
      {
        feature: { code: "api_calls", kind: "METERED" },
        used: "12.5",
        included: "10",
        overage: "2.5",
        cost: "0.625",
        credits: null,
      },
    ]);
    expect(v.entitlements).toEqual([
      {
        feature: "api_calls",
        allowed: true,
        reason: null,
        model: "METERED",
        used: "12.5",
        included: "10",
        remaining: "0",
        credits: null,
        balance: null,
      },
      {
        feature: "sso",
        allowed: true,
        reason: null,
        model: "METERED",
        used: null,
        included: null,
        remaining: null,
        credits: null,
        balance: null,
      },
    ]);
  });
});

describe("CREDITS customer", () => {
  it("spends plan credits first, then purchased ones, and shows each pool", async () => {
    await f.customerOn("studio", "credits");
    await f.track({ customerId: "studio", feature: "images", idempotencyKey: "i1", value: "3" });
    await api.ok(
      `mutation { purchaseCreditPack(customerId: "studio", packCode: "pack50", idempotencyKey: "buy-1") { credits } }`,
    );
    expect((await view("studio")).wallet).toMatchObject({ credits: "120", planCredits: "70", purchasedCredits: "50" });

    await f.track({ customerId: "studio", feature: "images", idempotencyKey: "i2", value: "8" });
    const v = await view("studio");
    expect(v.wallet).toEqual({
      credits: "40",
      planCredits: "0",
      purchasedCredits: "40",
      balance: null,
      allowance: null,
      topUps: null,
      spent: null,
      overage: null,
    });
    expect(v.usage).toEqual([
      {
        feature: { code: "images", kind: "METERED" },
        used: "11",
        included: null,
        overage: null,
        cost: null,
        credits: "110",
      },
    ]);
    expect(v.entitlements).toEqual([
      {
        feature: "images",
        allowed: true,
        reason: null,
        model: "CREDITS",
        used: "11",
        included: null,
        remaining: null,
        credits: "40",
        balance: null,
      },
    ]);
  });
});

describe("BALANCE customer", () => {
  it("spends the allowance first, then top-ups, then goes into overage", async () => {
    await f.customerOn("bigco", "balance");
    await api.ok(`mutation { topUpBalance(customerId: "bigco", amount: "20", idempotencyKey: "top-1") { balance } }`);
    expect((await view("bigco")).wallet).toEqual({
      credits: null,
      planCredits: null,
      purchasedCredits: null,
      balance: "30.00",
      allowance: "10.00",
      topUps: "20.00",
      spent: "0.00",
      overage: "0.00",
    });

    await f.track({ customerId: "bigco", feature: "api_calls", idempotencyKey: "b1", value: "12" });
    expect((await view("bigco")).wallet).toMatchObject({
      balance: "18.00",
      allowance: "0.00",
      topUps: "18.00",
      spent: "12.00",
      overage: "0.00",
    });

    await f.track({ customerId: "bigco", feature: "api_calls", idempotencyKey: "b2", value: "25" });
    const v = await view("bigco");
    expect(v.wallet).toEqual({
      credits: null,
      planCredits: null,
      purchasedCredits: null,
      balance: "-7.00",
      allowance: "0.00",
      topUps: "0.00",
      spent: "37.00",
      overage: "7.00",
    });
    expect(v.usage).toEqual([
      {
        feature: { code: "api_calls", kind: "METERED" },
        used: "37",
        included: null,
        overage: null,
        cost: "37.00",
        credits: null,
      },
    ]);
    expect(v.entitlements).toEqual([
      {
        feature: "api_calls",
        allowed: true,
        reason: null,
        model: "BALANCE",
        used: "37",
        included: null,
        remaining: null,
        credits: null,
        balance: "-7.00",
      },
    ]);
  });
});

describe("events", () => {
  it("given 5 events at increasing times, when paged 2 at a time, then they come newest first with exact cursors and hasNextPage", async () => {
    await f.customerOn("pager", "metered");
    const times = [
      "2026-01-01T00:01:00.000Z",
      "2026-01-01T00:02:00.000Z",
      "2026-01-01T00:03:00.000Z",
      "2026-01-01T00:04:00.000Z",
      "2026-01-01T00:05:00.000Z",
    ];
    for (const [i, time] of times.entries()) {
      await f.advanceClock(time);
      await f.track({ customerId: "pager", feature: "api_calls", idempotencyKey: `e${i + 1}`, value: String(i + 1) });
    }

    const p1 = await page("pager", 2);
    expect(p1.edges.map((e: any) => e.node)).toEqual([
      { idempotencyKey: "e5", value: "5", timestamp: times[4] },
      { idempotencyKey: "e4", value: "4", timestamp: times[3] },
    ]);
    expect(p1.pageInfo).toEqual({ hasNextPage: true, endCursor: p1.edges[1].cursor });

    const p2 = await page("pager", 2, p1.pageInfo.endCursor);
    expect(p2.edges.map((e: any) => e.node.idempotencyKey)).toEqual(["e3", "e2"]);
    expect(p2.pageInfo).toEqual({ hasNextPage: true, endCursor: p2.edges[1].cursor });

    const p3 = await page("pager", 2, p2.pageInfo.endCursor);
    expect(p3.edges.map((e: any) => e.node.idempotencyKey)).toEqual(["e1"]);
    expect(p3.pageInfo).toEqual({ hasNextPage: false, endCursor: p3.edges[0].cursor });

    const all = await page("pager", 5);
    expect(all.edges.map((e: any) => e.node.idempotencyKey)).toEqual(["e5", "e4", "e3", "e2", "e1"]);
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect(new Set(all.edges.map((e: any) => e.cursor)).size).toBe(5);
  });

  it("refuses a cursor that is not one, and a page size out of range, with BAD_USER_INPUT", async () => {
    const q = (first: number, after: string | null) =>
      api.gql(
        `query($n: Int, $a: String) { customer(id: "pager") { events(first: $n, after: $a) { edges { cursor } } } }`,
        { n: first, a: after },
      );
    expectError(await q(2, "not-a-cursor"), "BAD_USER_INPUT");
    expectError(await q(2, Buffer.from("EVENT#pager#3", "utf8").toString("base64url")), "BAD_USER_INPUT");
    expectError(await q(2, "%%%"), "BAD_USER_INPUT");
    expectError(await q(0, null), "BAD_USER_INPUT");
    expectError(await q(101, null), "BAD_USER_INPUT");
  });
});
