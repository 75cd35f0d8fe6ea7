/**
 * API keys and customer tokens end to end: a created key works, its secret is never returned or
 * stored again, revocation applies to the very next request; tampered customer tokens are
 * UNAUTHENTICATED; CORS answers only configured origins; production mode hides the schema; the
 * audit log names callers and never a secret.
 */
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../core/auth/api-keys";
import { realClock } from "../../core/clock";
import { createBillingYoga } from "../../schema/yoga";
import { scanTable } from "../support/db";
import { expectError, type Fixtures } from "../support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../support/server";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { api_calls: "METERED" },
    plans: { metered: PLANS.metered },
    customers: { "cust-a": "metered", "cust-b": "metered" },
  }));
});
afterAll(() => api?.close());

const CREATE_KEY = `mutation($n: String!, $s: ApiKeyScope!) { createApiKey(name: $n, scope: $s) { secret key { id name scope prefix createdAt revokedAt } } }`;
const TOKEN = `mutation($c: ID!, $t: Int) { createCustomerToken(customerId: $c, ttlSeconds: $t) { token expiresAt } }`;
const SELF = `query($c: ID!) { customer(id: $c) { id wallet { balance } } }`;
const allItems = async () => JSON.stringify(await scanTable(api.deps.db));

describe("API key lifecycle", () => {
  it("a created key works at once, shows its secret only at creation, and stores only a hash", async () => {
    const { createApiKey: created } = await api.ok(CREATE_KEY, { n: "backend", s: "ADMIN" });
    expect(created.secret).toMatch(/^bk_test_[A-Za-z0-9_-]{49}$/); // test clock: bk_test_, 43 random + 6 checksum
    expect(created.key).toMatchObject({
      name: "backend",
      scope: "ADMIN",
      prefix: created.secret.slice(0, 12),
      createdAt: "2026-01-01T00:00:00.000Z",
      revokedAt: null,
    });

    const works = await api.gql(`{ apiKeys { id name scope prefix createdAt revokedAt } }`, undefined, {
      key: created.secret,
    });
    expect(works.errors).toBeUndefined();
    expect(works.data.apiKeys).toContainEqual(created.key);
    expect(JSON.stringify(works.data)).not.toContain(created.secret.slice(12));
    expect(await allItems()).not.toContain(created.secret.slice(12));
  });

  it("revocation takes effect on the very next request, and revoking again changes nothing", async () => {
    const { createApiKey: created } = await api.ok(CREATE_KEY, { n: "to-revoke", s: "INGEST" });
    const track = `mutation($k: ID!) { trackUsage(input: { customerId: "cust-a", feature: "api_calls", idempotencyKey: $k }) { replayed } }`;
    expect((await api.gql(track, { k: "before-revoke" }, { key: created.secret })).errors).toBeUndefined();

    const revoked = (
      await api.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: created.key.id })
    ).revokeApiKey;
    expect(revoked).toEqual({ id: created.key.id, revokedAt: "2026-01-01T00:00:00.000Z" });

    const after = await api.gql(track, { k: "after-revoke" }, { key: created.secret });
    expect(after.status).toBe(401);
    expectError(after, "UNAUTHENTICATED");
    expect((await f.events("cust-a")).map((e: { idempotencyKey: string }) => e.idempotencyKey)).not.toContain(
      "after-revoke",
    );

    const again = (await api.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.key.id }))
      .revokeApiKey;
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expectError(await api.gql(`mutation { revokeApiKey(id: "key_unknown") { id } }`), "NOT_FOUND");
  });

  it("an INGEST key meters but cannot administer, and cannot mint keys or tokens", async () => {
    const { secret } = (await api.ok(CREATE_KEY, { n: "ingest", s: "INGEST" })).createApiKey;
    const tracked = await api.gql(
      `mutation { trackUsage(input: { customerId: "cust-a", feature: "api_calls", idempotencyKey: "ingest-1" }) { replayed } }`,
      undefined,
      { key: secret },
    );
    expect(tracked.errors).toBeUndefined();
    for (const query of [
      `mutation { subscribe(customerId: "cust-a", planCode: "metered") { status } }`,
      `mutation { createApiKey(name: "escalate", scope: ADMIN) { secret } }`,
      `mutation { createCustomerToken(customerId: "cust-a") { token } }`,
      `{ customer(id: "cust-a") { id } }`,
    ])
      expectError(await api.gql(query, undefined, { key: secret }), "FORBIDDEN");
  });

  it("a key created under the real clock is a bk_live_ key", async () => {
    const { secret, key } = await createApiKey({ ...api.deps, clock: realClock }, { name: "live", scope: "INGEST" });
    expect(secret).toMatch(/^bk_live_/);
    expect(key.prefix).toBe(secret.slice(0, 12));
  });

  it("names are bounded and the scope must be one of ADMIN, INGEST", async () => {
    expectError(await api.gql(CREATE_KEY, { n: "x".repeat(201), s: "ADMIN" }), "BAD_USER_INPUT");
    expectError(await api.gql(CREATE_KEY, { n: " ", s: "ADMIN" }), "BAD_USER_INPUT");
    expectError(await api.gql(CREATE_KEY, { n: "ok", s: "ROOT" }), "BAD_USER_INPUT");
  });
});

describe("customer tokens", () => {
  const part = (token: string, i: number) =>
    JSON.parse(Buffer.from(token.split(".")[i]!, "base64url").toString("utf8"));
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

  it("default to one hour on the deployment's clock, and refuse a TTL beyond 24 hours or an unknown customer", async () => {
    const { createCustomerToken: t } = await api.ok(TOKEN, { c: "cust-a" });
    expect(t.expiresAt).toBe("2026-01-01T01:00:00.000Z");
    expect(part(t.token, 0)).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = part(t.token, 1);
    expect(claims).toMatchObject({
      iss: api.deps.db.table,
      aud: "billing:customer",
      sub: "cust-a",
      gen: 0,
      clockExp: Date.parse("2026-01-01T01:00:00Z") / 1000,
    });
    // iat and exp are real time, an hour apart, whatever the test clock says.
    expect(claims.exp - claims.iat).toBe(3600);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
    expect((await api.ok(TOKEN, { c: "cust-a", t: 86_400 })).createCustomerToken.expiresAt).toBe(
      "2026-01-02T00:00:00.000Z",
    );
    expectError(await api.gql(TOKEN, { c: "cust-a", t: 86_401 }), "BAD_USER_INPUT");
    expectError(await api.gql(TOKEN, { c: "cust-a", t: 0 }), "BAD_USER_INPUT");
    expectError(await api.gql(TOKEN, { c: "nobody" }), "NOT_FOUND");
  });

  it("read their own customer", async () => {
    const { token } = (await api.ok(TOKEN, { c: "cust-a" })).createCustomerToken;
    const response = await api.gql(SELF, { c: "cust-a" }, { key: token });
    expect(response.errors).toBeUndefined();
    expect(response.data.customer.id).toBe("cust-a");
  });

  it("tampered with in any way are UNAUTHENTICATED: changed customer, changed expiry, wrong signature, alg none", async () => {
    const { token } = (await api.ok(TOKEN, { c: "cust-a" })).createCustomerToken;
    const [header, payload, signature] = token.split(".");
    const claims = part(token, 1);
    const otherSecret = (data: string) =>
      createHmac("sha256", "not-the-signing-secret").update(data).digest("base64url");
    const forged = {
      "changed customer": `${header}.${encode({ ...claims, sub: "cust-b" })}.${signature}`,
      "changed expiry": `${header}.${encode({ ...claims, exp: claims.exp + 86_400 * 365 })}.${signature}`,
      "wrong signature": `${header}.${payload}.${otherSecret(`${header}.${payload}`)}`,
      "signature of another token": `${header}.${payload}.${signature!.slice(0, -2)}AA`,
      "alg none, no signature": `${encode({ alg: "none", typ: "JWT" })}.${encode({ ...claims, sub: "cust-b" })}.`,
      "alg none, original signature": `${encode({ alg: "none", typ: "JWT" })}.${payload}.${signature}`,
      "HS512 header": `${encode({ alg: "HS512", typ: "JWT" })}.${payload}.${signature}`,
      truncated: `${header}.${payload}`,
    };
    for (const [what, value] of Object.entries(forged)) {
      const response = await api.gql(SELF, { c: "cust-b" }, { key: value });
      expect(response.status, what).toBe(401);
      expect(response.errors?.[0]?.extensions?.code, what).toBe("UNAUTHENTICATED");
    }
  });

  it("expire on the deployment's (test) clock", async () => {
    const { token } = (await api.ok(TOKEN, { c: "cust-b", t: 120 })).createCustomerToken;
    expect((await api.gql(SELF, { c: "cust-b" }, { key: token })).errors).toBeUndefined();
    const now = (await api.ok(`{ now }`)).now;
    await f.advanceClock(new Date(Date.parse(now) + 120_000).toISOString());
    const expired = await api.gql(SELF, { c: "cust-b" }, { key: token });
    expect(expired.status).toBe(401);
    expectError(expired, "UNAUTHENTICATED");
  });

  it("are accepted only in the Authorization header, never from the URL", async () => {
    const { token } = (await api.ok(TOKEN, { c: "cust-a" })).createCustomerToken;
    const url = `${api.url}?query=${encodeURIComponent("{ now }")}&token=${token}&access_token=${token}`;
    expect((await fetch(url, { headers: { accept: "application/json" } })).status).toBe(401);
  });
});

describe("CORS", () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });

  it("answers no origin by default", async () => {
    const response = await preflight(api.url, "https://app.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(api.url, {
      method: "POST",
      headers: {
        origin: "https://app.example.com",
        "content-type": "application/json",
        authorization: `Bearer ${TEST_KEY}`,
      },
      body: JSON.stringify({ query: "{ now }" }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows exactly the configured origins, with the Authorization header and without cookies", async () => {
    const cors = await startTestApi({
      yoga: { corsOrigins: ["https://app.example.com", "https://admin.example.com"] },
    });
    try {
      const allowed = await preflight(cors.url, "https://app.example.com");
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
      expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
      const other = await preflight(cors.url, "https://evil.example.com");
      expect(other.headers.get("access-control-allow-origin")).not.toBe("https://evil.example.com");
    } finally {
      await cors.close();
    }
  });
});

describe("production mode (real clock)", () => {
  it("has no GraphiQL, no introspection and no field suggestions", async () => {
    const server = createServer(
      createBillingYoga({
        deps: { ...api.deps, clock: realClock },
        apiKey: TEST_KEY,
        graphiql: () => "<!doctype html><title>GraphiQL</title>",
        auditLog: () => {},
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const post = (query: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` },
        body: JSON.stringify({ query }),
      }).then((r) => r.json() as Promise<any>);
    try {
      const page = await fetch(url, { headers: { accept: "text/html" } });
      expect(page.status).toBe(401); // no GraphiQL page: the GET is an operation, which needs a key
      const introspection = await post(`{ __schema { types { name } } }`);
      expect(introspection.data).toBeUndefined();
      expect(introspection.errors[0].extensions.code).toBe("BAD_USER_INPUT");
      const typo = await post(`{ plan(code: "x") { cod } }`);
      expect(typo.errors[0].message).not.toMatch(/Did you mean/);
      expect((await post(`{ now }`)).data.now).toBeDefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("in test mode, introspection and suggestions stay available for GraphiQL", async () => {
    expect((await api.gql(`{ __schema { queryType { name } } }`)).data.__schema.queryType.name).toBe("Query");
    expect((await api.gql(`{ plan(code: "x") { cod } }`)).errors![0]!.message).toMatch(/Did you mean "code"/);
  });
});

describe("the audit log", () => {
  it("writes one line per mutation with caller, operation, targets and outcome, and never a secret or token", async () => {
    api.audit.length = 0;
    const { createApiKey: created } = await api.ok(CREATE_KEY, { n: "audited", s: "INGEST" });
    const { token } = (await api.ok(TOKEN, { c: "cust-a" })).createCustomerToken;
    await api.gql(
      `mutation { trackUsage(input: { customerId: "cust-b", feature: "api_calls", idempotencyKey: "audit-1" }) { replayed } }`,
      undefined,
      { key: created.secret },
    );
    await api.gql(`mutation { createCustomer(input: { id: "by-ingest" }) { id } }`, undefined, { key: created.secret });
    await api.gql(`mutation { subscribe(customerId: "cust-a", planCode: "metered") { status } }`, undefined, {
      key: token,
    });
    await api.gql(`mutation { subscribe(customerId: "cust-a", planCode: "metered") { status } }`);
    await api.gql(`mutation($t: DateTime!) { advanceClock(to: $t) }`, { t: "not a date" });

    expect(api.audit).toEqual([
      {
        level: "info",
        msg: "audit",
        caller: "bootstrap",
        operation: "createApiKey",
        targets: [created.key.id],
        outcome: "OK",
        details: { scope: "INGEST" },
      },
      {
        level: "info",
        msg: "audit",
        caller: "bootstrap",
        operation: "createCustomerToken",
        targets: ["cust-a"],
        outcome: "OK",
        details: { ttlSeconds: 3600 },
      },
      {
        level: "info",
        msg: "audit",
        caller: created.key.id,
        operation: "trackUsage",
        targets: ["cust-b", "api_calls", "audit-1"],
        outcome: "OK",
      },
      {
        level: "info",
        msg: "audit",
        caller: created.key.id,
        operation: "createCustomer",
        targets: ["by-ingest"],
        outcome: "OK",
      },
      {
        level: "info",
        msg: "audit",
        caller: "customer:cust-a",
        operation: "subscribe",
        targets: ["cust-a", "metered"],
        outcome: "FORBIDDEN",
        // subscribe's skipTrial flag (default false) is a detail like any other flag.
        details: { skipTrial: false },
      },
      {
        level: "info",
        msg: "audit",
        caller: "bootstrap",
        operation: "subscribe",
        targets: ["cust-a", "metered"],
        outcome: "ALREADY_EXISTS",
        // subscribe's skipTrial flag (default false) is a detail like any other flag.
        details: { skipTrial: false },
      },
      {
        level: "info",
        msg: "audit",
        caller: "bootstrap",
        operation: "advanceClock",
        targets: [],
        outcome: "BAD_USER_INPUT",
      },
    ]);
    const text = JSON.stringify(api.audit);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(token.split(".")[2]);
    expect(text).not.toContain(TEST_KEY);
  });

  it("redacts anything shaped like a key or token pasted where an id goes", async () => {
    api.audit.length = 0;
    const { secret } = (await api.ok(CREATE_KEY, { n: "pasted", s: "INGEST" })).createApiKey;
    const { token } = (await api.ok(TOKEN, { c: "cust-a" })).createCustomerToken;
    const pasted = [secret, token, TEST_KEY, `Bearer ${TEST_KEY}`, "bk_live_abc"];
    for (const id of pasted) await api.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id });
    const lines = api.audit.filter((e) => e.operation === "revokeApiKey");
    expect(lines.map((e) => e.targets)).toEqual(pasted.map(() => ["[redacted]"]));
    const text = JSON.stringify(api.audit);
    for (const value of [secret.slice(8), token.split(".")[2]!, TEST_KEY]) expect(text).not.toContain(value);
  });

  it("logs the amounts and codes of money mutations, and each batch's outcomes by code", async () => {
    api.audit.length = 0;
    // Refused (a METERED customer holds no balance), and logged with its amount all the same.
    await api.gql(
      `mutation { topUpBalance(customerId: "cust-a", amount: "25.5", idempotencyKey: "audit-top") { balance } }`,
    );
    await api.gql(`mutation { changePlan(customerId: "cust-b", planCode: "metered", timing: PERIOD_END) { status } }`);
    await api.gql(`mutation($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok } }`, {
      is: [
        { customerId: "cust-a", feature: "api_calls", idempotencyKey: "ab-1" },
        { customerId: "cust-a", feature: "api_calls", idempotencyKey: "ab-2", value: "2" },
        { customerId: "cust-a", feature: "no_such_feature", idempotencyKey: "ab-3" },
        { customerId: "nobody", feature: "api_calls", idempotencyKey: "ab-4" },
      ],
    });
    const [topUp, change, batch] = api.audit;
    expect(topUp).toMatchObject({ operation: "topUpBalance", outcome: "BAD_USER_INPUT", details: { amount: "25.50" } });
    expect(change).toMatchObject({ operation: "changePlan", details: { timing: "PERIOD_END" } });
    expect(batch!.operation).toBe("trackUsageBatch");
    expect(batch!.outcome).toBe("OK");
    expect(batch!.outcomes!.OK).toBe(2);
    expect(Object.values(batch!.outcomes!).reduce((a, b) => a + b, 0)).toBe(4);
  });
});
