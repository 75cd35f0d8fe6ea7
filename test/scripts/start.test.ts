/**
 * `npm start` as a whole, through startLocal: its own DynamoDB Local (a second one besides the
 * suite's), the seed, the API over real HTTP, the printed curl, a clean stop with no Java process
 * left, and a restart on the same data directory that keeps the data and the key.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocal, type LocalServer } from "../../scripts/start";
import { optionsFromEnv } from "../../scripts/start/options";
import { allowedHostsFor } from "../../scripts/start/serve";
import { startReceiver, verified } from "../support/receiver";

const KEY = "start-test-key-0123456789abcdef0123";
const SECRET = "start-test-signing-secret-0123456789abcdef";
const running: LocalServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startLocal>[0]): Promise<LocalServer & { lines: string[] }> {
  const lines: string[] = [];
  const server = await startLocal({ port: 0, sweepIntervalMs: 60_000, log: (line) => lines.push(line), ...options });
  running.push(server);
  return { ...server, lines };
}

async function gql(server: LocalServer, query: string, key = server.apiKey) {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** The pieces of the printed curl: URL, -H headers and the -d body (single-quoted). */
function parseCurl(curl: string) {
  const url = /^curl -s (\S+)/.exec(curl)?.[1];
  const headers = Object.fromEntries(
    [...curl.matchAll(/-H '([^:']+): ([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!] as const),
  );
  const body = /-d '([^']*)'$/.exec(curl)?.[1];
  if (!url || !body) throw new Error(`unexpected curl: ${curl}`);
  return { url, headers, body };
}

// Each start runs a Java process and loads the catalog; three starts under a busy parallel suite take time.
const SLOW = { timeout: 180_000 };

describe("npm start (startLocal)", () => {
  it("serves the seeded demo over HTTP, answers the printed curl exactly, and stops DynamoDB Local", SLOW, async () => {
    const server = await start({ apiKey: KEY });
    expect(server.apiKey).toBe(KEY);
    expect(server.apiKeySource).toBe("given");
    expect(server.seeded).toBe(true);
    expect(server.url).toMatch(/^http:\/\/localhost:\d+\/graphql$/);
    expect(server.lines.some((line) => /^catalog: \d+ models from \d+ providers/.test(line))).toBe(true);

    const { status, body } = await gql(
      server,
      `{
        features { code kind unit }
        plans {
          code model basePrice interval includedCredits
          features { feature { code } included overagePrice creditsPerUnit pricing unitPrice marginBps }
        }
        creditPacks { code credits price currency }
        customer(id: "demo") { id subscription { status plan { code } } wallet { allowance balance } }
        aiModel(id: "anthropic/claude-sonnet-4-6") { id }
      }`,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const data = body.data;
    expect(data.features).toEqual([
      { code: "ai_chat", kind: "METERED", unit: "tokens" },
      { code: "api_calls", kind: "METERED", unit: "calls" },
      { code: "image_generation", kind: "METERED", unit: "images" },
      { code: "sso", kind: "BOOLEAN", unit: null },
    ]);
    const feature = (code: string, fields: Record<string, unknown> = {}) => ({
      feature: { code },
      included: null,
      overagePrice: null,
      creditsPerUnit: null,
      pricing: null,
      unitPrice: null,
      marginBps: null,
      ...fields,
    });
    const plans = Object.fromEntries((data.plans as { code: string }[]).map((plan) => [plan.code, plan]));
    expect(Object.keys(plans).sort()).toEqual(["creator-credits", "starter-metered", "usage-balance"]);
    expect(plans["starter-metered"]).toEqual({
      code: "starter-metered",
      model: "METERED",
      basePrice: "99.00",
      interval: "MONTH",
      includedCredits: null,
      features: [feature("api_calls", { included: "10000", overagePrice: "0.01" }), feature("sso")],
    });
    expect(plans["creator-credits"]).toEqual({
      code: "creator-credits",
      model: "CREDITS",
      basePrice: "49.00",
      interval: "MONTH",
      includedCredits: "1000",
      features: [feature("image_generation", { creditsPerUnit: "10" })],
    });
    expect(plans["usage-balance"]).toEqual({
      code: "usage-balance",
      model: "BALANCE",
      basePrice: "100.00",
      interval: "MONTH",
      includedCredits: null,
      features: [
        feature("api_calls", { pricing: "FIXED", unitPrice: "0.0043" }),
        feature("ai_chat", { pricing: "AI_MODEL", marginBps: 4000 }),
      ],
    });
    expect(data.creditPacks).toEqual([{ code: "pack-500", credits: "500", price: "20.00", currency: "USD" }]);
    expect(data.customer).toEqual({
      id: "demo",
      subscription: { status: "ACTIVE", plan: { code: "usage-balance" } },
      wallet: { allowance: "100.00", balance: "100.00" },
    });
    expect(data.aiModel).toEqual({ id: "anthropic/claude-sonnet-4-6" });

    // The printed curl, sent as printed: a first answer, then its replay.
    const curl = parseCurl(server.curl);
    expect(curl.url).toBe(server.url);
    expect(curl.headers.authorization).toBe(`Bearer ${KEY}`);
    const send = async () => {
      const response = await fetch(curl.url, { method: "POST", headers: curl.headers, body: curl.body });
      return { status: response.status, body: await response.json() };
    };
    const expected = (replayed: boolean) => ({
      status: 200,
      body: {
        data: {
          trackUsage: {
            replayed,
            event: { feature: "api_calls", value: "1", cost: "0.0043" },
            entitlement: { allowed: true, balance: "99.9957" },
          },
        },
      },
    });
    expect(await send()).toEqual(expected(false));
    expect(await send()).toEqual(expected(true));

    // The key is required; GraphiQL is served from this server alone, without the key (it is pasted).
    const wrong = await gql(server, "{ now }", "not-the-key");
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const page = await fetch(server.url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html.includes(KEY), "the page must not hold the key").toBe(false);
    expect(html.includes("unpkg.com"), "the page must not load from a CDN").toBe(false);

    expect(await answers(server.dynamoEndpoint)).toBe(true);
    await server.stop();
    await server.stop(); // twice is fine
    expect(await answers(server.dynamoEndpoint)).toBe(false);
    expect(await answers(server.url)).toBe(false);
  });

  it("restarts on the same data directory without seeding twice and keeps the generated key", SLOW, async () => {
    const parent = mkdtempSync(join(tmpdir(), "billing-start-"));
    dirs.push(parent);
    const dir = join(parent, ".data");

    const first = await start({ dataDir: dir });
    expect(first.seeded).toBe(true);
    expect(first.apiKeySource).toBe("generated");
    expect(first.apiKey).toMatch(/^bk_dev_[A-Za-z0-9_-]{32}$/);
    expect(statSync(join(dir, "api-key")).mode & 0o777).toBe(0o600);
    // The data directory (table files and the key) is created readable by its owner only.
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const tracked = await gql(
      first,
      `mutation { trackUsage(input: { customerId: "demo", feature: "api_calls", value: "1000", idempotencyKey: "restart-1" }) { replayed } }`,
    );
    expect(tracked.body).toEqual({ data: { trackUsage: { replayed: false } } });
    await first.stop();
    expect(await answers(first.dynamoEndpoint)).toBe(false);

    const second = await start({ dataDir: dir });
    expect(second.seeded).toBe(false);
    expect(second.apiKeySource).toBe("stored");
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.lines.some((line) => line.startsWith("seeded"))).toBe(false);
    expect(second.lines.some((line) => line.startsWith("catalog:"))).toBe(false);
    const { body } = await gql(
      second,
      `{ features { code } plans(includeArchived: true) { code } creditPacks { code } customer(id: "demo") { wallet { balance } } }`,
    );
    expect(body).toEqual({
      data: {
        features: [{ code: "ai_chat" }, { code: "api_calls" }, { code: "image_generation" }, { code: "sso" }],
        plans: [{ code: "creator-credits" }, { code: "starter-metered" }, { code: "usage-balance" }],
        creditPacks: [{ code: "pack-500" }],
        customer: { wallet: { balance: "95.70" } },
      },
    });
    // A key given explicitly (BILLING_API_KEY) wins over the stored one, which is then refused.
    await second.stop();
    const third = await start({ dataDir: dir, apiKey: KEY });
    expect(third.apiKeySource).toBe("given");
    expect((await gql(third, "{ now }", first.apiKey)).status).toBe(401);
    expect((await gql(third, "{ now }", KEY)).status).toBe(200);
  });

  it("reads its settings from the environment with local defaults", () => {
    expect(optionsFromEnv({})).toEqual({
      port: 4000,
      host: undefined,
      allowedHosts: [],
      dataDir: ".data",
      apiKey: undefined,
      signingSecret: undefined,
      corsOrigins: [],
      table: undefined,
      clock: "test",
      sweepIntervalMs: 10_000,
      webhookIntervalMs: 1_000,
    });
    // Blank secrets are missing, not empty keys.
    expect(optionsFromEnv({ BILLING_API_KEY: " ", BILLING_SIGNING_SECRET: "" })).toMatchObject({
      apiKey: undefined,
      signingSecret: undefined,
    });
    expect(
      optionsFromEnv({
        PORT: "0",
        BILLING_DATA_DIR: "memory",
        BILLING_API_KEY: "k",
        BILLING_TABLE: "t",
        BILLING_CLOCK: "real",
        BILLING_SWEEP_INTERVAL_MS: "500",
        BILLING_WEBHOOK_INTERVAL_MS: "200",
        BILLING_ALLOWED_HOSTS: "billing.lan, 192.168.1.5",
        BILLING_SIGNING_SECRET: SECRET,
        BILLING_CORS_ORIGINS: "https://app.example.com, https://admin.example.com",
      }),
    ).toMatchObject({
      port: 0,
      dataDir: undefined,
      apiKey: "k",
      table: "t",
      clock: "real",
      sweepIntervalMs: 500,
      webhookIntervalMs: 200,
      allowedHosts: ["billing.lan", "192.168.1.5"],
      signingSecret: SECRET,
      corsOrigins: ["https://app.example.com", "https://admin.example.com"],
    });
    expect(allowedHostsFor("127.0.0.1", [])).toEqual(["localhost", "127.0.0.1", "[::1]"]);
    expect(allowedHostsFor("0.0.0.0", ["billing.lan"])).toEqual(["localhost", "127.0.0.1", "[::1]", "billing.lan"]);
    expect(allowedHostsFor("::1", [])).toEqual(["localhost", "127.0.0.1", "[::1]"]);
    expect(() => optionsFromEnv({ PORT: "abc" })).toThrow(/PORT/);
    expect(() => optionsFromEnv({ BILLING_CLOCK: "fast" })).toThrow(/BILLING_CLOCK/);
  });

  it("refuses a key or signing secret shorter than 32 bytes before starting anything", async () => {
    await expect(startLocal({ apiKey: "short-key" })).rejects.toThrow(/BILLING_API_KEY.*at least 32 bytes/);
    await expect(startLocal({ apiKey: KEY, signingSecret: "short-secret" })).rejects.toThrow(
      /BILLING_SIGNING_SECRET.*at least 32 bytes/,
    );
  });

  it("signs customer tokens with BILLING_SIGNING_SECRET and allows BILLING_CORS_ORIGINS", SLOW, async () => {
    const server = await start({ apiKey: KEY, signingSecret: SECRET, corsOrigins: ["https://app.example.com"] });
    const { body } = await gql(server, `mutation { createCustomerToken(customerId: "demo") { token } }`);
    const [header, payload, signature] = (body.data.createCustomerToken.token as string).split(".");
    expect(signature).toBe(createHmac("sha256", SECRET).update(`${header}.${payload}`).digest("base64url"));

    const preflight = await fetch(server.url, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("delivers webhooks in-process: at once, and retries when the test clock makes them due", SLOW, async () => {
    const receiver = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }));
    try {
      const server = await start({ apiKey: KEY, signingSecret: SECRET, webhookIntervalMs: 100 });
      const created = await gql(
        server,
        `mutation { createWebhookEndpoint(url: "${receiver.url}", events: ["subscription.created"]) { secret } }`,
      );
      const secret = created.body.data.createWebhookEndpoint.secret as string;
      await gql(server, `mutation { createCustomer(input: { id: "hooked" }) { id } }`);
      await gql(server, `mutation { subscribe(customerId: "hooked", planCode: "starter-metered") { status } }`);
      // Waits for the server's own I/O (its attempts, its poller), never to move time.
      const arrived = async (n: number) => {
        for (let i = 0; i < 100 && receiver.requests.length < n; i++) await new Promise((r) => setTimeout(r, 50));
        return receiver.requests.length;
      };
      expect(await arrived(1)).toBe(1); // answered 500: due again in 5 s of the test clock
      const { now } = (await gql(server, "{ now }")).body.data;
      await gql(server, `mutation { advanceClock(to: "${new Date(Date.parse(now) + 5_000).toISOString()}") }`);
      expect(await arrived(2)).toBe(2); // the poller sent the retry
      for (const request of receiver.requests)
        expect(verified(secret, request)).toMatchObject({
          type: "subscription.created",
          data: { customerId: "hooked", planCode: "starter-metered" },
        });
      // The poller logs once its pass has recorded the attempt, a moment after the receiver answered.
      const logged = async () => {
        const line = /webhooks: 1 attempt\(s\), 1 delivered, 0 failed/;
        for (let i = 0; i < 100 && !line.test(server.lines.join("\n")); i++)
          await new Promise((r) => setTimeout(r, 50));
        return server.lines.join("\n");
      };
      expect(await logged()).toMatch(/webhooks: 1 attempt\(s\), 1 delivered, 0 failed/);
    } finally {
      await receiver.close();
    }
  });
});
