/**
 * trackUsageBatch over HTTP: one result per element, in order; each element accepted or refused
 * on its own with its errorCode; several customers in one batch; replays and duplicate keys.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type TrackInput, type Fixtures } from "../support/fixtures";
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
        features: [{ feature: "api_calls", included: "10", overagePrice: "0.5" }, { feature: "sso" }],
      },
      capped: {
        model: "METERED",
        basePrice: "1",
        features: [{ feature: "api_calls", included: "0", overagePrice: "1", limit: "5" }],
      },
      credits: PLANS.credits,
      balance: PLANS.balance,
    },
  }));
});
afterAll(() => api?.close());

type Result = { ok: boolean; errorCode: string | null; errorMessage: string | null; payload: any };

const batch = async (inputs: TrackInput[]): Promise<Result[]> => {
  const response = await f.trackBatch(inputs);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data.trackUsageBatch;
};
const outline = (results: Result[]) =>
  results.map((r) => (r.ok ? (r.payload.replayed ? "replayed" : "ok") : r.errorCode));

describe("results in order, errors per element", () => {
  it("given valid events around an unknown feature, a feature outside the plan and malformed elements, then each answers for itself in order", async () => {
    await f.customerOn("acme", "metered");
    const ev = (key: string, feature: string, value: string | number = 1) => ({
      customerId: "acme",
      feature,
      idempotencyKey: key,
      value,
    });
    const results = await batch([
      ev("k1", "api_calls", "1"),
      ev("k2", "teleport"),
      ev("k3", "api_calls", "2"),
      ev("k4", "images"),
      ev("k#5", "api_calls"),
      ev("k6", "api_calls", "-1"),
      ev("k7", "sso"),
      ev("k8", "api_calls", "3"),
    ]);
    expect(outline(results)).toEqual([
      "ok",
      "NOT_FOUND",
      "ok",
      "FEATURE_NOT_IN_PLAN",
      "BAD_USER_INPUT",
      "BAD_USER_INPUT",
      "BAD_USER_INPUT",
      "ok",
    ]);
    expect(results[1]).toEqual({
      ok: false,
      errorCode: "NOT_FOUND",
      errorMessage: 'feature "teleport" not found',
      payload: null,
    });
    expect(
      results
        .filter((r) => r.ok)
        .map((r) => [r.payload.event.idempotencyKey, r.payload.event.value, r.payload.entitlement.used]),
    ).toEqual([
      ["k1", "1", "1"],
      ["k3", "2", "3"],
      ["k8", "3", "6"],
    ]);
    expect(await f.usage("acme")).toEqual([
      { feature: { code: "api_calls" }, used: "6", included: "10", overage: "0", cost: "0.00", credits: null },
    ]);
    expect((await f.events("acme")).map((e: { idempotencyKey: string }) => e.idempotencyKey).sort()).toEqual([
      "k1",
      "k3",
      "k8",
    ]);
  });

  it("given elements for several customers and models interleaved, then every customer is charged its own and results keep the input order", async () => {
    await f.customerOn("m-co", "metered");
    await f.customerOn("c-co", "credits");
    await f.customerOn("b-co", "balance");
    await f.customer("no-sub");
    const results = await batch([
      { customerId: "m-co", feature: "api_calls", idempotencyKey: "e1", value: "12" },
      { customerId: "c-co", feature: "images", idempotencyKey: "e1", value: "2" },
      { customerId: "b-co", feature: "api_calls", idempotencyKey: "e1", value: "1000" },
      { customerId: "ghost", feature: "api_calls", idempotencyKey: "e1" },
      { customerId: "no-sub", feature: "api_calls", idempotencyKey: "e1" },
      { customerId: "m-co", feature: "api_calls", idempotencyKey: "e2", value: "3" },
      { customerId: "c-co", feature: "images", idempotencyKey: "e2", value: "1" },
      { customerId: "b-co", feature: "api_calls", idempotencyKey: "e2", value: "500" },
    ]);
    expect(outline(results)).toEqual(["ok", "ok", "ok", "NOT_FOUND", "NO_SUBSCRIPTION", "ok", "ok", "ok"]);
    expect(
      results.map((r) => (r.ok ? [r.payload.event.customerId, r.payload.event.cost, r.payload.event.credits] : null)),
    ).toEqual([
      ["m-co", null, null],
      ["c-co", null, "20"],
      ["b-co", "4.30", null],
      null,
      null,
      ["m-co", null, null],
      ["c-co", null, "10"],
      ["b-co", "2.15", null],
    ]);
    expect(results[6]!.payload.entitlement).toMatchObject({ allowed: true, credits: "70" });
    expect(results[7]!.payload.entitlement).toMatchObject({ allowed: true, balance: "93.55" });
    expect(await f.usage("m-co")).toEqual([
      { feature: { code: "api_calls" }, used: "15", included: "10", overage: "5", cost: "2.50", credits: null },
    ]);
    expect(await f.wallet("c-co")).toMatchObject({ credits: "70", planCredits: "70" });
    expect(await f.wallet("b-co")).toMatchObject({ balance: "93.55", spent: "6.45", allowance: "93.55" });
    expect((await api.ok(`{ customer(id: "no-sub") { events { edges { cursor } } } }`)).customer.events.edges).toEqual(
      [],
    );
  });
});

describe("a CREDITS batch that runs out of credits", () => {
  it("given 100 credits at 10 per image, when 12 images arrive in one batch, then exactly the first 10 are accepted and credits end at 0", async () => {
    await f.customerOn("studio", "credits");
    const inputs = Array.from({ length: 12 }, (_, i) => ({
      customerId: "studio",
      feature: "images",
      idempotencyKey: `img-${i}`,
      value: "1",
    }));
    const results = await batch(inputs);
    expect(outline(results)).toEqual([...Array(10).fill("ok"), "INSUFFICIENT_CREDITS", "INSUFFICIENT_CREDITS"]);
    expect(results.slice(0, 10).map((r) => r.payload.entitlement.credits)).toEqual([
      "90",
      "80",
      "70",
      "60",
      "50",
      "40",
      "30",
      "20",
      "10",
      "0",
    ]);
    expect(await f.wallet("studio")).toMatchObject({ credits: "0", planCredits: "0", purchasedCredits: "0" });
    expect(await f.events("studio")).toHaveLength(10);
  });

  it("given 100 credits, when a large element does not fit but a later smaller one does, then each is decided on its own, in order", async () => {
    await f.customerOn("studio2", "credits");
    const results = await batch([
      { customerId: "studio2", feature: "images", idempotencyKey: "a", value: "4" },
      { customerId: "studio2", feature: "images", idempotencyKey: "b", value: "4" },
      { customerId: "studio2", feature: "images", idempotencyKey: "c", value: "4" },
      { customerId: "studio2", feature: "images", idempotencyKey: "d", value: "2" },
    ]);
    expect(outline(results)).toEqual(["ok", "ok", "INSUFFICIENT_CREDITS", "ok"]);
    expect(await f.wallet("studio2")).toMatchObject({ credits: "0" });
    expect((await f.usage("studio2"))[0]).toMatchObject({ used: "10", credits: "100" });
  });
});

describe("a METERED batch against a hard limit", () => {
  it("given a limit of 5, when 7 calls arrive in one batch, then 5 are accepted and 2 are LIMIT_REACHED", async () => {
    await f.customerOn("capped-co", "capped");
    const results = await batch(
      Array.from({ length: 7 }, (_, i) => ({ customerId: "capped-co", feature: "api_calls", idempotencyKey: `c${i}` })),
    );
    expect(outline(results)).toEqual(["ok", "ok", "ok", "ok", "ok", "LIMIT_REACHED", "LIMIT_REACHED"]);
    expect((await f.usage("capped-co"))[0]).toMatchObject({ used: "5" });
  });
});

describe("replays", () => {
  it("given an accepted batch, when the whole batch is retried, then every element is replayed and nothing moves", async () => {
    await f.customerOn("retry-co", "metered");
    const inputs = Array.from({ length: 5 }, (_, i) => ({
      customerId: "retry-co",
      feature: "api_calls",
      idempotencyKey: `r${i}`,
      value: String(i + 1),
    }));
    const first = await batch(inputs);
    expect(outline(first)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
    const before = await f.snapshot("retry-co");
    expect(before.usage[0].used).toBe("15");

    const again = await batch(inputs);
    expect(outline(again)).toEqual(["replayed", "replayed", "replayed", "replayed", "replayed"]);
    expect(again.map((r) => r.payload.event)).toEqual(first.map((r) => r.payload.event));
    expect(await f.snapshot("retry-co")).toEqual(before);
  });

  it("given a mixed batch, when it is retried, then accepted elements replay and refused ones are refused again", async () => {
    await f.customerOn("mixed-co", "credits");
    const inputs = [
      { customerId: "mixed-co", feature: "images", idempotencyKey: "x1", value: "6" },
      { customerId: "mixed-co", feature: "images", idempotencyKey: "x2", value: "6" },
      { customerId: "mixed-co", feature: "teleport", idempotencyKey: "x3" },
    ];
    expect(outline(await batch(inputs))).toEqual(["ok", "INSUFFICIENT_CREDITS", "NOT_FOUND"]);
    expect(outline(await batch(inputs))).toEqual(["replayed", "INSUFFICIENT_CREDITS", "NOT_FOUND"]);
    expect(await f.wallet("mixed-co")).toMatchObject({ credits: "40" });
  });

  it("given part of a batch was sent before, when the larger batch arrives, then the old part replays and the new part is accepted", async () => {
    await f.customerOn("partial-co", "metered");
    const ev = (key: string) => ({ customerId: "partial-co", feature: "api_calls", idempotencyKey: key, value: "1" });
    expect(outline(await batch([ev("a"), ev("b")]))).toEqual(["ok", "ok"]);
    expect(outline(await batch([ev("a"), ev("c"), ev("b"), ev("d")]))).toEqual(["replayed", "ok", "replayed", "ok"]);
    expect((await f.usage("partial-co"))[0]).toMatchObject({ used: "4" });
    expect(outline(await batch([ev("a"), { ...ev("c"), value: "2" }]))).toEqual(["replayed", "IDEMPOTENCY_KEY_REUSED"]);
    expect((await f.usage("partial-co"))[0]).toMatchObject({ used: "4" });
  });

  it("given duplicate keys inside one batch, then the first is accepted, an identical copy is replayed, a different one is IDEMPOTENCY_KEY_REUSED", async () => {
    await f.customerOn("dup-co", "metered");
    const results = await batch([
      { customerId: "dup-co", feature: "api_calls", idempotencyKey: "same", value: "2" },
      { customerId: "dup-co", feature: "api_calls", idempotencyKey: "same", value: "2" },
      { customerId: "dup-co", feature: "api_calls", idempotencyKey: "other", value: "5" },
      { customerId: "dup-co", feature: "api_calls", idempotencyKey: "same", value: "3" },
    ]);
    expect(outline(results)).toEqual(["ok", "replayed", "ok", "IDEMPOTENCY_KEY_REUSED"]);
    expect(results[1]!.payload.event).toEqual(results[0]!.payload.event);
    expect((await f.usage("dup-co"))[0]).toMatchObject({ used: "7" });
    expect(await f.events("dup-co")).toHaveLength(2);
  });
});

describe("batch size", () => {
  it("accepts exactly 100 events in one batch", async () => {
    await f.customerOn("hundred-co", "metered");
    const results = await batch(
      Array.from({ length: 100 }, (_, i) => ({
        customerId: "hundred-co",
        feature: "api_calls",
        idempotencyKey: `h${i}`,
      })),
    );
    expect(results.filter((r) => r.ok && !r.payload.replayed)).toHaveLength(100);
    expect(await f.usage("hundred-co")).toEqual([
      { feature: { code: "api_calls" }, used: "100", included: "10", overage: "90", cost: "45.00", credits: null },
    ]);
  });

  it("refuses 101 events as a whole with BAD_USER_INPUT", async () => {
    await f.customerOn("too-many", "metered");
    const response = await f.trackBatch(
      Array.from({ length: 101 }, (_, i) => ({
        customerId: "too-many",
        feature: "api_calls",
        idempotencyKey: `t${i}`,
      })),
    );
    expectError(response, "BAD_USER_INPUT");
    expect((await f.usage("too-many"))[0]).toMatchObject({ used: "0" });
    expect(await f.events("too-many")).toEqual([]);
  });

  it("answers an empty batch with an empty list", async () => {
    expect(await batch([])).toEqual([]);
  });
});

describe("a retried batch keeps its order", () => {
  it("given a batch whose first element was already recorded, when an earlier element needs the credits a later one would take, then they are decided in batch order", async () => {
    await f.customerOn("order", "credits"); // 100 credits, images at 10 each
    const ev = (key: string, value: string | number) => ({
      customerId: "order",
      feature: "images",
      idempotencyKey: key,
      value,
    });
    expect(outline(await batch([ev("o1", 1)]))).toEqual(["ok"]); // 90 credits left
    // In order: o1 is a replay, o2 takes the last 90 credits, o3 finds none. (Priced in memory,
    // o1 looks new and leaves too little for o2; the batch must not let o3 overtake o2.)
    expect(outline(await batch([ev("o1", 1), ev("o2", 9), ev("o3", 1)]))).toEqual([
      "replayed",
      "ok",
      "INSUFFICIENT_CREDITS",
    ]);
  });
});

/** The DynamoDB requests the server sends while `fn` runs, by command name. */
async function requestsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  api.deps.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, "");
      seen[name] = (seen[name] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "countBatchRequests", override: true },
  );
  try {
    await fn();
  } finally {
    api.deps.db.raw.middlewareStack.remove("countBatchRequests");
  }
  return seen;
}

describe("replays in a batch are found with one read", () => {
  const ev = (c: string, key: string, feature = "api_calls") => ({
    customerId: c,
    feature,
    idempotencyKey: key,
    value: "1",
  });
  const keysOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it("given a batch of 100 recorded before, when it is sent again, then one failed transaction and one BatchGetItem answer all 100 as replays", async () => {
    await f.customerOn("replay-100", "metered");
    const inputs = keysOf("r", 100).map((k) => ev("replay-100", k));
    const first = await batch(inputs);
    let again: Result[] = [];
    const requests = await requestsDuring(async () => (again = await batch(inputs)));
    expect(outline(again)).toEqual(inputs.map(() => "replayed"));
    expect(again.map((r) => r.payload.event)).toEqual(first.map((r) => r.payload.event));
    expect(requests).toEqual({ TransactWriteItems: 1, BatchGetItem: 1, GetItem: 2 }); // GetItem: the test clock
    expect((await f.usage("replay-100"))[0]).toMatchObject({ used: "100" });
  });

  it("given half of a batch recorded before, interleaved, then the new half is written in one transaction, in order", async () => {
    await f.customerOn("replay-half", "metered");
    const old = keysOf("old", 50).map((k) => ev("replay-half", k));
    await batch(old);
    const mixed = old.flatMap((o, i) => [o, ev("replay-half", `new${i}`)]);
    let results: Result[] = [];
    const requests = await requestsDuring(async () => (results = await batch(mixed)));
    expect(outline(results)).toEqual(mixed.map((_, i) => (i % 2 ? "ok" : "replayed")));
    expect(requests).toEqual({ TransactWriteItems: 2, BatchGetItem: 1, GetItem: 2 });
    expect(results.filter((_, i) => i % 2).map((r) => r.payload.entitlement.used)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(51 + i)),
    );
    expect((await f.usage("replay-half"))[0]).toMatchObject({ used: "100" });
    expect(await f.events("replay-half")).toHaveLength(100);
  });

  it("given a CREDITS batch that spent every credit, when it is sent again, then all replay from one BatchGetItem, none refused", async () => {
    await f.customerOn("replay-credits", "credits"); // 100 credits, images at 10
    const inputs = keysOf("i", 10).map((k) => ev("replay-credits", k, "images"));
    expect(outline(await batch(inputs))).toEqual(inputs.map(() => "ok"));
    let again: Result[] = [];
    const requests = await requestsDuring(async () => (again = await batch(inputs)));
    expect(outline(again)).toEqual(inputs.map(() => "replayed"));
    expect(again.map((r) => r.payload.entitlement.credits)).toEqual(inputs.map(() => "0"));
    // The cached view refuses all ten (no credits left): one fresh wallet read, then the lookup.
    expect(requests).toEqual({ BatchGetItem: 1, GetItem: 3 });
    // A new element among them is still refused, and a changed one is IDEMPOTENCY_KEY_REUSED.
    const mixed = [inputs[0]!, ev("replay-credits", "i-new", "images"), { ...inputs[1]!, value: "2" }];
    expect(outline(await batch(mixed))).toEqual(["replayed", "INSUFFICIENT_CREDITS", "IDEMPOTENCY_KEY_REUSED"]);
  });
});
