/**
 * Request limits: each abusive request is refused quickly, with BAD_USER_INPUT and the limit it
 * broke in `extensions.limit`, nothing runs, and the server answers the next request normally.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../schema/plugins/limits";
import { fixtures } from "../support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
  const f = fixtures(api);
  await f.feature("api_calls");
  await f.plan({
    code: "metered",
    model: "METERED",
    basePrice: "10",
    features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
  });
  await f.customerOn("acme", "metered");
});
afterAll(() => api?.close());

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}`, ...headers },
    body,
  });

/** Sends an abusive request; expects its refusal within a second and a working server after. */
async function refused(send: () => Promise<Response>, limit: string, status = 200) {
  const started = performance.now();
  const response = await send();
  const body = (await response.json()) as {
    data?: unknown;
    errors: { message: string; extensions: { code: string; limit?: string } }[];
  };
  expect(performance.now() - started).toBeLessThan(1_000);
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
    expect(await refused(() => query(bomb), "cost")).toMatch(/Cost limit of 15000 exceeded/);
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
