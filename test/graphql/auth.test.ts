/**
 * Auth at the edge: every GraphQL request needs `Authorization: Bearer <key>`. Without it, or with
 * a wrong key, the answer is HTTP 401 with UNAUTHENTICATED, and the operation never runs.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBillingYoga } from "../../schema/yoga";
import { TEST_KEY, type TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED" },
    plans: {
      metered: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
      },
    },
    customers: { acme: "metered" },
  }));
});
afterAll(() => api?.close());

const raw = (headers: Record<string, string>, query: string, variables?: unknown) =>
  fetch(api.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });

describe("without a valid key", () => {
  it.each([
    ["no Authorization header", null],
    ["a wrong key", "wrong-key"],
    ["the right key with a character missing", TEST_KEY.slice(0, -1)],
    ["the right key with a suffix", `${TEST_KEY}x`],
  ])("with %s, a mutation is refused with 401 UNAUTHENTICATED and does not run", async (_, key) => {
    const response = await api.gql(`mutation { createCustomer(input: { id: "intruder" }) { id } }`, undefined, { key });
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await api.ok(`{ customer(id: "intruder") { id } }`)).customer).toBeNull();
  });

  it("a trackUsage without a key is refused and moves no counter", async () => {
    const response = await api.gql(
      `mutation { trackUsage(input: { customerId: "acme", feature: "api_calls", idempotencyKey: "anon", value: "5" }) { replayed } }`,
      undefined,
      { key: null },
    );
    expect(response.status).toBe(401);
    expect(response.errors![0]!.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await f.usage("acme")).toEqual([
      { feature: { code: "api_calls" }, used: "0", included: "100", overage: "0", cost: "0.00", credits: null },
    ]);
    expect(await f.events("acme")).toEqual([]);
  });

  it("a query is refused too, and the answer says how to authenticate", async () => {
    const response = await raw({ authorization: "Bearer nope" }, `{ features { code } }`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(await response.json()).toEqual({
      errors: [{ message: "the API key is not valid", extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  it("a key sent in another scheme (Basic) or without a scheme is refused", async () => {
    for (const authorization of [`Basic ${TEST_KEY}`, TEST_KEY, "Bearer ", "Bearer"]) {
      const response = await raw({ authorization }, `{ features { code } }`);
      expect(response.status, authorization).toBe(401);
      expect(((await response.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
  });

  it("a GET request with the query in the URL is refused without a key", async () => {
    const response = await fetch(`${api.url}?query=${encodeURIComponent("{ features { code } }")}`, {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

describe("with the key", () => {
  it("the same mutation runs, and the scheme is case-insensitive", async () => {
    const response = await raw(
      { authorization: `bearer ${TEST_KEY}` },
      `mutation { createCustomer(input: { id: "welcome" }) { id } }`,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { createCustomer: { id: "welcome" } } });
  });
});

describe("GET with a browser's Accept header", () => {
  it("with GraphiQL off (production), does not run a query without a key", async () => {
    const created = await api.ok(
      `mutation { createFeature(input: { code: "secret_feature", name: "Secret", kind: BOOLEAN }) { code } }`,
    );
    expect(created.createFeature.code).toBe("secret_feature");
    for (const accept of [
      "text/html",
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      "text/html, application/json",
    ]) {
      const response = await fetch(`${api.url}?query=${encodeURIComponent("{ features { code } }")}`, {
        headers: { accept },
      });
      const text = await response.text();
      expect(text, accept).not.toContain("secret_feature");
      expect(response.status, accept).toBe(401);
    }
  });

  it("with GraphiQL on (test mode), serves the page without a key but runs nothing", async () => {
    const server = createServer(
      createBillingYoga({ deps: api.deps, apiKey: TEST_KEY, graphiql: () => "<!doctype html><title>GraphiQL</title>" }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const page = await fetch(`${url}?query=${encodeURIComponent("{ features { code } }")}`, {
        headers: { accept: "text/html,*/*;q=0.8" },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(await page.text()).not.toContain("secret_feature");
      const post = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ features { code } }" }),
      });
      expect(post.status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
