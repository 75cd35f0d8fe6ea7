/**
 * Bounds at the edge (core/bounds.ts, docs/concepts.md "Bounds"): prices up to 10^9, one event up
 * to 10^12 units, plan and pack quantities up to 10^15, every running sum up to 10^18. Beyond the
 * first three: BAD_USER_INPUT; a write that would take a running sum past 10^18: LIMIT_REACHED.
 * Either way nothing is written, and nothing can reach DynamoDB's 38 digits and jam a customer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../core/db/keys";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

const BILLION = "1000000000";

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      "whale-metered": {
        model: "METERED",
        basePrice: BILLION,
        features: [{ feature: "api_calls", overagePrice: BILLION }],
      },
      "whale-balance": { model: "BALANCE", basePrice: "0", features: [{ feature: "api_calls", unitPrice: BILLION }] },
      credits: {
        model: "CREDITS",
        basePrice: "10",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      metered: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "api_calls", included: "10", overagePrice: "0.01" }],
      },
    },
  }));
});
afterAll(() => api?.close());

const createPlan = (input: Record<string, unknown>) =>
  api.gql(`mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`, {
    i: { name: "x", interval: "MONTH", basePrice: "1", ...input },
  });
const quote = (input: Record<string, unknown>) =>
  api.gql(`query($i: TrackUsageInput!) { quote(input: $i) { cost credits } }`, { i: input });

describe("the first day's overflow: overagePrice 99999999999999999999 and value 99999999999999999999", () => {
  it("are refused at the edge, so the customer is never jammed", async () => {
    const plan = await createPlan({
      code: "overflow",
      model: "METERED",
      features: [{ feature: "api_calls", overagePrice: "99999999999999999999" }],
    });
    expectError(plan, "BAD_USER_INPUT");
    expect(plan.errors![0]!.message).toBe("input.features[0].overagePrice must be at most 1000000000");
    expect((await api.ok(`{ plan(code: "overflow") { code } }`)).plan).toBeNull();

    await f.customerOn("first-day", "metered");
    const before = await f.snapshot("first-day");
    const track = await f.track({
      customerId: "first-day",
      feature: "api_calls",
      idempotencyKey: "huge",
      value: "99999999999999999999",
    });
    expectError(track, "BAD_USER_INPUT");
    expect(track.errors![0]!.message).toBe("input.value must be at most 1000000000000");
    expect(await f.snapshot("first-day")).toEqual(before);
    // Every write of the customer still works, down to an immediate cancel.
    expect(
      (await api.ok(`mutation { cancelSubscription(customerId: "first-day", timing: IMMEDIATE) { status } }`))
        .cancelSubscription,
    ).toEqual({ status: "CANCELED" });
  });
});

describe("values beyond the edge's bounds are BAD_USER_INPUT", () => {
  it.each([
    ["a base price over 10^9", { model: "METERED", basePrice: "1000000000.01", features: [] }],
    [
      "a unit price over 10^9",
      { model: "BALANCE", features: [{ feature: "api_calls", unitPrice: "1000000000.000000000001" }] },
    ],
    [
      "included over 10^15",
      { model: "METERED", features: [{ feature: "api_calls", included: "1000000000000001", overagePrice: "1" }] },
    ],
    [
      "a limit over 10^15",
      { model: "METERED", features: [{ feature: "api_calls", overagePrice: "1", limit: "1000000000000001" }] },
    ],
    ["creditsPerUnit over 10^9", { model: "CREDITS", features: [{ feature: "images", creditsPerUnit: "1000000001" }] }],
    [
      "includedCredits over 10^15",
      { model: "CREDITS", includedCredits: "1000000000000001", features: [{ feature: "images", creditsPerUnit: "1" }] },
    ],
  ])("a plan with %s", async (_, input) => {
    expectError(await createPlan({ code: "too-big", ...input }), "BAD_USER_INPUT");
    expect((await api.ok(`{ plan(code: "too-big") { code } }`)).plan).toBeNull();
  });

  it("a credit pack with more than 10^15 credits or a price over 10^9", async () => {
    const pack = (credits: string, price: string) =>
      api.gql(`mutation($i: CreateCreditPackInput!) { createCreditPack(input: $i) { code } }`, {
        i: { code: "too-big", name: "x", credits, price },
      });
    expectError(await pack("1000000000000001", "1"), "BAD_USER_INPUT");
    expectError(await pack("1", "1000000001"), "BAD_USER_INPUT");
    expect((await api.ok(`{ creditPacks { code } }`)).creditPacks).toEqual([]);
  });

  it("a top-up over 10^9, an AI model price over 10^9 per 1M tokens, an entitlement amount over 10^12", async () => {
    await f.customerOn("topper", "whale-balance");
    const before = await f.snapshot("topper");
    expectError(
      await api.gql(
        `mutation { topUpBalance(customerId: "topper", amount: "1000000000.01", idempotencyKey: "t") { balance } }`,
      ),
      "BAD_USER_INPUT",
    );
    expect(await f.snapshot("topper")).toEqual(before);
    expectError(
      await api.gql(
        `mutation { upsertAiModel(id: "acme/too-dear", inputPrice: "1000000001", outputPrice: "1") { id } }`,
      ),
      "BAD_USER_INPUT",
    );
    expectError(
      await api.gql(`{ entitlement(customerId: "topper", feature: "api_calls", amount: "1000000000001") { allowed } }`),
      "BAD_USER_INPUT",
    );
  });

  it("quote refuses a value over 10^12 like trackUsage does", async () => {
    await f.customerOn("quoter", "metered");
    const q = await quote({ customerId: "quoter", feature: "api_calls", idempotencyKey: "q", value: "1000000000001" });
    expectError(q, "BAD_USER_INPUT");
    expect(q.errors![0]!.message).toBe("input.value must be at most 1000000000000");
  });

  it("the largest values accepted are exactly the bounds", async () => {
    expect(
      (
        await createPlan({
          code: "at-the-bounds",
          model: "METERED",
          basePrice: BILLION,
          features: [
            { feature: "api_calls", included: "1000000000000000", overagePrice: BILLION, limit: "1000000000000000" },
          ],
        })
      ).data,
    ).toEqual({ createPlan: { code: "at-the-bounds" } });
  });
});

describe("running sums stop at 10^18 with LIMIT_REACHED, checked by the write itself", () => {
  it("METERED: overage in money may reach 10^18 a period, not more; the close bills it; the customer stays writable", async () => {
    await f.customerOn("whale", "whale-metered");
    // 10^9 calls beyond included at 10^9 each: 10^18 of overage, the most a period holds.
    const full = await f.track({ customerId: "whale", feature: "api_calls", idempotencyKey: "w1", value: BILLION });
    expect(full.data.trackUsage.event.value).toBe(BILLION);
    const before = await f.snapshot("whale");
    const more = await f.track({ customerId: "whale", feature: "api_calls", idempotencyKey: "w2", value: "0.000001" });
    expectError(more, "LIMIT_REACHED");
    expect(more.errors![0]!.message).toBe(
      `"api_calls" would take this period's usage, overage or spend beyond 10^18, the most one billing period holds`,
    );
    expect(await f.snapshot("whale")).toEqual(before);
    // The check and the quote say the same, and write nothing.
    expect(
      (await api.ok(`{ entitlement(customerId: "whale", feature: "api_calls") { allowed reason } }`)).entitlement,
    ).toEqual({ allowed: false, reason: "LIMIT_REACHED" });
    expectError(
      await quote({ customerId: "whale", feature: "api_calls", idempotencyKey: "q", value: "1" }),
      "LIMIT_REACHED",
    );
    // The period closes with the largest overage line there can be.
    await api.ok(`mutation { cancelSubscription(customerId: "whale", timing: IMMEDIATE) { status } }`);
    const [closing] = await f.invoices("whale");
    expect(closing.lines[0]).toEqual({
      kind: "OVERAGE",
      feature: "api_calls",
      quantity: BILLION,
      unitPrice: "1000000000.00",
      amount: "1000000000000000000.00",
    });
    expect((await f.subscribe("whale", "metered")).data.subscribe.status).toBe("ACTIVE");
  });

  it("two concurrent tracks that each fit but together pass the ceiling: the write's condition takes exactly one", async () => {
    await f.customerOn("twins", "whale-metered");
    const results = await Promise.all(
      ["t1", "t2"].map((key) =>
        f.track({ customerId: "twins", feature: "api_calls", idempotencyKey: key, value: "600000000" }),
      ),
    );
    expect(results.map((r) => r.errors?.[0]?.extensions?.code ?? "ok").sort()).toEqual(["LIMIT_REACHED", "ok"]);
    expect(await f.usage("twins")).toEqual([
      {
        feature: { code: "api_calls" },
        used: "600000000",
        included: "0",
        overage: "600000000",
        cost: "600000000000000000.00",
        credits: null,
      },
    ]);
  });

  it("BALANCE: a period's spend may reach 10^18, not more, in single tracks and in batches", async () => {
    await f.customerOn("spender", "whale-balance");
    expect(
      (await f.track({ customerId: "spender", feature: "api_calls", idempotencyKey: "s1", value: "999999999" })).data
        .trackUsage.event.cost,
    ).toBe("999999999000000000.00");
    const before = await f.snapshot("spender");
    expectError(
      await f.track({ customerId: "spender", feature: "api_calls", idempotencyKey: "s2", value: "1.000001" }),
      "LIMIT_REACHED",
    );
    const batch = await f.trackBatch([
      { customerId: "spender", feature: "api_calls", idempotencyKey: "b1", value: "0.5" },
      { customerId: "spender", feature: "api_calls", idempotencyKey: "b2", value: "0.6" },
    ]);
    expect(
      batch.data.trackUsageBatch.map((r: { ok: boolean; errorCode: string | null }) => [r.ok, r.errorCode]),
    ).toEqual([
      [true, null],
      [false, "LIMIT_REACHED"],
    ]);
    expect((await f.wallet("spender")).spent).toBe("999999999500000000.00");
    expect((await f.snapshot("spender")).events.edges).toHaveLength(before.events.edges.length + 1);
  });

  it("a credit pack that would take the credits past 10^18 is LIMIT_REACHED and writes nothing", async () => {
    await f.pack("big-pack", "1000000000000000", "1");
    await f.customerOn("hoarder", "credits");
    // A wallet already holding 10^18 - 10^15 + 1 credits (a thousand such packs): one more does not fit.
    await api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet("hoarder"),
        UpdateExpression: "ADD credits :n, purchasedCredits :n",
        ExpressionAttributeValues: { ":n": 10n ** 30n - 10n ** 27n - 99n * 10n ** 12n },
      }),
    );
    const before = await f.snapshot("hoarder");
    const invoices = await f.invoices("hoarder");
    const buy = await api.gql(
      `mutation { purchaseCreditPack(customerId: "hoarder", packCode: "big-pack", idempotencyKey: "p1") { credits } }`,
    );
    expectError(buy, "LIMIT_REACHED");
    expect(await f.snapshot("hoarder")).toEqual(before);
    expect(await f.invoices("hoarder")).toEqual(invoices);
  });
});
