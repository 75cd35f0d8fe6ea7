/**
 * How credentials are checked: nothing that cannot be ours costs a database
 * read; API keys carry a checksum and work only against a deployment of their own clock mode;
 * customer tokens are bound to the deployment, live at most 24 hours of real time whatever the
 * test clock says, and can all be revoked for one customer; a non-Bearer scheme is told what to send.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, hashSecret } from "../../core/auth/api-keys";
import { deriveSigningSecret } from "../../core/auth/customer-tokens";
import { realClock } from "../../core/clock";
import { insertApiKey } from "../../core/db/api-keys";
import type { Db } from "../../core/db/client";
import { createBillingYoga } from "../../schema/yoga";
import { expectError } from "../support/fixtures";
import { TEST_KEY, type TestApi } from "../support/server";
import { PLANS, scenario } from "../support/scenario";

let api: TestApi;

beforeAll(async () => {
  ({ api } = await scenario({
    features: { api_calls: "METERED" },
    plans: { metered: PLANS.metered },
    customers: { "cust-a": "metered", "cust-b": "metered" },
  }));
});
afterAll(() => api?.close());

const TOKEN = `mutation($c: ID!, $t: Int) { createCustomerToken(customerId: $c, ttlSeconds: $t) { token expiresAt } }`;
const SELF = `query($c: ID!) { customer(id: $c) { id } }`;
const token = async (customerId: string, ttl?: number): Promise<string> =>
  (await api.ok(TOKEN, { c: customerId, t: ttl })).createCustomerToken.token;

/** Counts the requests `db` sends to DynamoDB while `run` runs. */
async function readsDuring(db: Db, run: () => Promise<unknown>): Promise<number> {
  // Client middleware: it counts every call, whichever transport sends it (core/db/client.ts).
  let sent = 0;
  db.raw.middlewareStack.add(
    (next) => (args) => {
      sent++;
      return next(args);
    },
    { step: "initialize", name: "readsDuring", override: true },
  );
  try {
    await run();
  } finally {
    db.raw.middlewareStack.remove("readsDuring");
  }
  return sent;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const HEADER = encode({ alg: "HS256", typ: "JWT" });
/** A token signed with the test server's real signing secret, with any claims. */
function signed(claims: Record<string, unknown>, secret = deriveSigningSecret(TEST_KEY)): string {
  const unsigned = `${HEADER}.${encode(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}
const nowSeconds = () => Math.floor(Date.now() / 1000);
const clockSeconds = (iso: string) => Date.parse(iso) / 1000;

describe("nothing that cannot be ours is read from the database", () => {
  it("garbage tokens, keys of the wrong mode or checksum, and other schemes cost no read", async () => {
    const real = await token("cust-a");
    const [header, payload] = real.split(".");
    const garbage = {
      "token with a wrong signature": `${header}.${payload}.${"A".repeat(43)}`,
      "token-shaped garbage": "abc.def.ghi",
      "bk_live_ key against a test-clock deployment": `bk_live_${randomBytes(32).toString("base64url")}abcdef`,
      "bk_test_ key with a wrong checksum": `bk_test_${randomBytes(32).toString("base64url")}abcdef`,
      "Basic credentials": "Basic dXNlcjpwYXNz",
    };
    for (const [what, value] of Object.entries(garbage)) {
      let status = 0;
      const reads = await readsDuring(api.deps.db, async () => {
        const response = await fetch(api.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: value.startsWith("Basic") ? value : `Bearer ${value}`,
          },
          body: JSON.stringify({ query: "{ now }" }),
        });
        status = response.status;
        await response.text();
      });
      expect(status, what).toBe(401);
      expect(reads, what).toBe(0);
    }
  });

  it("a key in the old format (no checksum) still works, and still costs its one read", async () => {
    const secret = `bk_test_${randomBytes(32).toString("base64url")}`;
    await insertApiKey(api.deps.db, {
      id: "key_legacy",
      name: "legacy",
      scope: "INGEST",
      prefix: secret.slice(0, 12),
      createdAt: "2025-06-01T00:00:00.000Z",
      hash: hashSecret(secret),
    });
    const response = await api.gql(
      `{ entitlement(customerId: "cust-a", feature: "api_calls") { allowed } }`,
      undefined,
      {
        key: secret,
      },
    );
    expect(response.errors).toBeUndefined();
  });
});

describe("API keys", () => {
  it("carry a checksum: a key with one character changed is refused", async () => {
    const { secret } = (await api.ok(`mutation { createApiKey(name: "c", scope: INGEST) { secret } }`)).createApiKey;
    const changed = `${secret.slice(0, 20)}${secret[20] === "A" ? "B" : "A"}${secret.slice(21)}`;
    expect((await api.gql(`{ now }`, undefined, { key: secret })).status).toBe(200);
    const refused = await api.gql(`{ now }`, undefined, { key: changed });
    expect(refused.status).toBe(401);
    expectError(refused, "UNAUTHENTICATED");
  });

  it("work only against a deployment of their clock mode: bk_test_ never live, bk_live_ never in test mode", async () => {
    const live = await createApiKey({ ...api.deps, clock: realClock }, { name: "live", scope: "ADMIN" });
    const test = await createApiKey(api.deps, { name: "test", scope: "ADMIN" });
    const inTestMode = await api.gql(`{ now }`, undefined, { key: live.secret });
    expect(inTestMode.status).toBe(401);
    expect(inTestMode.errors![0]!.message).toBe("a bk_live_ key does not work against a test-clock deployment");

    const server = createServer(
      createBillingYoga({ deps: { ...api.deps, clock: realClock }, apiKey: TEST_KEY, auditLog: () => {} }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const send = (key: string) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: "{ now }" }),
        });
      const refused = await send(test.secret);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).errors[0].message).toBe(
        "a bk_test_ key does not work against a real-clock (live) deployment",
      );
      expect((await send(live.secret)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a Basic (or any non-Bearer) Authorization header is told that a Bearer credential is expected", async () => {
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: JSON.stringify({ query: "{ now }" }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    expect(((await response.json()) as any).errors).toEqual([
      {
        message:
          "the Authorization header must use the Bearer scheme: Authorization: Bearer <API key or customer token>",
        extensions: { code: "UNAUTHENTICATED" },
      },
    ]);
  });
});

describe("customer tokens", () => {
  const T0 = "2026-01-01T00:00:00.000Z";
  const valid = () => ({
    iss: api.deps.db.table,
    aud: "billing:customer",
    sub: "cust-a",
    iat: nowSeconds() - 10,
    exp: nowSeconds() + 3600,
    gen: 0,
    clockExp: clockSeconds(T0) + 86_400 * 365,
  });
  const status = async (bearer: string) => (await api.gql(SELF, { c: "cust-a" }, { key: bearer })).status;

  it("a correctly signed token with valid claims works (the baseline of the cases below)", async () => {
    expect(await status(signed(valid()))).toBe(200);
  });

  it("expire in real time even while the test clock stands still", async () => {
    // A 1-second token minted through the API: its real-time window is one second.
    const minted = JSON.parse(Buffer.from((await token("cust-a", 1)).split(".")[1]!, "base64url").toString());
    expect(minted.exp - minted.iat).toBe(1);
    // The same claims once that second has passed in real time: refused, though the test clock says otherwise.
    expect(await status(signed({ ...valid(), iat: nowSeconds() - 5, exp: nowSeconds() - 4 }))).toBe(401);
  });

  it("claiming more than 24 hours between iat and exp are refused, whatever the signature", async () => {
    expect(await status(signed({ ...valid(), iat: nowSeconds() - 10, exp: nowSeconds() + 86_400 }))).toBe(401);
  });

  it("are bound to the deployment: another issuer, audience or signing secret is refused", async () => {
    expect(await status(signed({ ...valid(), iss: "another-deployment" }))).toBe(401);
    expect(await status(signed({ ...valid(), aud: "billing:admin" }))).toBe(401);
    expect(await status(signed(valid(), deriveSigningSecret("another-key")))).toBe(401);
  });

  it("of a real-clock deployment (no test-clock expiry) are refused in test mode", async () => {
    const { clockExp: _, ...live } = valid();
    expect(await status(signed(live))).toBe(401);
  });

  it("revokeCustomerTokens ends every earlier token of that customer at once; new tokens and other customers' work", async () => {
    const before = await token("cust-a");
    const other = await token("cust-b");
    expect(await status(before)).toBe(200);

    const revoked = await api.ok(`mutation { revokeCustomerTokens(customerId: "cust-a") }`);
    expect(revoked.revokeCustomerTokens).toBe((await api.ok(`{ now }`)).now);

    const refused = await api.gql(SELF, { c: "cust-a" }, { key: before });
    expect(refused.status).toBe(401);
    expectError(refused, "UNAUTHENTICATED");
    expect(await status(signed(valid()))).toBe(401); // generation 0 is over for cust-a
    // Minted right after, at the same test-clock instant: works.
    expect(await status(await token("cust-a"))).toBe(200);
    expect((await api.gql(SELF, { c: "cust-b" }, { key: other })).status).toBe(200);
    expectError(await api.gql(`mutation { revokeCustomerTokens(customerId: "nobody") }`), "NOT_FOUND");
  });
});
