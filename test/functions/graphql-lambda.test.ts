/**
 * The GraphQL Lambda entry point (functions/graphql.ts) driven with real API Gateway HTTP API
 * payload v2 events, against its own table in the suite's DynamoDB Local. The module builds its
 * yoga at load, so the environment is set before it is imported.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { HttpApiEvent, HttpApiResult } from "../../functions/graphql";
import { createTestDb } from "../support/db";
import { dynamoEndpoint } from "../support/dynamo-endpoint";

const KEY = "lambda-test-key-42-0123456789abcdef";
const HOST = "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";
let handler: (event: HttpApiEvent) => Promise<HttpApiResult>;
const saved = { ...process.env };

beforeAll(async () => {
  const db = await createTestDb();
  Object.assign(process.env, {
    BILLING_TABLE: db.table,
    DYNAMODB_ENDPOINT: dynamoEndpoint(),
    BILLING_API_KEY: KEY,
    BILLING_CLOCK: "test",
  });
  delete process.env.BILLING_BUS;
  ({ handler } = await import("../../functions/graphql"));
});
afterAll(() => {
  process.env = saved;
});

/** The full shape of an API Gateway HTTP API (payload format 2.0) event; the adapter reads a part of it. */
type ApiGatewayV2Event = HttpApiEvent & {
  version: "2.0";
  routeKey: string;
  queryStringParameters?: Record<string, string>;
  requestContext: HttpApiEvent["requestContext"] & {
    accountId: string;
    apiId: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
};

/** An API Gateway HTTP API (payload format 2.0) event, as API Gateway sends it. */
function apiGatewayEvent(options: {
  method?: string;
  body?: unknown;
  base64?: boolean;
  key?: string | null;
  rawQueryString?: string;
  /** A Content-Length header other than the body's real size (a client may send anything). */
  contentLength?: string;
}): ApiGatewayV2Event {
  const method = options.method ?? "POST";
  const text = options.body === undefined ? undefined : JSON.stringify(options.body);
  const body = text === undefined ? undefined : options.base64 ? Buffer.from(text, "utf8").toString("base64") : text;
  const key = options.key === undefined ? KEY : options.key;
  return {
    version: "2.0",
    routeKey: `${method} /graphql`,
    rawPath: "/graphql",
    rawQueryString: options.rawQueryString ?? "",
    headers: {
      accept: "application/json",
      ...(text !== undefined
        ? {
            "content-type": "application/json",
            "content-length": options.contentLength ?? String(Buffer.byteLength(text)),
          }
        : {}),
      ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
      host: HOST,
      "user-agent": "billing-client/1.0",
      "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    ...(options.rawQueryString
      ? { queryStringParameters: Object.fromEntries(new URLSearchParams(options.rawQueryString)) }
      : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "a1b2c3d4e5",
      domainName: HOST,
      domainPrefix: "a1b2c3d4e5",
      http: {
        method,
        path: "/graphql",
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "billing-client/1.0",
      },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: `${method} /graphql`,
      stage: "$default",
      time: "03/Jan/2026:12:00:00 +0000",
      timeEpoch: 1767441600000,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: Boolean(options.base64),
  };
}

const post = async (
  query: string,
  variables?: Record<string, unknown>,
  options: { base64?: boolean; key?: string | null } = {},
) => {
  const result = await handler(apiGatewayEvent({ body: { query, variables }, ...options }));
  return { result, json: JSON.parse(result.body) };
};

describe("functions/graphql handler with API Gateway v2 events", () => {
  it("answers a query with 200 and a JSON body", async () => {
    const { result, json } = await post(`{ features { code } plans { code } }`);
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    const headers = Object.fromEntries(Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(json).toEqual({ data: { features: [], plans: [] } });
  });

  it("runs a mutation with a plain body, and a later query sees it", async () => {
    const { result, json } = await post(
      `mutation($i: CreateFeatureInput!) { createFeature(input: $i) { code kind } }`,
      { i: { code: "api_calls", name: "API calls", kind: "METERED" } },
    );
    expect(result.statusCode).toBe(200);
    expect(json).toEqual({ data: { createFeature: { code: "api_calls", kind: "METERED" } } });
    expect((await post(`{ features { code name } }`)).json).toEqual({
      data: { features: [{ code: "api_calls", name: "API calls" }] },
    });
  });

  it("runs mutations with a base64-encoded body, end to end through trackUsage", async () => {
    const b64 = { base64: true };
    const plan = await post(
      `mutation($i: CreatePlanInput!) { createPlan(input: $i) { code } }`,
      {
        i: {
          code: "pro",
          name: "Pro",
          model: "METERED",
          basePrice: "99",
          interval: "MONTH",
          features: [{ feature: "api_calls", included: "10000", overagePrice: "0.01" }],
        },
      },
      b64,
    );
    expect(plan.json).toEqual({ data: { createPlan: { code: "pro" } } });
    expect(
      (await post(`mutation { createCustomer(input: { id: "acme", name: "Acmé ✓" }) { id name } }`, undefined, b64))
        .json,
    ).toEqual({
      data: { createCustomer: { id: "acme", name: "Acmé ✓" } },
    });
    expect(
      (await post(`mutation { subscribe(customerId: "acme", planCode: "pro") { status } }`, undefined, b64)).json,
    ).toEqual({ data: { subscribe: { status: "ACTIVE" } } });
    const tracked = await post(
      `mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed event { value } entitlement { used remaining } } }`,
      { i: { customerId: "acme", feature: "api_calls", idempotencyKey: "lambda-1", value: "15000" } },
      b64,
    );
    expect(tracked.result.statusCode).toBe(200);
    expect(tracked.json).toEqual({
      data: {
        trackUsage: { replayed: false, event: { value: "15000" }, entitlement: { used: "15000", remaining: "0" } },
      },
    });
    const usage = await post(`{ customer(id: "acme") { usage { used overage cost } } }`);
    expect(usage.json).toEqual({ data: { customer: { usage: [{ used: "15000", overage: "5000", cost: "50.00" }] } } });
  });

  it("answers a GET query carried in the raw query string", async () => {
    const result = await handler(
      apiGatewayEvent({ method: "GET", rawQueryString: `query=${encodeURIComponent("{ features { code } }")}` }),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ data: { features: [{ code: "api_calls" }] } });
  });

  it("refuses a request without a key or with a wrong key: 401 UNAUTHENTICATED, nothing runs", async () => {
    for (const key of [null, "wrong"]) {
      const { result, json } = await post(`mutation { createCustomer(input: { id: "intruder" }) { id } }`, undefined, {
        key,
      });
      expect(result.statusCode).toBe(401);
      expect(json.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    }
    expect((await post(`{ customer(id: "intruder") { id } }`)).json).toEqual({ data: { customer: null } });
  });

  it("keeps domain error codes through the adapter", async () => {
    const { result, json } = await post(`mutation { subscribe(customerId: "acme", planCode: "pro") { status } }`);
    expect(result.statusCode).toBe(200);
    expect(json.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(["ALREADY_EXISTS"]);
  });

  it("serves no GraphiQL, on a test stage too: a browser's GET is an operation, which needs a key", async () => {
    const event = apiGatewayEvent({ method: "GET", key: null });
    event.headers = { ...event.headers, accept: "text/html,application/xhtml+xml,*/*;q=0.8" };
    const result = await handler(event);
    expect(result.statusCode).toBe(401);
    expect(result.body).not.toContain("GraphiQL");
  });

  it("passes the security headers through: no-store, Vary: Origin, no framing", async () => {
    const { result } = await post(`{ now }`);
    expect(result.headers["cache-control"]).toBe("no-store");
    expect(result.headers.vary).toBe("Origin");
    expect(result.headers["x-frame-options"]).toBe("DENY");
  });

  it("answers a customer over its rate with 429 and Retry-After, and other callers normally", async () => {
    const token = (await post(`mutation { createCustomerToken(customerId: "acme") { token } }`)).json.data
      .createCustomerToken.token;
    // The default burst is 100 requests per customer, refilled at 20/s. The buckets read
    // performance.now(): frozen here, so no refill happens however slowly the machine answers.
    vi.useFakeTimers({ toFake: ["performance"] });
    const results = await Promise.all(
      Array.from({ length: 150 }, () => post(`{ now }`, undefined, { key: token }).then((r) => r.result)),
    ).finally(() => vi.useRealTimers());
    const statuses = results.map((r) => r.statusCode);
    const limited = results.find((r) => r.statusCode === 429);
    expect(statuses.filter((s) => s === 200).length).toBe(100);
    expect(statuses.filter((s) => s === 429).length).toBe(50);
    expect(limited!.headers["retry-after"]).toBe("1");
    expect(JSON.parse(limited!.body).errors[0].extensions).toEqual({ code: "RATE_LIMITED", retryAfter: 1 });
    expect((await post(`{ now }`)).result.statusCode).toBe(200);
  });

  it("measures the body itself: a 1.2 MiB body claiming a small Content-Length is 413, nothing runs", async () => {
    const padding = "x".repeat(1_200_000);
    const query = `mutation { createCustomer(input: { id: "oversized", metadata: { pad: "${padding}" } }) { id } }`;
    for (const base64 of [false, true]) {
      const result = await handler(apiGatewayEvent({ body: { query }, base64, contentLength: "120" }));
      expect(result.statusCode).toBe(413);
      expect(JSON.parse(result.body).errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "bodySize" });
    }
    expect((await post(`{ customer(id: "oversized") { id } }`)).json).toEqual({ data: { customer: null } });
    // A body within the limit is served whatever Content-Length claimed.
    const small = await handler(
      apiGatewayEvent({ body: { query: "{ features { code } }" }, contentLength: "9999999" }),
    );
    expect(small.statusCode).toBe(200);
  });
});
