/**
 * What a customer token sees: never the merchant's internals (provider
 * costs, margins, catalog prices, raw event properties, email, metadata); of the plans only those on
 * offer and its own; another customer's invoice exactly as a missing one. And `customer.invoices`
 * pages instead of one Query that silently stops at 1 MB.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, type Fixtures } from "../support/fixtures";
import type { TestApi } from "../support/server";
import { scenario } from "../support/scenario";

let api: TestApi;
let f: Fixtures;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  ({ api, f } = await scenario({
    features: { ai_chat: "METERED" },
    plans: {
      ai: {
        model: "BALANCE",
        basePrice: "100",
        features: [{ feature: "ai_chat", pricing: "AI_MODEL", marginBps: 4000 }],
      },
      "custom-for-a": { model: "BALANCE", basePrice: "5", features: [{ feature: "ai_chat", pricing: "AI_MODEL" }] },
      "custom-for-b": { model: "BALANCE", basePrice: "5", features: [{ feature: "ai_chat", pricing: "AI_MODEL" }] },
      retired: { model: "BALANCE", basePrice: "5", features: [{ feature: "ai_chat", pricing: "AI_MODEL" }] },
    },
  }));
  await api.ok(`mutation { upsertAiModel(id: "acme/model-1", inputPrice: "3", outputPrice: "15") { id } }`);
  await api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, {
    i: { id: "cust-a", name: "A Corp", email: "billing@a.example", metadata: { crmId: "internal-77", tier: "gold" } },
  });
  await f.subscribe("cust-a", "custom-for-a");
  await f.customerOn("cust-b", "custom-for-b");
  for (const code of ["custom-for-a", "custom-for-b", "retired"])
    await api.ok(`mutation($c: ID!) { archivePlan(code: $c) { code } }`, { c: code });
  await api.ok(`mutation { changePlan(customerId: "cust-a", planCode: "ai", timing: PERIOD_END) { status } }`);
  await api.ok(`mutation { topUpBalance(customerId: "cust-a", amount: "10", idempotencyKey: "t1") { balance } }`);
  await api.ok(`mutation($i: TrackUsageInput!) { trackUsage(input: $i) { replayed } }`, {
    i: {
      customerId: "cust-a",
      feature: "ai_chat",
      idempotencyKey: "call-1",
      model: "acme/model-1",
      inputTokens: 1000,
      outputTokens: 100,
      properties: { prompt: "internal prompt text", userId: "u-1" },
    },
  });
  for (const c of ["cust-a", "cust-b"])
    tokens[c] = (
      await api.ok(`mutation($c: ID!) { createCustomerToken(customerId: $c) { token } }`, { c })
    ).createCustomerToken.token;
});
afterAll(() => api?.close());

const asToken = (customer: string, query: string, variables?: Record<string, unknown>) =>
  api.gql(query, variables, { key: tokens[customer]! });

describe("merchant-internal fields", () => {
  const INTERNAL = [
    "providerCost",
    "marginBps",
    "inputPrice",
    "outputPrice",
    "cacheReadPrice",
    "cacheWritePrice",
    "properties",
  ];
  const EVENTS = `{ customer(id: "cust-a") { events { edges { node { idempotencyKey cost ${INTERNAL.join(" ")} } } } } }`;

  it("are FORBIDDEN to a customer token, field by field, while the rest of the answer stays", async () => {
    const response = await asToken("cust-a", EVENTS);
    const node = response.data.customer.events.edges[0].node;
    expect(node.idempotencyKey).toBe("call-1");
    expect(node.cost).toBe("0.0045"); // on custom-for-a until the period ends: no margin
    for (const field of INTERNAL) expect(node[field], field).toBeNull();
    expect(response.errors!.map((e: any) => [e.path.at(-1), e.extensions.code]).sort()).toEqual(
      INTERNAL.map((field) => [field, "FORBIDDEN"]).sort(),
    );
  });

  it("are shown to API keys, ADMIN and INGEST alike", async () => {
    const node = (await api.ok(EVENTS)).customer.events.edges[0].node;
    expect(node).toMatchObject({
      providerCost: "0.0045",
      marginBps: 0,
      inputPrice: "3.00",
      outputPrice: "15.00",
      properties: { prompt: "internal prompt text", userId: "u-1" },
    });
    const ingest = (await api.ok(`mutation { createApiKey(name: "i", scope: INGEST) { secret } }`)).createApiKey.secret;
    const tracked = await api.gql(
      `mutation { trackUsage(input: { customerId: "cust-a", feature: "ai_chat", idempotencyKey: "call-2", model: "acme/model-1", inputTokens: 10 }) { event { providerCost marginBps inputPrice } } }`,
      undefined,
      { key: ingest },
    );
    expect(tracked.errors).toBeUndefined();
    expect(tracked.data.trackUsage.event).toEqual({ providerCost: "0.00003", marginBps: 0, inputPrice: "3.00" });
  });

  it("a customer's email and metadata are FORBIDDEN to its token; its id and name are not", async () => {
    const response = await asToken("cust-a", `{ customer(id: "cust-a") { id name email metadata } }`);
    expect(response.data.customer).toEqual({ id: "cust-a", name: "A Corp", email: null, metadata: null });
    expect(response.errors!.map((e: any) => [e.path.join("."), e.extensions.code]).sort()).toEqual([
      ["customer.email", "FORBIDDEN"],
      ["customer.metadata", "FORBIDDEN"],
    ]);
    const admin = await api.ok(`{ customer(id: "cust-a") { email metadata } }`);
    expect(admin.customer).toEqual({ email: "billing@a.example", metadata: { crmId: "internal-77", tier: "gold" } });
  });

  it("a plan feature's margin is FORBIDDEN to a customer token; its prices are public", async () => {
    const response = await asToken("cust-a", `{ plan(code: "ai") { code features { pricing marginBps } } }`);
    expect(response.data.plan).toEqual({ code: "ai", features: [{ pricing: "AI_MODEL", marginBps: null }] });
    expect(response.errors!.map((e: any) => e.extensions.code)).toEqual(["FORBIDDEN"]);
  });
});

describe("plans a customer token sees", () => {
  const codes = (response: any) => response.data.plans.map((p: { code: string }) => p.code).sort();

  it("the plans on offer plus its own (current and scheduled), even archived; never another's archived plan", async () => {
    for (const includeArchived of [false, true]) {
      const a = await asToken("cust-a", `query($x: Boolean) { plans(includeArchived: $x) { code } }`, {
        x: includeArchived,
      });
      expect(codes(a), String(includeArchived)).toEqual(["ai", "custom-for-a"]);
      const b = await asToken("cust-b", `query($x: Boolean) { plans(includeArchived: $x) { code } }`, {
        x: includeArchived,
      });
      expect(codes(b)).toEqual(["ai", "custom-for-b"]);
    }
    expect(codes(await api.gql(`{ plans(includeArchived: true) { code } }`))).toEqual([
      "ai",
      "custom-for-a",
      "custom-for-b",
      "retired",
    ]);
  });

  it("plan(code) of another's archived plan answers null, exactly like a plan that does not exist", async () => {
    const other = await asToken("cust-a", `{ plan(code: "custom-for-b") { code } }`);
    const missing = await asToken("cust-a", `{ plan(code: "no-such-plan") { code } }`);
    expect(other).toEqual(missing);
    expect(other).toEqual({ status: 200, data: { plan: null } });
    expect((await asToken("cust-a", `{ plan(code: "custom-for-a") { code } }`)).data.plan.code).toBe("custom-for-a");
  });
});

describe("another customer's invoice", () => {
  it("answers a customer token exactly as an invoice that does not exist", async () => {
    const ofB = (await api.ok(`{ customer(id: "cust-b") { invoices { id } } }`)).customer.invoices[0].id;
    const query = `query($i: ID!) { invoice(id: $i) { id number total } }`;
    const other = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens["cust-a"]}` },
      body: JSON.stringify({ query, variables: { i: ofB } }),
    });
    const missing = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens["cust-a"]}` },
      body: JSON.stringify({ query, variables: { i: "INV-999999" } }),
    });
    expect(other.status).toBe(missing.status);
    expect(await other.text()).toBe(await missing.text());
    expect((await asToken("cust-b", query, { i: ofB })).data.invoice.id).toBe(ofB);
  });
});

describe("customer.invoices pages", () => {
  const INVOICES = `query($c: ID!, $n: Int, $a: ID) { customer(id: $c) { invoices(first: $n, after: $a) { id } } }`;
  const page = async (first?: number, after?: string) =>
    (await api.ok(INVOICES, { c: "paged", n: first, a: after })).customer.invoices.map((i: { id: string }) => i.id);

  it("newest first, `first` at a time, the next page after the last id; a short page is the last", async () => {
    await f.plan({ code: "topups", model: "BALANCE", basePrice: "0", features: [] });
    await f.customerOn("paged", "topups");
    for (let i = 1; i <= 4; i++)
      await api.ok(
        `mutation($k: ID!) { topUpBalance(customerId: "paged", amount: "1", idempotencyKey: $k) { balance } }`,
        {
          k: `p${i}`,
        },
      );
    const all = await page();
    expect(all).toHaveLength(5); // the subscription's invoice and four top-ups, within the default of 100
    expect(await page(2)).toEqual(all.slice(0, 2));
    expect(await page(2, all[1])).toEqual(all.slice(2, 4));
    expect(await page(2, all[3])).toEqual(all.slice(4));
    expect(await page(2, all[4])).toEqual([]);
  });

  it("refuses a page size outside 1 to 100, and a cursor that is not this customer's invoice", async () => {
    expectError(await api.gql(INVOICES, { c: "paged", n: 0 }), "BAD_USER_INPUT");
    expectError(await api.gql(INVOICES, { c: "paged", n: 101 }), "BAD_USER_INPUT");
    const ofB = (await api.ok(`{ customer(id: "cust-b") { invoices { id } } }`)).customer.invoices[0].id;
    const foreign = await api.gql(INVOICES, { c: "paged", a: ofB });
    expectError(foreign, "BAD_USER_INPUT");
    expect(foreign.errors![0]!.message).toBe("after is not an invoice of this customer");
    expectError(await api.gql(INVOICES, { c: "paged", a: "INV-999999" }), "BAD_USER_INPUT");
  });

  it("costs its page size: a customer token cannot ask for hundreds of invoices in one request", async () => {
    const many = Array.from(
      { length: 3 },
      (_, i) =>
        `c${i}: customer(id: "cust-a") { invoices(first: 100) { id number status total lines { kind amount } } }`,
    ).join(" ");
    const response = await fetch(api.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens["cust-a"]}` },
      body: JSON.stringify({ query: `{ ${many} }` }),
    });
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", limit: "cost" });
  });
});
