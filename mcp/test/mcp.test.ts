/**
 * The MCP server as an assistant meets it: started as a process on stdio by the MCP SDK's own
 * client, configured by environment, calling the real API. Read tools always; write tools only
 * when allowed; refusals come back as tool errors with the API's code.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtures } from "../../test/support/fixtures";
import { startTestApi, TEST_KEY, type TestApi } from "../../test/support/server";

let api: TestApi;
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
});
afterAll(() => api?.close());

describe("read-only (the default)", () => {
  let mcp: Client;
  beforeAll(async () => {
    mcp = await connect({ BILLING_API_KEY: TEST_KEY });
  });
  afterAll(() => mcp?.close());

  it("lists the read tools only, with their input schemas and read-only annotations", async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(["get_customer", "check_entitlement", "list_plans", "list_invoices"]);
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
    expect(plans.map((p: any) => [p.code, p.model, p.basePrice])).toEqual([["starter", "METERED", "99.00"]]);
    const invoices = json(await mcp.callTool({ name: "list_invoices", arguments: { customerId: "acme" } }));
    expect(invoices.map((i: any) => [i.number, i.total, i.lines[0].kind])).toEqual([
      ["INV-000001", "99.00", "BASE_FEE"],
    ]);
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

describe("configuration", () => {
  it("without an API key, the server exits with a message", async () => {
    const mcp = connect({});
    await expect(mcp).rejects.toThrow();
  });
});
