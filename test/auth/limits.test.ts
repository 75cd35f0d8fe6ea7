/**
 * Request limits: each abusive request is refused quickly, with BAD_USER_INPUT and the limit it
 * broke in `extensions.limit`, nothing runs, and the server answers the next request normally.
 * Then the limits per caller: events per request across aliases, one batch per
 * request, a list-aware cost that is lower for customer tokens, and a rate per caller (HTTP 429).
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_LIMITS } from "../../schema/plugins/limits";
import { fixtures } from "../support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;

beforeAll(async () => {
  ({ api } = await scenario({
    features: { api_calls: "METERED" },
    plans: { metered: PLANS.metered },
    customers: { acme: "metered" },
  }));
});
afterAll(() => api?.close());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}`, ...headers },
    body,
  });

/** Sends an abusive request; expects its refusal (before execution: no data) and a working server after. */
async function refused(send: () => Promise<Response>, limit: string, status = 200) {
  const response = await send();
  const body = (await response.json()) as {
    data?: unknown;
    errors: { message: string; extensions: { code: string; limit?: string } }[];
  };
  expect(response.status).toBe(status);
  expect(body.data ?? undefined).toBeUndefined();
  expect(body.errors.map((e) => e.extensions.code)).toEqual(["BAD_USER_INPUT"]);
  expect(body.errors[0]!.extensions.limit).toBe(limit);
  expect((await api.ok(`{ now customer(id: "acme") { id } }`)).customer.id).toBe("acme");
  return body.errors[0]!.message;
}

const query = (text: string) => post(JSON.stringify({ query: text }));

describe("GraphQL limits", () => {
  it("a query nested 50 deep is refused by the depth limit", async () => {
    const deep = `{ ${'customer(id: "acme") { '.repeat(50)}id${" }".repeat(50)} }`;
    expect(await refused(() => query(deep), "depth")).toMatch(/depth limit of 10 exceeded/);
  });

  it("1,000 aliases are refused by the alias limit", async () => {
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: now`).join(" ")} }`;
    expect(await refused(() => query(aliases), "aliases")).toMatch(/Aliases limit of 30 exceeded/);
  });

  it("a cost bomb within the depth, alias and token limits is refused by the cost limit", async () => {
    const everything = `customer(id: "acme") { id name email metadata
      subscription { status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd plan { code name model basePrice currency features { feature { code name kind unit } included overagePrice limit } } }
      wallet { credits planCredits purchasedCredits balance allowance topUps spent overage }
      usage { feature { code name kind unit } used included overage cost credits }
      entitlements { feature allowed reason model used included remaining credits balance }
      events(first: 100) { edges { cursor node { idempotencyKey customerId feature value cost credits timestamp periodStart } } pageInfo { hasNextPage endCursor } }
      invoices { id number status total lines { kind description quantity unitPrice amount } } }`;
    const bomb = `{ ${Array.from({ length: 20 }, (_, i) => `c${i}: ${everything}`).join(" ")} }`;
    expect(await refused(() => query(bomb), "cost")).toMatch(/Cost limit of 15000 exceeded, found \d+/);
    // One full view of a customer is well within it.
    expect((await api.ok(`{ ${everything} }`)).customer.id).toBe("acme");
  });

  it("a document of more than 5,000 tokens is refused while parsing", async () => {
    const long = `{ now ${"__typename ".repeat(DEFAULT_LIMITS.maxTokens)} }`;
    expect(await refused(() => query(long), "tokens")).toMatch(/Token limit of 5000 exceeded/);
  });

  it("a body over 1 MB is refused with HTTP 413, by its Content-Length and when sent chunked", async () => {
    const big = JSON.stringify({ query: "{ now }", variables: { pad: "x".repeat(2 * 1024 * 1024) } });
    await refused(() => post(big), "bodySize", 413);
    // Chunked (no Content-Length), on a connection of its own: the server answers before the
    // body ends and closes that socket, which must not be one a later test's fetch reuses.
    const chunked = () =>
      new Promise<Response>((resolve, reject) => {
        const request = httpRequest(
          api.url,
          {
            method: "POST",
            agent: false,
            headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => resolve(new Response(text, { status: res.statusCode })));
          },
        );
        request.on("error", reject);
        for (let i = 0; i < big.length; i += 64 * 1024) request.write(big.slice(i, i + 64 * 1024));
        request.end();
      });
    await refused(chunked, "bodySize", 413);
  });

  it("batching several operations in one request is off", async () => {
    const response = await post(JSON.stringify([{ query: "{ now }" }, { query: "{ now }" }]));
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe("BAD_USER_INPUT");
  });

  it("an oversized string argument is refused before any resolver runs", async () => {
    const response = await api.gql(`mutation($n: String!) { createApiKey(name: $n, scope: INGEST) { secret } }`, {
      n: "x".repeat(5000),
    });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect((await api.ok(`{ apiKeys { id } }`)).apiKeys).toEqual([]);
  });
});

const TRACK_FIELDS = "replayed";
const trackAlias = (i: number) =>
  `t${i}: trackUsage(input: { customerId: "acme", feature: "api_calls", idempotencyKey: "alias-${i}" }) { ${TRACK_FIELDS} }`;
const batchOf = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ customerId: "acme", feature: "api_calls", idempotencyKey: `${prefix}-${i}` }));
const eventCount = async () =>
  (await api.ok(`{ customer(id: "acme") { events(first: 100) { edges { cursor } } } }`)).customer.events.edges.length;

describe("usage events per request", () => {
  it("30 aliased batches of 100 (3,000 events) are refused: one trackUsageBatch per request", async () => {
    const before = await eventCount();
    const aliases = Array.from({ length: 30 }, (_, i) => `b${i}: trackUsageBatch(inputs: $is) { ok }`).join(" ");
    const send = () =>
      post(
        JSON.stringify({
          query: `mutation($is: [TrackUsageInput!]!) { ${aliases} }`,
          variables: { is: batchOf(100, "amp") },
        }),
      );
    expect(await refused(send, "batches")).toBe("at most one trackUsageBatch per request");
    expect(await eventCount()).toBe(before);
  });

  it("a batch of 100 plus one aliased trackUsage is refused: at most 100 events across all fields", async () => {
    const send = () =>
      post(
        JSON.stringify({
          query: `mutation($is: [TrackUsageInput!]!) { b: trackUsageBatch(inputs: $is) { ok } ${trackAlias(0)} }`,
          variables: { is: batchOf(100, "over") },
        }),
      );
    expect(await refused(send, "events")).toBe("at most 100 usage events per request across all fields, found 101");
  });

  it("30 aliased trackUsage fields (30 events) and one batch of 100 are each fine", async () => {
    const aliases = Array.from({ length: 30 }, (_, i) => trackAlias(i)).join(" ");
    const tracked = await api.ok(`mutation { ${aliases} }`);
    expect(Object.keys(tracked)).toHaveLength(30);
    const batch = await api.ok(`mutation($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok } }`, {
      is: batchOf(100, "fine"),
    });
    expect(batch.trackUsageBatch.filter((r: { ok: boolean }) => r.ok)).toHaveLength(100);
  });
});

describe("list-aware cost, per caller", () => {
  let token: string;
  beforeAll(async () => {
    token = (await api.ok(`mutation { createCustomerToken(customerId: "acme") { token } }`)).createCustomerToken.token;
  });
  const asCustomer = (text: string, variables?: Record<string, unknown>) =>
    post(JSON.stringify({ query: text, variables }), { authorization: `Bearer ${token}` });
  const EVENT = "idempotencyKey customerId feature value cost credits timestamp periodStart";

  it("six aliases of events(first: 100) under a customer token are refused by cost: first counts", async () => {
    const six = Array.from(
      { length: 6 },
      (_, i) => `c${i}: customer(id: "acme") { events(first: 100) { edges { cursor node { ${EVENT} } } } }`,
    ).join(" ");
    expect(await refused(() => asCustomer(`{ ${six} }`), "cost")).toMatch(/Cost limit of 6000 exceeded, found 15012/);
    // The same with first as a variable costs the same.
    const viaVariable = Array.from(
      { length: 6 },
      (_, i) => `c${i}: customer(id: "acme") { events(first: $n) { edges { cursor } } }`,
    ).join(" ");
    expect(await refused(() => asCustomer(`query($n: Int) { ${viaVariable} }`, { n: 100 }), "cost")).toMatch(
      /found 9012/,
    );
  });

  it("a customer's complete view with 100 events and 100 invoices fits a customer token's limit", async () => {
    const view = `{ customer(id: "acme") { id name
      subscription { status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd plan { code name model basePrice currency features { feature { code name kind unit } included overagePrice limit } } }
      wallet { credits planCredits purchasedCredits balance allowance topUps spent overage }
      usage { feature { code name kind unit } used included overage cost credits }
      entitlements { feature allowed reason model used included remaining credits balance }
      events(first: 100) { edges { cursor node { ${EVENT} } } pageInfo { hasNextPage endCursor } }
      invoices(first: 100) { id number status currency periodStart periodEnd subtotal total createdAt lines { kind description feature quantity unitPrice amount } } } }`;
    const response = await asCustomer(view);
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.customer.id).toBe("acme");
  });

  it("a customer token may use 10 aliases, an API key 30", async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: now`).join(" ")} }`;
    expect(await refused(() => asCustomer(aliases(11)), "aliases")).toBe("Aliases limit of 10 exceeded, found 11.");
    expect((await (await asCustomer(aliases(10))).json()) as any).toHaveProperty("data.a9");
    expect(Object.keys(await api.ok(aliases(30)))).toHaveLength(30);
  });
});

describe("the rate per caller", () => {
  it("answers HTTP 429 RATE_LIMITED with Retry-After once a caller's bucket is empty; other callers go on", async () => {
    const limited = await startTestApi({
      yoga: { limits: { customerRate: { perSecond: 0.1, burst: 3 }, apiKeyRate: { perSecond: 0.1, burst: 5 } } },
    });
    // The buckets read performance.now(): frozen, so a slow machine refills nothing between requests.
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const f = fixtures(limited);
      await f.customer("a");
      await f.customer("b");
      const mint = async (c: string) =>
        (await limited.ok(`mutation($c: ID!) { createCustomerToken(customerId: $c) { token } }`, { c }))
          .createCustomerToken.token;
      const [a, b] = [await mint("a"), await mint("b")];
      const ask = (key: string) =>
        fetch(limited.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: "{ now }" }),
        });
      for (let i = 0; i < 3; i++) expect((await ask(a)).status).toBe(200);
      const refusedResponse = await ask(a);
      expect(refusedResponse.status).toBe(429);
      expect(refusedResponse.headers.get("retry-after")).toBe("10");
      expect(await refusedResponse.json()).toEqual({
        errors: [
          {
            message: "too many requests from these credentials: retry after 10 s",
            extensions: { code: "RATE_LIMITED", retryAfter: 10 },
          },
        ],
      });
      // Another customer is not slowed, nor the API key that made both customers and tokens (4 requests
      // so far, of its burst of 5), until its own bucket is empty.
      expect((await ask(b)).status).toBe(200);
      expect((await ask(TEST_KEY)).status).toBe(200);
      expect((await ask(TEST_KEY)).status).toBe(429);
    } finally {
      vi.useRealTimers();
      await limited.close();
    }
  });
});

describe("nesting", () => {
  const DEEP_TRACK = "mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }";
  it.each([5_000, 100_000])(
    "properties %i levels deep in variables are BAD_USER_INPUT, measured before anything recurses",
    async (levels) => {
      const deep = `${"[".repeat(levels)}${"]".repeat(levels)}`;
      const body = `{"query":${JSON.stringify(DEEP_TRACK)},"variables":{"i":{"customerId":"acme","feature":"api_calls","idempotencyKey":"deep-${levels}","properties":${deep}}}}`;
      const response = await post(body);
      const result = (await response.json()) as any;
      expect(result.errors.map((e: any) => e.extensions.code)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors[0].message).toMatch(/JSON values must be at most 32 levels deep/);
      expect((await api.ok(`{ now }`)).now).toBeDefined();
    },
  );

  it("a literal nested thousands of levels deep is refused by the depth limit, not a stack overflow", async () => {
    const deep = `${"[".repeat(2_400)}${"]".repeat(2_400)}`;
    const text = `mutation { trackUsage(input: { customerId: "acme", feature: "api_calls", idempotencyKey: "lit", properties: ${deep} }) { replayed } }`;
    expect(await refused(() => query(text), "depth")).toBe("The document is nested too deeply.");
  });

  it("a literal 40 levels deep (within the token limit) is refused by the JSON scalar's bound", async () => {
    const deep = `${"[".repeat(40)}${"]".repeat(40)}`;
    const response = await api.gql(
      `mutation { trackUsage(input: { customerId: "acme", feature: "api_calls", idempotencyKey: "lit40", properties: ${deep} }) { replayed } }`,
    );
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });
});
