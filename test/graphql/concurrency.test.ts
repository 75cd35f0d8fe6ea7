/**
 * Concurrency over HTTP: many trackUsage calls for one customer at once (as many Lambdas would
 * send them). Correctness comes from conditional writes and transactions: nothing is counted
 * twice, no guard (credits, hard limit, blocking balance) is ever overrun.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GqlResponse, TestApi } from "../support/server";
import { codeOf, conflictOnNextWalletTransaction, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
      },
      capped: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "api_calls", included: "20", overagePrice: "0.01", limit: "40" }],
      },
      credits: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "100",
        features: [{ feature: "images", creditsPerUnit: "1" }],
      },
      prepaid: {
        model: "BALANCE",
        basePrice: "4",
        blockOnExhaustion: true,
        features: [{ feature: "api_calls", unitPrice: "0.1" }],
      },
    },
  }));
});
afterAll(() => api?.close());

const counts = (results: GqlResponse[]) => {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.errors ? `error:${codeOf(r)}` : r.data.trackUsage.replayed ? "replayed" : "accepted";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

describe("METERED: 200 concurrent calls, 50 of them replays of others' keys", () => {
  it("counts exactly 150, and every replay answers the original event", async () => {
    await f.customerOn("acme", "metered");
    const distinct = Array.from({ length: 150 }, (_, i) => ({
      customerId: "acme",
      feature: "api_calls",
      idempotencyKey: `call-${i}`,
      value: "1",
    }));
    const replays = distinct.slice(0, 50).map((input) => ({ ...input }));
    // Interleave: each replay is sent right next to its original.
    const inputs = [...distinct.slice(0, 50).flatMap((input, i) => [input, replays[i]!]), ...distinct.slice(50)];
    expect(inputs).toHaveLength(200);

    const results = await Promise.all(inputs.map((input) => f.track(input)));

    expect(counts(results)).toEqual({ accepted: 150, replayed: 50 });
    const byKey = new Map<string, GqlResponse[]>();
    for (const [i, input] of inputs.entries()) {
      byKey.set(input.idempotencyKey, [...(byKey.get(input.idempotencyKey) ?? []), results[i]!]);
    }
    for (const [, answers] of byKey) {
      expect(answers.filter((a) => !a.data.trackUsage.replayed)).toHaveLength(1);
      const events = answers.map((a) => a.data.trackUsage.event);
      for (const e of events) expect(e).toEqual(events[0]);
    }
    expect(await f.usage("acme")).toEqual([
      { feature: { code: "api_calls" }, used: "150", included: "100", overage: "50", cost: "0.50", credits: null },
    ]);
    expect(await f.events("acme")).toHaveLength(100); // the page size: there are more
    const all = await api.ok(`{ customer(id: "acme") { events(first: 100) { pageInfo { hasNextPage endCursor } } } }`);
    const rest = await api.ok(
      `query($a: String) { customer(id: "acme") { events(first: 100, after: $a) { edges { node { idempotencyKey } } pageInfo { hasNextPage } } } }`,
      {
        a: all.customer.events.pageInfo.endCursor,
      },
    );
    expect(rest.customer.events.edges).toHaveLength(50);
    expect(rest.customer.events.pageInfo.hasNextPage).toBe(false);
  });
});

describe("CREDITS: credits for exactly 100 of 150 concurrent distinct events", () => {
  it("accepts exactly 100, refuses 50 with INSUFFICIENT_CREDITS, and ends at exactly 0 credits", async () => {
    await f.customerOn("studio", "credits");
    const inputs = Array.from({ length: 150 }, (_, i) => ({
      customerId: "studio",
      feature: "images",
      idempotencyKey: `img-${i}`,
      value: "1",
    }));

    const results = await Promise.all(inputs.map((input) => f.track(input)));

    expect(counts(results)).toEqual({ accepted: 100, "error:INSUFFICIENT_CREDITS": 50 });
    expect(await f.wallet("studio")).toMatchObject({ credits: "0", planCredits: "0", purchasedCredits: "0" });
    expect(await f.usage("studio")).toEqual([
      { feature: { code: "images" }, used: "100", included: null, overage: null, cost: null, credits: "100" },
    ]);
    const accepted = new Set(inputs.filter((_, i) => !results[i]!.errors).map((input) => input.idempotencyKey));
    const stored = await f.events("studio");
    expect(new Set(stored.map((e: { idempotencyKey: string }) => e.idempotencyKey))).toEqual(accepted);
  });
});

describe("METERED with a hard limit of 40 under concurrency", () => {
  it("never exceeds the limit: of 60 concurrent calls 40 are accepted, the other 20 LIMIT_REACHED", async () => {
    await f.customerOn("capped-co", "capped");
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      customerId: "capped-co",
      feature: "api_calls",
      idempotencyKey: `c-${i}`,
      value: "1",
    }));

    const results = await Promise.all(inputs.map((input) => f.track(input)));

    expect(counts(results)).toEqual({ accepted: 40, "error:LIMIT_REACHED": 20 });
    expect(await f.usage("capped-co")).toEqual([
      { feature: { code: "api_calls" }, used: "40", included: "20", overage: "20", cost: "0.20", credits: null },
    ]);
    const check = await api.ok(
      `{ entitlement(customerId: "capped-co", feature: "api_calls") { allowed reason used remaining } }`,
    );
    expect(check.entitlement).toEqual({ allowed: false, reason: "LIMIT_REACHED", used: "40", remaining: "0" });
  });
});

describe("BALANCE with blockOnExhaustion under concurrency", () => {
  it("never goes below zero: $4 at $0.10 a call accepts exactly 40 of 60 concurrent calls, the rest INSUFFICIENT_BALANCE", async () => {
    await f.customerOn("prepaid-co", "prepaid");
    const inputs = Array.from({ length: 60 }, (_, i) => ({
      customerId: "prepaid-co",
      feature: "api_calls",
      idempotencyKey: `p-${i}`,
      value: "1",
    }));

    const results = await Promise.all(inputs.map((input) => f.track(input)));

    expect(counts(results)).toEqual({ accepted: 40, "error:INSUFFICIENT_BALANCE": 20 });
    expect(await f.wallet("prepaid-co")).toMatchObject({
      balance: "0.00",
      allowance: "0.00",
      spent: "4.00",
      overage: "0.00",
    });
  });
});

describe("CREDITS: concurrent batches and single calls racing for the same credits", () => {
  it("given credits for exactly 100 images, when 4 batches of 30 and 30 single calls arrive at once, then exactly 100 are accepted and credits end at 0", async () => {
    await f.customerOn("racer", "credits");
    const ev = (key: string) => ({ customerId: "racer", feature: "images", idempotencyKey: key, value: "1" });
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 30 }, (_, i) => ev(`b${b}-${i}`)));
    const singles = Array.from({ length: 30 }, (_, i) => ev(`s-${i}`));

    const [batchResults, singleResults] = await Promise.all([
      Promise.all(batches.map((inputs) => f.trackBatch(inputs))),
      Promise.all(singles.map((input) => f.track(input))),
    ]);

    const elements = batchResults.flatMap((r) => {
      expect(r.errors).toBeUndefined();
      return r.data.trackUsageBatch as { ok: boolean; errorCode: string | null }[];
    });
    const acceptedInBatches = elements.filter((e) => e.ok).length;
    const acceptedSingles = singleResults.filter((r) => !r.errors).length;
    expect(acceptedInBatches + acceptedSingles).toBe(100);
    expect(elements.filter((e) => !e.ok).every((e) => e.errorCode === "INSUFFICIENT_CREDITS")).toBe(true);
    expect(singleResults.filter((r) => r.errors).every((r) => codeOf(r) === "INSUFFICIENT_CREDITS")).toBe(true);
    expect(await f.wallet("racer")).toMatchObject({ credits: "0", planCredits: "0" });
    expect((await f.usage("racer"))[0]).toMatchObject({ used: "100", credits: "100" });
  });
});

describe("other writes racing with themselves", () => {
  it("given 10 concurrent subscribes of one customer to different plans, then exactly one wins and 9 are ALREADY_EXISTS", async () => {
    await f.customer("chooser");
    const plans = [
      "metered",
      "capped",
      "credits",
      "prepaid",
      "metered",
      "capped",
      "credits",
      "prepaid",
      "metered",
      "capped",
    ];
    const results = await Promise.all(plans.map((p) => f.subscribe("chooser", p)));
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(9).fill("ALREADY_EXISTS"));
    const sub = (await api.ok(`{ customer(id: "chooser") { subscription { plan { code } status } } }`)).customer
      .subscription;
    expect(sub).toEqual({ plan: { code: winners[0]!.data.subscribe.plan.code }, status: "ACTIVE" });
  });

  it("given 20 concurrent purchases of a pack under one key, then the credits are added exactly once and every call answers", async () => {
    await f.pack("pack50", "50", "5");
    await f.customerOn("buyer", "credits");
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.gql(
          `mutation { purchaseCreditPack(customerId: "buyer", packCode: "pack50", idempotencyKey: "once") { credits } }`,
        ),
      ),
    );
    expect(results.map((r) => r.errors?.[0]?.extensions?.code ?? r.data.purchaseCreditPack.credits)).toEqual(
      Array(20).fill("150"),
    );
    expect(await f.wallet("buyer")).toMatchObject({ credits: "150", planCredits: "100", purchasedCredits: "50" });
  });

  it("given 20 concurrent top-ups under one key, then the money is added exactly once", async () => {
    await f.customerOn("topper", "prepaid");
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.gql(`mutation { topUpBalance(customerId: "topper", amount: "2.5", idempotencyKey: "once") { balance } }`),
      ),
    );
    expect(results.map((r) => r.errors?.[0]?.extensions?.code ?? r.data.topUpBalance.balance)).toEqual(
      Array(20).fill("6.50"),
    );
    expect(await f.wallet("topper")).toMatchObject({ balance: "6.50", topUps: "2.50", allowance: "4.00" });
  });

  it("given 10 concurrent creations of one customer id, then exactly one is created", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.gql(`mutation($n: String) { createCustomer(input: { id: "twin", name: $n }) { id } }`, { n: `n${i}` }),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map(codeOf)).toEqual(Array(9).fill("ALREADY_EXISTS"));
  });
});

/**
 * Real DynamoDB cancels a transaction that meets another one in flight on the same item with a
 * TransactionConflict reason (DynamoDB Local serializes instead, so the conflict is injected once
 * on the wallet). A race is retried with a fresh read, a bounded number of times.
 */
describe("a transaction conflict on the wallet, as real DynamoDB reports it", () => {
  it("trackUsage retries and counts the event once", async () => {
    await f.customerOn("conflict-track", "credits");
    const conflict = conflictOnNextWalletTransaction(api.deps.db, "conflict-track");
    try {
      const r = await f.track({ customerId: "conflict-track", feature: "images", idempotencyKey: "x", value: "3" });
      expect(conflict.injected()).toBe(1);
      expect(r.errors).toBeUndefined();
      expect(r.data.trackUsage).toMatchObject({ replayed: false, entitlement: { credits: "97" } });
    } finally {
      conflict.restore();
    }
    expect(await f.wallet("conflict-track")).toMatchObject({ credits: "97" });
  });

  it("trackUsageBatch accepts every event once after a conflict", async () => {
    await f.customerOn("conflict-batch", "credits");
    const conflict = conflictOnNextWalletTransaction(api.deps.db, "conflict-batch");
    try {
      const r = await f.trackBatch(
        ["a", "b", "c"].map((k) => ({
          customerId: "conflict-batch",
          feature: "images",
          idempotencyKey: k,
          value: "1",
        })),
      );
      expect(conflict.injected()).toBe(1);
      expect(
        r.data.trackUsageBatch.map((e: { ok: boolean; payload: { replayed: boolean } }) => [e.ok, e.payload.replayed]),
      ).toEqual([
        [true, false],
        [true, false],
        [true, false],
      ]);
    } finally {
      conflict.restore();
    }
    expect(await f.wallet("conflict-batch")).toMatchObject({ credits: "97" });
  });

  it("trackUsageBatch retries a conflicted transaction as a batch, not as one transaction per element", async () => {
    // On AWS two batches of one customer in flight at once (several workers, several Lambdas)
    // conflict on the wallet; one transaction per element after that multiplied the cost of a
    // batch by up to 50. The conflict wrote nothing, so the batch is written again as one.
    await f.customerOn("conflict-batch-once", "credits");
    // Transactions that committed: the conflicted one (thrown inside this counter) is not one of them.
    let transactions = 0;
    api.deps.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "TransactWriteItemsCommand") transactions++;
        return out;
      },
      { step: "initialize", name: "countBatchTransactions" },
    );
    const conflict = conflictOnNextWalletTransaction(api.deps.db, "conflict-batch-once");
    try {
      const r = await f.trackBatch(
        ["a", "b", "c"].map((k) => ({
          customerId: "conflict-batch-once",
          feature: "images",
          idempotencyKey: k,
          value: "1",
        })),
      );
      expect(conflict.injected()).toBe(1);
      expect(r.data.trackUsageBatch.map((e: { ok: boolean }) => e.ok)).toEqual([true, true, true]);
      expect(transactions).toBe(1);
    } finally {
      conflict.restore();
      api.deps.db.raw.middlewareStack.remove("countBatchTransactions");
    }
    expect(await f.wallet("conflict-batch-once")).toMatchObject({ credits: "97" });
  });

  it("purchaseCreditPack retries and adds the pack once", async () => {
    await f.pack("pack10", "10", "1");
    await f.customerOn("conflict-buy", "credits");
    const conflict = conflictOnNextWalletTransaction(api.deps.db, "conflict-buy");
    try {
      const r = await api.gql(
        `mutation { purchaseCreditPack(customerId: "conflict-buy", packCode: "pack10", idempotencyKey: "b1") { credits } }`,
      );
      expect(conflict.injected()).toBe(1);
      expect(r.errors).toBeUndefined();
      expect(r.data.purchaseCreditPack.credits).toBe("110");
    } finally {
      conflict.restore();
    }
  });

  it("subscribe retries and subscribes once", async () => {
    await f.customer("conflict-sub");
    const conflict = conflictOnNextWalletTransaction(api.deps.db, "conflict-sub");
    try {
      const r = await f.subscribe("conflict-sub", "credits");
      expect(conflict.injected()).toBe(1);
      expect(r.errors).toBeUndefined();
      expect(r.data.subscribe.status).toBe("ACTIVE");
    } finally {
      conflict.restore();
    }
  });
});
