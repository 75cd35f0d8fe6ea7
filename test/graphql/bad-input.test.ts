/**
 * Bad input over HTTP: every refusal carries its stable `extensions.code`, and a check of the
 * state afterwards shows that nothing was written. Unexpected failures are masked.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDb } from "../../core/db/client";
import { getItem } from "../../core/db/items";
import { keys } from "../../core/db/keys";
import { storedTestClock } from "../../core/db/test-clock";
import { RecordingPublisher } from "../../core/deps";
import { createBillingYoga } from "../../schema/yoga";
import { startTestApi, TEST_KEY, type GqlResponse, type TestApi } from "../support/server";
import { expectError, fixtures, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED", sso: "BOOLEAN" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }, { feature: "sso" }],
      },
      credits: PLANS.credits,
      balance: PLANS.balance,
    },
    packs: { pack50: { credits: "50", price: "5" } },
    customers: { acme: "metered", studio: "credits", bigco: "balance", idle: null },
  }));
  // One accepted event each, so "unchanged" is checked against real state, not an empty one.
  await f.track({ customerId: "acme", feature: "api_calls", idempotencyKey: "seed", value: "5" });
  await f.track({ customerId: "studio", feature: "images", idempotencyKey: "seed", value: "1" });
  await f.track({ customerId: "bigco", feature: "api_calls", idempotencyKey: "seed", value: "1000" });
});
afterAll(() => api?.close());

const track = (input: Record<string, unknown>) =>
  api.gql(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`, {
    i: { customerId: "acme", feature: "api_calls", idempotencyKey: "k", ...input },
  });

/** Runs `act` and asserts it failed with `code` and left every seeded customer exactly as it was. */
async function refusedWithoutWrites(code: string, act: () => Promise<GqlResponse>) {
  const customers = ["acme", "studio", "bigco", "idle"];
  const before = await Promise.all(customers.map((c) => f.snapshot(c)));
  const response = await act();
  expectError(response, code);
  expect(await Promise.all(customers.map((c) => f.snapshot(c)))).toEqual(before);
  return response;
}

describe("unknown references are NOT_FOUND", () => {
  it("tracking for an unknown customer", async () => {
    await refusedWithoutWrites("NOT_FOUND", () => track({ customerId: "ghost" }));
    expect((await api.ok(`{ customer(id: "ghost") { id } }`)).customer).toBeNull();
    expect(await getItem(api.deps.db, keys.event("ghost", "k"))).toBeUndefined();
  });

  it("tracking an unknown feature", async () => {
    const r = await refusedWithoutWrites("NOT_FOUND", () => track({ feature: "teleport" }));
    expect(r.errors![0]!.message).toBe('feature "teleport" not found');
  });

  it("subscribing to an unknown plan, or an unknown customer", async () => {
    await refusedWithoutWrites("NOT_FOUND", () => f.subscribe("idle", "platinum"));
    await refusedWithoutWrites("NOT_FOUND", () => f.subscribe("ghost", "metered"));
    expect((await f.snapshot("idle")).subscription).toBeNull();
  });

  it("buying an unknown pack, or for an unknown customer; topping up an unknown customer", async () => {
    const buy = (c: string, p: string) =>
      api.gql(
        `mutation($c: ID!, $p: ID!) { purchaseCreditPack(customerId: $c, packCode: $p, idempotencyKey: "buy") { credits } }`,
        { c, p },
      );
    await refusedWithoutWrites("NOT_FOUND", () => buy("studio", "pack9000"));
    await refusedWithoutWrites("NOT_FOUND", () => buy("ghost", "pack50"));
    await refusedWithoutWrites("NOT_FOUND", () =>
      api.gql(`mutation { topUpBalance(customerId: "ghost", amount: "10", idempotencyKey: "top") { balance } }`),
    );
    expect(await getItem(api.deps.db, keys.purchase("ghost", "buy"))).toBeUndefined();
    expect(await getItem(api.deps.db, keys.purchase("studio", "buy"))).toBeUndefined();
  });

  it("a plan naming an unknown feature", async () => {
    await refusedWithoutWrites("NOT_FOUND", () =>
      api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
        i: {
          code: "ghostly",
          name: "G",
          model: "METERED",
          basePrice: "1",
          interval: "MONTH",
          features: [{ feature: "teleport", overagePrice: "1" }],
        },
      }),
    );
    expect((await api.ok(`{ plan(code: "ghostly") { code } }`)).plan).toBeNull();
  });

  it("checking for an unknown customer (an unknown feature is an answer: test/graphql/entitlements.test.ts)", async () => {
    expectError(await api.gql(`{ entitlement(customerId: "ghost", feature: "api_calls") { allowed } }`), "NOT_FOUND");
    expectError(await api.gql(`{ entitlement(customerId: "ghost", feature: "teleport") { allowed } }`), "NOT_FOUND");
  });
});

describe("malformed IDs are BAD_USER_INPUT", () => {
  const long = "x".repeat(129);

  it.each([
    ["containing #", "a#b"],
    ["empty", ""],
    ["longer than 128 characters", long],
    ["containing a space", "a b"],
  ])("an idempotency key %s", async (_, key) => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ idempotencyKey: key }));
  });

  it.each([
    ["containing #", "acme#1"],
    ["empty", ""],
    ["longer than 128 characters", long],
  ])("a customer id %s, when tracking and when creating", async (_, id) => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ customerId: id }));
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id } }),
    );
    if (id.includes("#")) {
      // No key can even be built from it (core/db/keys.ts), let alone written.
      expect(() => keys.customer(id)).toThrow("a key part must not contain #");
      return;
    }
    expect(await getItem(api.deps.db, keys.customer(id))).toBeUndefined();
    expect(await getItem(api.deps.db, keys.wallet(id))).toBeUndefined();
  });

  it("a feature code with # is refused on creation, while 128 characters of the allowed set are fine", async () => {
    expectError(
      await api.gql(`mutation { createFeature(input: { code: "api#calls", name: "x", kind: METERED }) { code } }`),
      "BAD_USER_INPUT",
    );
    expect((await api.ok(`{ features { code } }`)).features.map((x: { code: string }) => x.code)).not.toContain(
      "api#calls",
    );
    const longest = `${"a-b_c.d:e@|+/=".repeat(9)}12`;
    expect(longest).toHaveLength(128);
    const created = await api.ok(
      `mutation($c: ID!) { createFeature(input: { code: $c, name: "x", kind: METERED }) { code } }`,
      { c: longest },
    );
    expect(created.createFeature.code).toBe(longest);
  });

  it("an idempotency key of exactly 128 characters is accepted", async () => {
    await f.customerOn("keys-co", "metered");
    const key = "k".repeat(128);
    const result = await api.ok(
      `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { event { idempotencyKey } } }`,
      {
        i: { customerId: "keys-co", feature: "api_calls", idempotencyKey: key },
      },
    );
    expect(result.trackUsage.event.idempotencyKey).toBe(key);
  });

  it("a purchase key containing #", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(
        `mutation { purchaseCreditPack(customerId: "studio", packCode: "pack50", idempotencyKey: "b#1") { credits } }`,
      ),
    );
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(`mutation { topUpBalance(customerId: "bigco", amount: "5", idempotencyKey: "") { balance } }`),
    );
  });
});

describe("bad numbers are BAD_USER_INPUT", () => {
  it.each([
    ["negative", "-1"],
    ["zero", "0"],
    ["non-numeric", "abc"],
    ["NaN", "NaN"],
    ["Infinity", "Infinity"],
    ["an exponent beyond range", "1e400"],
    ["seven decimals", "1.0000001"],
    ["empty", ""],
  ])("a usage value that is %s", async (_, value) => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ value }));
  });

  it("a usage value that is a negative JSON number or a boolean", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ value: -3 }));
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ value: true }));
  });

  it("a negative token count", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ inputTokens: -1 }));
  });

  it("money with 13 decimals, and a negative or zero top-up", async () => {
    const topUp = (amount: unknown) =>
      api.gql(
        `mutation($a: Money!) { topUpBalance(customerId: "bigco", amount: $a, idempotencyKey: "t") { balance } }`,
        { a: amount },
      );
    await refusedWithoutWrites("BAD_USER_INPUT", () => topUp("0.0000000000001"));
    await refusedWithoutWrites("BAD_USER_INPUT", () => topUp("-5"));
    await refusedWithoutWrites("BAD_USER_INPUT", () => topUp("0"));
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(
        `mutation { topUpBalance(customerId: "bigco", amount: 1.0000000000001, idempotencyKey: "t") { balance } }`,
      ),
    );
    expect(await getItem(api.deps.db, keys.purchase("bigco", "t"))).toBeUndefined();
  });

  it("money with 12 decimals is exact: a picodollar unit price spends exactly that", async () => {
    await f.plan({
      code: "pico",
      model: "BALANCE",
      basePrice: "1",
      features: [{ feature: "api_calls", unitPrice: "0.000000000001" }],
    });
    await f.customerOn("pico-co", "pico");
    const r = await f.track({ customerId: "pico-co", feature: "api_calls", idempotencyKey: "p1", value: "3" });
    expect(r.data.trackUsage.event.cost).toBe("0.000000000003");
    expect(await f.wallet("pico-co")).toMatchObject({ balance: "0.999999999997", spent: "0.000000000003" });
  });

  it("a top-up that is not whole cents", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(`mutation { topUpBalance(customerId: "bigco", amount: "10.005", idempotencyKey: "t") { balance } }`),
    );
  });

  it("a plan price with 13 decimals or a negative base price", async () => {
    const plan = (input: Record<string, unknown>) =>
      api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
        i: {
          code: "bad-price",
          name: "B",
          model: "BALANCE",
          basePrice: "1",
          interval: "MONTH",
          features: [{ feature: "api_calls", unitPrice: "0.01" }],
          ...input,
        },
      });
    expectError(await plan({ features: [{ feature: "api_calls", unitPrice: "0.0000000000001" }] }), "BAD_USER_INPUT");
    expectError(await plan({ basePrice: "-1" }), "BAD_USER_INPUT");
    expect((await api.ok(`{ plan(code: "bad-price") { code } }`)).plan).toBeNull();
  });

  it("a negative entitlement amount", async () => {
    expectError(
      await api.gql(`{ entitlement(customerId: "acme", feature: "api_calls", amount: "-1") { allowed } }`),
      "BAD_USER_INPUT",
    );
  });
});

describe("a batch of 101 events", () => {
  it("is BAD_USER_INPUT as a whole and writes none of them", async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({
      customerId: "acme",
      feature: "api_calls",
      idempotencyKey: `b-${i}`,
    }));
    await refusedWithoutWrites("BAD_USER_INPUT", () =>
      api.gql(`mutation($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok } }`, { is: inputs }),
    );
    expect(await getItem(api.deps.db, keys.event("acme", "b-0"))).toBeUndefined();
  });
});

describe("duplicates are ALREADY_EXISTS", () => {
  it("subscribing a customer twice keeps the first subscription", async () => {
    await refusedWithoutWrites("ALREADY_EXISTS", () => f.subscribe("acme", "balance"));
    expect((await f.snapshot("acme")).subscription.plan.code).toBe("metered");
  });

  it("creating a feature, plan, credit pack or customer that exists keeps the original", async () => {
    expectError(
      await api.gql(`mutation { createFeature(input: { code: "api_calls", name: "Other", kind: BOOLEAN }) { code } }`),
      "ALREADY_EXISTS",
    );
    expectError(
      await api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
        i: { code: "metered", name: "Other", model: "METERED", basePrice: "1", interval: "DAY", features: [] },
      }),
      "ALREADY_EXISTS",
    );
    expectError(
      await api.gql(
        `mutation { createCreditPack(input: { code: "pack50", name: "Other", credits: "1", price: "1" }) { code } }`,
      ),
      "ALREADY_EXISTS",
    );
    await refusedWithoutWrites("ALREADY_EXISTS", () =>
      api.gql(`mutation { createCustomer(input: { id: "acme", name: "Other" }) { id } }`),
    );

    const state = await api.ok(`{
      features { code name kind }
      plan(code: "metered") { name basePrice interval }
      creditPacks { code name credits price }
      customer(id: "acme") { name }
    }`);
    expect(state.features.find((x: { code: string }) => x.code === "api_calls")).toEqual({
      code: "api_calls",
      name: "api_calls",
      kind: "METERED",
    });
    expect(state.plan).toEqual({ name: "metered", basePrice: "99.00", interval: "MONTH" });
    expect(state.creditPacks).toEqual([{ code: "pack50", name: "pack50", credits: "50", price: "5.00" }]);
    expect(state.customer).toEqual({ name: null });
  });
});

describe("usage the plan does not allow", () => {
  it("tracking a feature the plan lacks is FEATURE_NOT_IN_PLAN", async () => {
    await refusedWithoutWrites("FEATURE_NOT_IN_PLAN", () => track({ feature: "images" }));
  });

  it("tracking a BOOLEAN feature is BAD_USER_INPUT", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ feature: "sso" }));
  });

  it("tracking for a customer without a subscription is NO_SUBSCRIPTION", async () => {
    await refusedWithoutWrites("NO_SUBSCRIPTION", () => track({ customerId: "idle" }));
    expect(await getItem(api.deps.db, keys.event("idle", "k"))).toBeUndefined();
  });

  it("a timestamp before the current period is PERIOD_CLOSED", async () => {
    await refusedWithoutWrites("PERIOD_CLOSED", () => track({ timestamp: "2025-12-31T23:59:59Z" }));
  });

  it("a timestamp far in the future is BAD_USER_INPUT", async () => {
    await refusedWithoutWrites("BAD_USER_INPUT", () => track({ timestamp: "2026-01-01T01:00:00Z" }));
  });
});

describe("plan validation per model is BAD_USER_INPUT and creates nothing", () => {
  const createPlan = (code: string, model: string, features: unknown[], extra: Record<string, unknown> = {}) =>
    api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
      i: { code, name: code, model, basePrice: "10", interval: "MONTH", features, ...extra },
    });

  it.each([
    ["a CREDITS feature without creditsPerUnit", "p1", "CREDITS", [{ feature: "images" }], {}],
    ["a METERED feature without overagePrice", "p2", "METERED", [{ feature: "api_calls", included: "10" }], {}],
    ["a BALANCE FIXED feature without unitPrice", "p3", "BALANCE", [{ feature: "api_calls", pricing: "FIXED" }], {}],
    ["a metered field on a BOOLEAN feature", "p4", "METERED", [{ feature: "sso", included: "10" }], {}],
    [
      "a field of another model (creditsPerUnit on METERED)",
      "p5",
      "METERED",
      [{ feature: "api_calls", overagePrice: "1", creditsPerUnit: "1" }],
      {},
    ],
    [
      "a feature listed twice",
      "p6",
      "METERED",
      [
        { feature: "api_calls", overagePrice: "1" },
        { feature: "api_calls", overagePrice: "2" },
      ],
      {},
    ],
    [
      "includedCredits on a METERED plan",
      "p7",
      "METERED",
      [{ feature: "api_calls", overagePrice: "1" }],
      { includedCredits: "10" },
    ],
    [
      "blockOnExhaustion on a CREDITS plan",
      "p8",
      "CREDITS",
      [{ feature: "images", creditsPerUnit: "1" }],
      { blockOnExhaustion: true },
    ],
    ["a negative creditsPerUnit", "p9", "CREDITS", [{ feature: "images", creditsPerUnit: "-1" }], {}],
    ["a lowercase currency", "p10", "METERED", [{ feature: "api_calls", overagePrice: "1" }], { currency: "usd" }],
  ])("%s", async (_, code, model, features, extra) => {
    expectError(await createPlan(code, model, features, extra), "BAD_USER_INPUT");
    expect((await api.ok(`query($c: ID!) { plan(code: $c) { code } }`, { c: code })).plan).toBeNull();
  });

  it("no refused plan shows up in the list", async () => {
    const plans = await api.ok(`{ plans(includeArchived: true) { code } }`);
    expect(plans.plans.map((p: { code: string }) => p.code).sort()).toEqual(["balance", "credits", "metered", "pico"]);
  });
});

describe("a customer view with a bad events cursor", () => {
  it("is BAD_USER_INPUT", async () => {
    const r = await api.gql(
      `{ customer(id: "acme") { events(first: 2, after: "not-a-cursor") { edges { cursor } } } }`,
    );
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("PERIOD_CLOSED after a renewal", () => {
  let daily: TestApi;
  beforeAll(async () => {
    daily = await startTestApi();
  });
  afterAll(() => daily?.close());

  it("given a DAY plan whose first period has ended, when usage arrives stamped in that period, then PERIOD_CLOSED and nothing is booked", async () => {
    const d = fixtures(daily);
    await d.feature("api_calls");
    await d.plan({
      code: "daily",
      model: "METERED",
      basePrice: "1",
      interval: "DAY",
      features: [{ feature: "api_calls", overagePrice: "0.01" }],
    });
    await d.customerOn("acme", "daily");
    await d.advanceClock("2026-01-02T01:00:00Z");
    const r = await d.track({
      customerId: "acme",
      feature: "api_calls",
      idempotencyKey: "late",
      value: "3",
      timestamp: "2026-01-01T12:00:00Z",
    });
    expectError(r, "PERIOD_CLOSED");
    const after = await d.snapshot("acme");
    expect(after.subscription).toMatchObject({
      status: "ACTIVE",
      currentPeriodStart: "2026-01-02T00:00:00.000Z",
      currentPeriodEnd: "2026-01-03T00:00:00.000Z",
    });
    expect(after.usage).toEqual([
      { feature: { code: "api_calls" }, used: "0", included: "0", overage: "0", cost: "0.00", credits: null },
    ]);
    expect(after.events.edges).toEqual([]);
    // The same usage stamped inside the current period is accepted.
    const ok = await d.track({
      customerId: "acme",
      feature: "api_calls",
      idempotencyKey: "on-time",
      value: "3",
      timestamp: "2026-01-02T00:30:00Z",
    });
    expect(ok.data.trackUsage.event).toMatchObject({ value: "3", periodStart: "2026-01-02T00:00:00.000Z" });
  });
});

describe("an unexpected internal failure", () => {
  it("is masked: exactly 'Unexpected error.' with INTERNAL_SERVER_ERROR, no table name, no AWS message", async () => {
    const db = createDb({ table: "missing-table-xyz", endpoint: dynamoEndpoint() });
    const yoga = createBillingYoga({
      deps: {
        db,
        clock: storedTestClock(db, () => new Date("2026-01-01T00:00:00Z")),
        publisher: new RecordingPublisher(),
      },
      apiKey: TEST_KEY,
    });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      for (const query of [
        `{ features { code } }`,
        `mutation { createCustomer(input: { id: "x" }) { id } }`,
        `{ now }`,
      ]) {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
          body: JSON.stringify({ query }),
        });
        const text = await response.text();
        const body = JSON.parse(text);
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0].message).toBe("Unexpected error.");
        expect(body.errors[0].extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
        expect(text).not.toContain("missing-table");
        expect(text).not.toContain("ResourceNotFound");
        expect(text).not.toMatch(/stack|\.ts:\d+/);
      }
    } finally {
      logged.mockRestore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
