/**
 * What the client retries and what it does not, against the real API: a lost answer (a proxy that
 * drops the response after the API did the work) is retried with the same idempotency key and
 * bills once; operations without a key are reconciled; refusals are never retried; 429 waits for
 * Retry-After; 5xx and CONFLICT are retried; the retry limit, the deadline and the caller's abort hold.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BillingError, createBillingClient, isBillingError } from "../src/index.js";
import { backoff, retryAfter } from "../src/transport.js";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";
import { type DroppingProxy, startDroppingProxy, startSilentServer } from "./support/proxy";

let api: TestApi;
let f: ReturnType<typeof fixtures>;
let proxy: DroppingProxy | undefined;
const FAST = { baseDelayMs: 5, maxDelayMs: 20 };

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await f.features({ api_calls: "METERED", images: "METERED" });
  await f.plan({
    code: "balance",
    model: "BALANCE",
    basePrice: "100",
    features: [{ feature: "api_calls", unitPrice: "0.0043" }],
  });
  await f.plan({
    code: "credits",
    model: "CREDITS",
    basePrice: "49",
    includedCredits: "10",
    features: [{ feature: "images", creditsPerUnit: "10" }],
  });
  await f.plan({
    code: "other",
    model: "BALANCE",
    basePrice: "50",
    features: [{ feature: "api_calls", unitPrice: "0.01" }],
  });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});
afterAll(() => api?.close());

/** A client through a proxy that drops the answers to the requests `drop` names. */
async function through(drop: (n: number) => boolean) {
  proxy = await startDroppingProxy(api.url, drop);
  return createBillingClient({ url: proxy.url, apiKey: TEST_KEY, retry: FAST });
}

async function rejection(promise: Promise<unknown>): Promise<BillingError> {
  const error = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(isBillingError(error), String(error)).toBe(true);
  return error as BillingError;
}

describe("a lost answer is retried and applied once", () => {
  it("given the first answer to a track dropped, then the retry carries the same key, is a replay, and the customer is billed once", async () => {
    await f.customerOn("lost-track", "balance");
    const client = await through((n) => n === 1);
    const result = await client.usage.track({ customerId: "lost-track", feature: "api_calls", value: 100 });
    expect(proxy!.bodies).toHaveLength(2);
    expect(proxy!.bodies[1]).toBe(proxy!.bodies[0]);
    expect([result.replayed, result.event.cost, result.entitlement.balance]).toEqual([true, "0.43", "99.57"]);
    expect(await f.events("lost-track")).toHaveLength(1);
    expect((await f.wallet("lost-track")).balance).toBe("99.57");
  });

  it("given the first answer to a batch dropped, then the chunk is resent with the same keys and recorded once", async () => {
    await f.customerOn("lost-batch", "balance");
    const client = await through((n) => n === 1);
    const inputs = Array.from({ length: 150 }, () => ({ customerId: "lost-batch", feature: "api_calls" }));
    const results = await client.usage.trackBatch(inputs);
    expect(proxy!.bodies).toHaveLength(3); // chunk 1 twice, chunk 2 once
    expect(proxy!.bodies[1]).toBe(proxy!.bodies[0]);
    expect(results.map((r) => r.ok && r.replayed)).toEqual([
      ...Array.from({ length: 100 }, () => true),
      ...Array.from({ length: 50 }, () => false),
    ]);
    expect((await f.usage("lost-batch"))[0]).toMatchObject({ used: "150", cost: "0.645" });
  });

  it("given the first answer to a subscribe dropped, then the retry's ALREADY_EXISTS is reconciled: the subscription is returned and invoiced once", async () => {
    await f.customer("lost-sub");
    const client = await through((n) => n === 1);
    const subscription = await client.subscriptions.subscribe({ customerId: "lost-sub", planCode: "balance" });
    expect([subscription.status, subscription.plan.code]).toEqual(["ACTIVE", "balance"]);
    expect(await f.invoices("lost-sub")).toHaveLength(1);
  });

  it("given the first answers to createCustomer, changePlan and an immediate cancel dropped, then each is applied once", async () => {
    const client = await through((n) => n === 1 || n === 4 || n === 8);
    // 1 dropped, 2 replayed by the API (createCustomer is idempotent by id)
    const created = await client.customers.create({ id: "lost-all", name: "Lost", metadata: { a: 1, b: [2] } });
    expect(created).toEqual({ id: "lost-all", name: "Lost", email: null, metadata: { a: 1, b: [2] } });
    await client.subscriptions.subscribe({ customerId: "lost-all", planCode: "balance" }); // 3
    // 4 dropped, 5 "already on plan", 6 reconciling read
    const changed = await client.subscriptions.changePlan({ customerId: "lost-all", planCode: "other" });
    expect(changed.plan.code).toBe("other");
    await client.usage.track({ customerId: "lost-all", feature: "api_calls" }); // 7
    // 8 dropped, 9 NO_SUBSCRIPTION, 10 reconciling read. Prorated, so the cancel leaves an invoice to count.
    const canceled = await client.subscriptions.cancel({ customerId: "lost-all", timing: "IMMEDIATE", prorate: true });
    expect(canceled.status).toBe("CANCELED");
    expect(proxy!.bodies).toHaveLength(10);
    expect(proxy!.bodies[8]).toBe(proxy!.bodies[7]);
    const lines = (await f.invoices("lost-all")).map((i: any) =>
      i.lines.map((l: any) => `${l.kind} ${l.amount}`).join(" + "),
    );
    // The change credits balance's 100 in full; the cancel credits other's 50 x the grant left
    // (49.99 of 50: time left is the whole period, all at one instant).
    expect(lines).toEqual(["PRORATION -49.99", "PRORATION -100.00 + BASE_FEE 50.00", "BASE_FEE 100.00"]);
  });

  it("given a lost answer and then a customer that exists with other data, then ALREADY_EXISTS is thrown (not someone else's customer)", async () => {
    await f.customer("taken");
    const client = await through((n) => n === 1);
    const error = await rejection(client.customers.create({ id: "taken", name: "Mine" }));
    expect([error.code, error.attempts]).toEqual(["ALREADY_EXISTS", 2]);
  });
});

describe("refusals are answers", () => {
  it("given a track refused for credits, then one request is sent and the typed error thrown", async () => {
    await f.customerOn("refused", "credits");
    await f.track({ customerId: "refused", feature: "images", idempotencyKey: "r-1" });
    const client = await through(() => false);
    const error = await rejection(client.usage.track({ customerId: "refused", feature: "images" }));
    expect([error.code, error.attempts, error.retryable, proxy!.bodies.length]).toEqual([
      "INSUFFICIENT_CREDITS",
      1,
      false,
      1,
    ]);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("transient failures", () => {
  /** A fetch that answers the first `times` calls with `fake` and then lets requests through. */
  const faulty = (times: number, fake: () => Response) => {
    const bodies: string[] = [];
    const impl: typeof fetch = async (input, init) => {
      bodies.push(String(init?.body));
      return bodies.length <= times ? fake() : fetch(input, init);
    };
    return { impl, bodies };
  };

  it("given HTTP 429 with Retry-After: 1, then the client waits at least a second and retries", async () => {
    await f.customerOn("limited", "balance");
    const { impl, bodies } = faulty(
      1,
      () => new Response("slow down", { status: 429, headers: { "retry-after": "1" } }),
    );
    const client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: impl, retry: FAST });
    const started = Date.now();
    const result = await client.usage.track({ customerId: "limited", feature: "api_calls" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect([result.replayed, bodies.length, bodies[1] === bodies[0]]).toEqual([false, 2, true]);
  });

  it("given a gateway's 502 page and a masked server error, then both are retried", async () => {
    await f.customerOn("flaky", "balance");
    let n = 0;
    const { impl, bodies } = faulty(2, () =>
      ++n === 1
        ? new Response("<html>Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } })
        : Response.json({ errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }),
    );
    const client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: impl, retry: FAST });
    expect((await client.usage.track({ customerId: "flaky", feature: "api_calls" })).replayed).toBe(false);
    expect(bodies).toHaveLength(3);
  });

  it("given CONFLICT, then the call is retried with the same key", async () => {
    await f.customerOn("contended", "balance");
    const { impl, bodies } = faulty(1, () =>
      Response.json({ data: null, errors: [{ message: "write contention", extensions: { code: "CONFLICT" } }] }),
    );
    const client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: impl, retry: FAST });
    const result = await client.usage.track({ customerId: "contended", feature: "api_calls" });
    expect([result.replayed, bodies.length, bodies[1] === bodies[0]]).toEqual([false, 2, true]);
  });

  it("given events of a batch answered CONFLICT, then only those are sent again, with their keys, and the results stay in order", async () => {
    await f.customerOn("contended-batch", "balance");
    const bodies: any[] = [];
    const impl: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body));
      bodies.push(body);
      if (bodies.length > 1) return fetch(input, init);
      // The first request: events 1 and 3 meet contention (not written); the others go through.
      const through = body.variables.inputs.filter((_: unknown, i: number) => i !== 1 && i !== 3);
      const answer = await (
        await fetch(input, { ...init, body: JSON.stringify({ ...body, variables: { inputs: through } }) })
      ).json();
      const results = [...answer.data.trackUsageBatch];
      const conflict = { ok: false, errorCode: "CONFLICT", errorMessage: "contention", payload: null };
      results.splice(1, 0, conflict);
      results.splice(3, 0, conflict);
      return Response.json({ data: { trackUsageBatch: results } });
    };
    const client = createBillingClient({ url: api.url, apiKey: TEST_KEY, fetch: impl, retry: FAST });
    const inputs = Array.from({ length: 5 }, (_, i) => ({
      customerId: "contended-batch",
      feature: "api_calls",
      idempotencyKey: `k${i}`,
    }));
    const results = await client.usage.trackBatch(inputs);
    expect(bodies.map((b) => b.variables.inputs.map((e: any) => e.idempotencyKey))).toEqual([
      ["k0", "k1", "k2", "k3", "k4"],
      ["k1", "k3"],
    ]);
    expect(results.map((r) => r.ok && r.event.idempotencyKey)).toEqual(["k0", "k1", "k2", "k3", "k4"]);
    expect((await f.usage("contended-batch"))[0].used).toBe("5");
  });

  it("given answers dropped every time, then the client gives up after 3 retries with NETWORK_ERROR; maxRetries 0 sends once", async () => {
    await f.customerOn("down", "balance");
    const client = await through(() => true);
    const error = await rejection(
      client.usage.track({ customerId: "down", feature: "api_calls", idempotencyKey: "d-1" }),
    );
    expect([error.code, error.attempts, error.retryable, proxy!.bodies.length]).toEqual(["NETWORK_ERROR", 4, true, 4]);
    const once = await rejection(client.usage.track({ customerId: "down", feature: "api_calls" }, { maxRetries: 0 }));
    expect([once.code, once.attempts, proxy!.bodies.length]).toEqual(["NETWORK_ERROR", 1, 5]);
    // All those attempts carried one key: the customer is billed once.
    expect(await f.events("down")).toHaveLength(2);
  });

  it("given a batch whose requests cannot be delivered, then the batch stops and every event not answered carries the error and its key", async () => {
    const silent = await startSilentServer();
    try {
      const client = createBillingClient({ url: silent.url, apiKey: TEST_KEY, retry: FAST, timeoutMs: 200 });
      const inputs = Array.from({ length: 150 }, (_, i) => ({
        customerId: "x",
        feature: "api_calls",
        idempotencyKey: `s${i}`,
      }));
      const results = await client.usage.trackBatch(inputs);
      expect(results.map((r) => !r.ok && r.error.code)).toEqual(Array.from({ length: 150 }, () => "TIMEOUT"));
      expect(results[149]!.idempotencyKey).toBe("s149");
    } finally {
      await silent.close();
    }
  });
});

describe("deadline and abort", () => {
  it("given a server that never answers, then the call fails with TIMEOUT at its deadline", async () => {
    const silent = await startSilentServer();
    try {
      const client = createBillingClient({ url: silent.url, apiKey: TEST_KEY, retry: FAST });
      const started = Date.now();
      const error = await rejection(client.plans.list({}, { timeoutMs: 300 }));
      expect(error.code).toBe("TIMEOUT");
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await silent.close();
    }
  });

  it("given the caller aborts, then the call fails with ABORTED", async () => {
    const silent = await startSilentServer();
    try {
      const client = createBillingClient({ url: silent.url, apiKey: TEST_KEY });
      const controller = new AbortController();
      const pending = client.plans.list({}, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect((await rejection(pending)).code).toBe("ABORTED");
    } finally {
      await silent.close();
    }
  });
});

describe("backoff", () => {
  it("doubles from the base up to the cap, with jitter in the upper half", () => {
    const retry = { maxRetries: 3, baseDelayMs: 200, maxDelayMs: 1000 };
    for (let i = 0; i < 50; i++) {
      expect(backoff(retry, 1)).toBeGreaterThanOrEqual(100);
      expect(backoff(retry, 1)).toBeLessThanOrEqual(200);
      expect(backoff(retry, 3)).toBeGreaterThanOrEqual(400);
      expect(backoff(retry, 3)).toBeLessThanOrEqual(800);
      expect(backoff(retry, 9)).toBeGreaterThanOrEqual(500);
      expect(backoff(retry, 9)).toBeLessThanOrEqual(1000);
    }
  });

  it("reads Retry-After in seconds or as a date", () => {
    expect(retryAfter("3")).toBe(3000);
    expect(retryAfter(null)).toBeUndefined();
    expect(retryAfter("soon")).toBeUndefined();
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfter(inTwoSeconds)).toBeGreaterThan(500);
    expect(retryAfter(inTwoSeconds)).toBeLessThanOrEqual(2000);
  });
});
