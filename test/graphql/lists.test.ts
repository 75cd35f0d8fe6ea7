/**
 * `customers` and `invoices` over HTTP (issue 19): newest first, opaque cursors that page through
 * the whole list exactly once, a case-insensitive prefix search on id, name or email, a plan
 * filter, invoice filters by status, customer and creation range; bad arguments are
 * BAD_USER_INPUT and nothing else may list (an INGEST key is FORBIDDEN).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, fixtures, type Fixtures } from "../support/fixtures";
import { startTestApi, type TestApi } from "../support/server";

let api: TestApi;
let f: Fixtures;

const CUSTOMERS = `query($s: String, $p: ID, $n: Int, $a: String) {
  customers(search: $s, planCode: $p, first: $n, after: $a) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
}`;
const INVOICES = `query($st: InvoiceStatus, $c: ID, $from: DateTime, $to: DateTime, $n: Int, $a: String) {
  invoices(status: $st, customerId: $c, from: $from, to: $to, first: $n, after: $a) {
    edges { node { number customerId status createdAt } } pageInfo { hasNextPage endCursor }
  }
}`;

const ids = (data: any) => data.customers.edges.map((e: any) => e.node.id);
const numbers = (data: any) => data.invoices.edges.map((e: any) => e.node.number);

/** Every page of a list, following endCursor. */
async function allPages(query: string, variables: Record<string, unknown>, field: "customers" | "invoices") {
  const pages: any[] = [];
  let after: string | undefined;
  do {
    const data = await api.ok(query, { ...variables, a: after });
    pages.push(data);
    after = data[field].pageInfo.hasNextPage ? data[field].pageInfo.endCursor : undefined;
  } while (after);
  return pages;
}

beforeAll(async () => {
  api = await startTestApi();
  f = fixtures(api);
  await f.feature("calls");
  await f.plan({
    code: "basic",
    model: "METERED",
    basePrice: "10",
    features: [{ feature: "calls", included: "10", overagePrice: "0.01" }],
  });
  await f.plan({
    code: "pro",
    model: "METERED",
    basePrice: "30",
    features: [{ feature: "calls", included: "100", overagePrice: "0.01" }],
  });
  const people: [string, string, string, string | undefined][] = [
    ["acme", "Acme Inc.", "billing@acme.example", "basic"],
    ["globex", "Globex Corporation", "ap@globex.example", "pro"],
    ["initech", "Initech", "finance@initech.example", "basic"],
    ["umbrella", "Umbrella Corp", "ACME-partner@umbrella.example", undefined],
    ["hooli", "Hooli", "money@hooli.example", "pro"],
  ];
  let day = 1;
  for (const [id, name, email, plan] of people) {
    await f.advanceClock(`2026-01-0${day++}T00:00:00Z`);
    await api.ok(`mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }`, { i: { id, name, email } });
    if (plan) await f.subscribe(id, plan);
  }
});
afterAll(() => api?.close());

describe("customers", () => {
  it("lists newest first, and its cursors page through every customer exactly once", async () => {
    expect(ids(await api.ok(CUSTOMERS, {}))).toEqual(["hooli", "umbrella", "initech", "globex", "acme"]);
    const pages = await allPages(CUSTOMERS, { n: 2 }, "customers");
    expect(pages.map(ids)).toEqual([["hooli", "umbrella"], ["initech", "globex"], ["acme"]]);
    expect(pages.map((p) => p.customers.pageInfo.hasNextPage)).toEqual([true, true, false]);
  });

  it("searches id, name (any word) and email by prefix, ignoring case", async () => {
    expect(ids(await api.ok(CUSTOMERS, { s: "ACM" }))).toEqual(["umbrella", "acme"]);
    expect(ids(await api.ok(CUSTOMERS, { s: "corp" }))).toEqual(["umbrella", "globex"]);
    expect(ids(await api.ok(CUSTOMERS, { s: "finance@" }))).toEqual(["initech"]);
    expect(ids(await api.ok(CUSTOMERS, { s: "tech" }))).toEqual([]);
    const pages = await allPages(CUSTOMERS, { s: "a", n: 1 }, "customers");
    expect(pages.flatMap(ids)).toEqual(["umbrella", "globex", "acme"]);
  });

  it("filters by the plan a customer is subscribed to now", async () => {
    expect(ids(await api.ok(CUSTOMERS, { p: "basic" }))).toEqual(["initech", "acme"]);
    expect(ids(await api.ok(CUSTOMERS, { p: "pro", s: "glob" }))).toEqual(["globex"]);
    const pages = await allPages(CUSTOMERS, { p: "pro", n: 1 }, "customers");
    expect(pages.flatMap(ids)).toEqual(["hooli", "globex"]);
  });

  it("refuses a bad page size or a cursor of another list, and keys that may not list", async () => {
    expectError(await api.gql(CUSTOMERS, { n: 0 }), "BAD_USER_INPUT");
    expectError(await api.gql(CUSTOMERS, { n: 101 }), "BAD_USER_INPUT");
    expectError(await api.gql(CUSTOMERS, { a: "not-a-cursor" }), "BAD_USER_INPUT");
    const invoiceCursor = (await api.ok(INVOICES, { n: 1 })).invoices.pageInfo.endCursor;
    const wrong = await api.gql(CUSTOMERS, { a: invoiceCursor });
    expectError(wrong, "BAD_USER_INPUT");
    expect(wrong.errors![0]!.message).toBe("after is not a cursor of this list");
    const { createApiKey } = await api.ok(`mutation { createApiKey(name: "ingest", scope: INGEST) { secret } }`);
    expectError(await api.gql(CUSTOMERS, {}, { key: createApiKey.secret }), "FORBIDDEN");
    expectError(await api.gql(INVOICES, {}, { key: createApiKey.secret }), "FORBIDDEN");
  });
});

describe("invoices", () => {
  it("lists every customer's invoices newest first, and pages through them exactly once", async () => {
    expect(numbers(await api.ok(INVOICES, {}))).toEqual(["INV-000004", "INV-000003", "INV-000002", "INV-000001"]);
    const pages = await allPages(INVOICES, { n: 3 }, "invoices");
    expect(pages.map(numbers)).toEqual([["INV-000004", "INV-000003", "INV-000002"], ["INV-000001"]]);
  });

  it("filters by status, customer and creation range [from, to)", async () => {
    const { invoices } = await api.ok(INVOICES, { c: "globex" });
    expect(invoices.edges.map((e: any) => e.node)).toEqual([
      { number: "INV-000002", customerId: "globex", status: "OPEN", createdAt: "2026-01-02T00:00:00.000Z" },
    ]);
    await api.ok(`mutation($id: ID!) { markInvoicePaid(id: $id) { status } }`, {
      id: (await api.ok(`{ customer(id: "initech") { invoices { id } } }`)).customer.invoices[0].id,
    });
    expect(numbers(await api.ok(INVOICES, { st: "PAID" }))).toEqual(["INV-000003"]);
    expect(numbers(await api.ok(INVOICES, { st: "OPEN", n: 1 }))).toEqual(["INV-000004"]);
    expect(numbers(await api.ok(INVOICES, { from: "2026-01-02T00:00:00Z", to: "2026-01-05T00:00:00Z" }))).toEqual([
      "INV-000003",
      "INV-000002",
    ]);
    expect(numbers(await api.ok(INVOICES, { c: "acme", from: "2026-01-02T00:00:00Z" }))).toEqual([]);
    expect(numbers(await api.ok(INVOICES, { c: "nobody" }))).toEqual([]);
  });
});
