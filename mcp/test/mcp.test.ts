/**
 * The MCP server as an assistant meets it: started as a process on stdio by the MCP SDK's own
 * client, configured by environment, calling the real API. Read tools always; write tools only
 * when allowed; refusals come back as tool errors with the API's code.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamPoller } from "../../tools/dynamodb-local/stream-poller";
import { fixtures } from "../../test/support/fixtures";
import { rollupPoller } from "../../test/support/rollups";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
let poller: StreamPoller;
/** The test clock's day, for the AI cost report's range. */
let today: string;
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const entry = new URL("../src/index.ts", import.meta.url).pathname;

async function connect(env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--conditions=@ai-billing/source", "--import", "tsx", entry],
    env: { PATH: process.env.PATH ?? "", BILLING_URL: api.url, ...env },
    stderr: "pipe",
  });
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

const text = (result: any) => result.content[0].text as string;
const json = (result: any) => JSON.parse(text(result));

beforeAll(async () => {
  api = await startTestApi();
  const f = fixtures(api);
  await f.features({ api_calls: "METERED" });
  await f.plan({
    code: "starter",
    model: "METERED",
    basePrice: "99",
    features: [{ feature: "api_calls", included: "10", overagePrice: "0.01" }],
  });
  await f.customerOn("acme", "starter");
  await f.customer("idle");
  await f.track({ customerId: "acme", feature: "api_calls", value: 4, idempotencyKey: "e1" });

  // Two AI calls for the cost report, counted by the stream aggregator as npm start runs it.
  poller = rollupPoller(api.deps.db);
  await f.feature("assistant");
  await api.ok(`mutation { upsertAiModel(id: "lab/model", inputPrice: "3", outputPrice: "15") { id } }`);
  await f.plan({
    code: "ai",
    model: "BALANCE",
    basePrice: "20",
    features: [{ feature: "assistant", pricing: "AI_MODEL", marginBps: 4000 }],
  });
  await f.customerOn("initech", "ai");
  for (const [key, inputTokens, outputTokens] of [
    ["a1", 1000, 200],
    ["a2", 3000, 0],
  ] as const)
    await api.ok(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`, {
      i: {
        customerId: "initech",
        feature: "assistant",
        model: "lab/model",
        inputTokens,
        outputTokens,
        idempotencyKey: key,
      },
    });
  expect(await poller.drain()).toBeGreaterThanOrEqual(2);
  today = ((await api.ok("{ now }")) as { now: string }).now.slice(0, 10);
});
afterAll(async () => {
  poller?.stop();
  await api?.close();
});

describe("read-only (the default)", () => {
  let mcp: Client;
  beforeAll(async () => {
    mcp = await connect({ BILLING_API_KEY: TEST_KEY });
  });
  afterAll(() => mcp?.close());

  it("lists the read tools only, with their input schemas and read-only annotations", async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "get_customer",
      "check_entitlement",
      "list_plans",
      "list_invoices",
      "ai_cost_report",
    ]);
    const check = tools.find((t) => t.name === "check_entitlement")!;
    expect(check.inputSchema.required).toEqual(["customerId", "feature"]);
    expect(Object.keys(check.inputSchema.properties ?? {})).toEqual(["customerId", "feature", "amount"]);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it("get_customer shows the subscription, wallet and usage", async () => {
    const customer = json(await mcp.callTool({ name: "get_customer", arguments: { customerId: "acme" } }));
    expect(customer.subscription).toMatchObject({ status: "ACTIVE", plan: { code: "starter" } });
    expect(customer.usage).toEqual([
      {
        feature: { code: "api_calls", name: "api_calls", unit: null },
        used: "4",
        included: "10",
        overage: "0",
        cost: "0.00",
        credits: null,
      },
    ]);
    const missing = await mcp.callTool({ name: "get_customer", arguments: { customerId: "nobody" } });
    expect([missing.isError, text(missing)]).toEqual([true, 'NOT_FOUND: no customer "nobody"']);
  });

  it("check_entitlement answers allowed or a reason", async () => {
    const ok = json(
      await mcp.callTool({
        name: "check_entitlement",
        arguments: { customerId: "acme", feature: "api_calls", amount: "6" },
      }),
    );
    expect([ok.allowed, ok.remaining]).toEqual([true, "6"]);
    const no = json(
      await mcp.callTool({ name: "check_entitlement", arguments: { customerId: "idle", feature: "api_calls" } }),
    );
    expect([no.allowed, no.reason]).toEqual([false, "NO_SUBSCRIPTION"]);
    const unknown = json(
      await mcp.callTool({ name: "check_entitlement", arguments: { customerId: "acme", feature: "nope" } }),
    );
    expect([unknown.allowed, unknown.reason]).toEqual([false, "UNKNOWN_FEATURE"]);
  });

  it("list_plans and list_invoices", async () => {
    const plans = json(await mcp.callTool({ name: "list_plans", arguments: {} }));
    expect(plans.map((p: any) => [p.code, p.model, p.basePrice])).toEqual([
      ["ai", "BALANCE", "20.00"],
      ["starter", "METERED", "99.00"],
    ]);
    const invoices = json(await mcp.callTool({ name: "list_invoices", arguments: { customerId: "acme" } }));
    expect(invoices.map((i: any) => [i.number, i.total, i.lines[0].kind])).toEqual([
      ["INV-000001", "99.00", "BASE_FEE"],
    ]);
  });

  it("ai_cost_report: calls, tokens, provider cost, billed and margin by model and by customer, exactly", async () => {
    const range = { from: `${today}T00:00:00Z`, to: `${dayAfter(today)}T00:00:00Z` };
    const byModel = json(await mcp.callTool({ name: "ai_cost_report", arguments: range }));
    const row = {
      calls: "2",
      inputTokens: "4000",
      outputTokens: "200",
      cacheReadTokens: "0",
      cacheWriteTokens: "0",
      // 4,000 input tokens at 3 and 200 output at 15 per million; billed with a 40% margin.
      providerCost: "0.015",
      billed: "0.021",
      margin: "0.006",
    };
    expect(byModel).toEqual({
      from: `${today}T00:00:00.000Z`,
      to: `${dayAfter(today)}T00:00:00.000Z`,
      groupBy: "MODEL",
      pageInfo: { hasNextPage: false, endCursor: null },
      rows: [{ key: "lab/model", ...row }],
      total: { key: "TOTAL", ...row },
    });
    const byCustomer = json(
      await mcp.callTool({ name: "ai_cost_report", arguments: { ...range, groupBy: "CUSTOMER" } }),
    );
    expect(byCustomer.rows).toEqual([{ key: "initech", ...row }]);
  });

  it("ai_cost_report refuses a range the API refuses, with its code, and a non-date before any request", async () => {
    const bad = await mcp.callTool({
      name: "ai_cost_report",
      arguments: { from: `${today}T00:00:00Z`, to: `${today}T12:00:00Z` },
    });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(
      /^BAD_USER_INPUT: to must be a UTC day boundary \(00:00:00Z\): rollups are by day \(request [0-9a-f-]{36}\)$/,
    );
    const notADate = await mcp.callTool({ name: "ai_cost_report", arguments: { from: "yesterday", to: "today" } });
    expect(notADate.isError).toBe(true);
  });

  it("an input outside its schema is refused before any request", async () => {
    const bad = await mcp.callTool({ name: "get_customer", arguments: { customerId: "a b" } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/letters, digits/);
  });

  it("a write tool is not there to call", async () => {
    const result = await mcp.callTool({ name: "create_customer", arguments: { id: "x" } }).catch((e) => e);
    expect(String(result.message ?? text(result))).toMatch(/create_customer not found/);
  });
});

describe("with writes allowed", () => {
  let mcp: Client;
  beforeAll(async () => {
    mcp = await connect({ BILLING_API_KEY: TEST_KEY, BILLING_MCP_ALLOW_WRITES: "true" });
  });
  afterAll(() => mcp?.close());

  it("create_customer and subscribe_customer are offered and work; a refusal is a tool error with its code", async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toContain("subscribe_customer");
    expect(tools.find((t) => t.name === "subscribe_customer")?.annotations?.readOnlyHint).toBe(false);
    const created = json(await mcp.callTool({ name: "create_customer", arguments: { id: "globex", name: "Globex" } }));
    expect(created).toEqual({ id: "globex", name: "Globex", email: null, metadata: null });
    const subscribed = json(
      await mcp.callTool({ name: "subscribe_customer", arguments: { customerId: "globex", planCode: "starter" } }),
    );
    expect([subscribed.status, subscribed.plan.code]).toEqual(["ACTIVE", "starter"]);
    const again = await mcp.callTool({
      name: "subscribe_customer",
      arguments: { customerId: "globex", planCode: "starter" },
    });
    expect(again.isError).toBe(true);
    expect(text(again)).toMatch(
      /^ALREADY_EXISTS: customer "globex" already has an active subscription \(request [0-9a-f-]{36}\)$/,
    );
  });
});

describe("grant_credits and adjust_usage (writes allowed)", () => {
  let mcp: Client;
  beforeAll(async () => {
    const f = fixtures(api);
    await f.feature("images");
    await f.plan({
      code: "studio",
      model: "CREDITS",
      basePrice: "30",
      includedCredits: "100",
      features: [{ feature: "images", creditsPerUnit: "10" }],
    });
    await f.customerOn("hooli", "studio");
    mcp = await connect({ BILLING_API_KEY: TEST_KEY, BILLING_MCP_ALLOW_WRITES: "true" });
  });
  afterAll(() => mcp?.close());

  it("are offered only with writes allowed, keyed, adjust_usage marked destructive", async () => {
    const { tools } = await mcp.listTools();
    const grant = tools.find((t) => t.name === "grant_credits")!;
    expect(grant.inputSchema.required).toEqual(["customerId", "credits", "reason", "idempotencyKey"]);
    expect(grant.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    const adjust = tools.find((t) => t.name === "adjust_usage")!;
    expect(adjust.inputSchema.required).toEqual(["customerId", "feature", "delta", "reason", "idempotencyKey"]);
    expect(adjust.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    const readOnly = await connect({ BILLING_API_KEY: TEST_KEY });
    try {
      const names = (await readOnly.listTools()).tools.map((t) => t.name);
      expect(names.filter((n) => n === "grant_credits" || n === "adjust_usage")).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });

  it("grant_credits grants once per key and answers the wallet; a plan without credits is refused with its code", async () => {
    const args = {
      customerId: "hooli",
      credits: "40",
      reason: "ticket 981",
      expiresAt: "2026-03-01T00:00:00Z",
      idempotencyKey: "ticket-981",
    };
    const wallet = json(await mcp.callTool({ name: "grant_credits", arguments: args }));
    expect([wallet.credits, wallet.grantedCredits, wallet.planCredits]).toEqual(["140", "40", "100"]);
    expect(json(await mcp.callTool({ name: "grant_credits", arguments: args })).credits).toBe("140");
    const refused = await mcp.callTool({
      name: "grant_credits",
      arguments: { ...args, customerId: "acme", idempotencyKey: "ticket-982" },
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^BAD_USER_INPUT: customer "acme" is on a plan whose usage spends no credits/);
    const noKey = await mcp.callTool({
      name: "grant_credits",
      arguments: { customerId: "hooli", credits: "1", reason: "x" },
    });
    expect(noKey.isError).toBe(true);
    expect((await api.ok(`{ customer(id: "hooli") { wallet { credits } } }`)).customer.wallet.credits).toBe("140");
  });

  it("adjust_usage corrects once per key, never below zero", async () => {
    await api.ok(
      `mutation { trackUsage(input: { customerId: "acme", feature: "api_calls", value: 6, idempotencyKey: "e2" }) { replayed } }`,
    );
    const args = {
      customerId: "acme",
      feature: "api_calls",
      delta: "-3",
      reason: "duplicates",
      idempotencyKey: "fix-1",
    };
    const usage = json(await mcp.callTool({ name: "adjust_usage", arguments: args }));
    expect([usage.feature.code, usage.used, usage.included]).toEqual(["api_calls", "7", "10"]);
    expect(json(await mcp.callTool({ name: "adjust_usage", arguments: args })).used).toBe("7");
    const below = await mcp.callTool({
      name: "adjust_usage",
      arguments: { ...args, delta: "-100", idempotencyKey: "fix-2" },
    });
    expect(below.isError).toBe(true);
    expect(text(below)).toMatch(/^BAD_USER_INPUT: /);
  });
});

describe("configuration", () => {
  it("without an API key, the server exits with a message", async () => {
    const mcp = connect({});
    await expect(mcp).rejects.toThrow();
  });
});
