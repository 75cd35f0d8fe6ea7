/**
 * Customers over time: `updateCustomer` changes what it is given (null removes,
 * left out keeps), refuses bad input naming the field and writes nothing then; `deleteCustomer`
 * erases the personal data, ends the subscription now with a final invoice of the usage so far,
 * keeps invoices and events, and is idempotent, also when three deletions race.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { PLANS, scenario } from "../support/scenario";
import { scanTable } from "../support/db";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({ features: { api_calls: "METERED" }, plans: { metered: PLANS.metered } }));
  await api.ok(
    `mutation { createCustomer(input: { id: "ada", name: "Ada Lovelace", email: "ada@example.com", metadata: { crm: "c-1" } }) { id } }`,
  );
});
afterEach(() => api.close());

const PROFILE = "id name email metadata deletedAt";
const UPDATE = `mutation($id: ID!, $i: UpdateCustomerInput!) { updateCustomer(id: $id, input: $i) { ${PROFILE} } }`;
const DELETE = `mutation($id: ID!) { deleteCustomer(id: $id) { ${PROFILE} subscription { status currentPeriodEnd } } }`;
const update = (id: string, i: Record<string, unknown>) => api.gql(UPDATE, { id, i });
const profile = async (id: string) =>
  (await api.ok(`query($id: ID!) { customer(id: $id) { ${PROFILE} } }`, { id })).customer;

describe("updateCustomer", () => {
  it("changes the fields given, removes those given as null, keeps the others", async () => {
    expect((await update("ada", { name: "  Ada King  " })).data.updateCustomer).toEqual({
      id: "ada",
      name: "Ada King",
      email: "ada@example.com",
      metadata: { crm: "c-1" },
      deletedAt: null,
    });
    await update("ada", { email: null, metadata: { crm: "c-2", tier: 1 } });
    expect(await profile("ada")).toEqual({
      id: "ada",
      name: "Ada King",
      email: null,
      metadata: { crm: "c-2", tier: 1 },
      deletedAt: null,
    });
  });

  it("the customers list's search finds the new details, and an erased customer only by its id", async () => {
    const found = async (search: string) =>
      (
        await api.ok(`query($s: String!) { customers(search: $s) { edges { node { id } } } }`, { s: search })
      ).customers.edges.map((e: { node: { id: string } }) => e.node);
    await update("ada", { name: "Grace Hopper", email: "grace@example.com" });
    expect(await found("hopper")).toEqual([{ id: "ada" }]);
    expect(await found("lovelace")).toEqual([]);
    await api.ok(`mutation { deleteCustomer(id: "ada") { id } }`);
    expect(await found("grace")).toEqual([]);
    expect(await found("ada")).toEqual([{ id: "ada" }]);
  });

  it("refuses bad input naming the field, and writes nothing", async () => {
    const before = await scanTable(api.deps.db, { consistent: true });
    const refused: [Record<string, unknown>, string][] = [
      [{ email: "not-an-email" }, "input.email must be an email address"],
      [{ name: "   " }, "input.name must not be empty"],
      [{ name: "n".repeat(201) }, "input.name must be at most 200 characters"],
      [
        { name: "Ok", metadata: { a: { b: { c: { d: { e: { f: 1 } } } } } } },
        "input.metadata must be at most 5 levels deep",
      ],
    ];
    for (const [input, message] of refused) {
      const response = await update("ada", input);
      expectError(response, "BAD_USER_INPUT");
      expect(response.errors?.[0]?.message).toBe(message);
    }
    expectError(await update("nobody", { name: "x" }), "NOT_FOUND");
    expect(await scanTable(api.deps.db, { consistent: true })).toEqual(before);
  });

  it("an update that changes nothing writes nothing; concurrent updates of different fields both land", async () => {
    const before = await scanTable(api.deps.db, { consistent: true });
    await update("ada", { name: "Ada Lovelace", metadata: { crm: "c-1" } });
    expect(await scanTable(api.deps.db, { consistent: true })).toEqual(before);
    await Promise.all([update("ada", { name: "A. L." }), update("ada", { email: "al@example.com" })]);
    expect(await profile("ada")).toMatchObject({ name: "A. L.", email: "al@example.com" });
  });

  it("customer tokens may not call it, nor deleteCustomer", async () => {
    const token = (await api.ok(`mutation { createCustomerToken(customerId: "ada") { token } }`)).createCustomerToken
      .token;
    expectError(await api.gql(UPDATE, { id: "ada", i: { name: "Eve" } }, { key: token }), "FORBIDDEN");
    expectError(await api.gql(DELETE, { id: "ada" }, { key: token }), "FORBIDDEN");
    expect((await profile("ada")).name).toBe("Ada Lovelace");
  });
});

describe("deleteCustomer", () => {
  it("erases the personal data, ends the subscription now with the usage so far, keeps invoices and events", async () => {
    await f.subscribe("ada", "metered");
    await f.track({ customerId: "ada", feature: "api_calls", idempotencyKey: "a-1", value: "130" });
    await f.advanceClock("2026-01-10T00:00:00.000Z");
    const { deleteCustomer } = await api.ok(DELETE, { id: "ada" });
    expect(deleteCustomer).toEqual({
      id: "ada",
      name: null,
      email: null,
      metadata: null,
      deletedAt: "2026-01-10T00:00:00.000Z",
      subscription: { status: "CANCELED", currentPeriodEnd: "2026-01-10T00:00:00.000Z" },
    });
    const invoices = await f.invoices("ada");
    expect(invoices.map((i) => [i.number, i.total, i.lines.map((l: any) => l.kind)])).toEqual([
      ["INV-000002", "0.30", ["OVERAGE"]], // 30 calls over 100 included at $0.01; no credit for the rest of the month
      ["INV-000001", "10.00", ["BASE_FEE"]],
    ]);
    expect(await f.events("ada")).toHaveLength(1);
    expect(api.deps.publisher.published.map((e) => e.type).slice(-2)).toEqual([
      "invoice.created",
      "subscription.canceled",
    ]);
    const stored = (await scanTable(api.deps.db, { consistent: true })).find(
      (item) => item.pk === "CUSTOMER#ada" && item.sk === "PROFILE",
    );
    expect(Object.keys(stored!).filter((k) => ["name", "email", "metadata"].includes(k))).toEqual([]);
  });

  it("is idempotent: again, or three at once, one final invoice and nothing more written", async () => {
    await f.subscribe("ada", "metered");
    await f.track({ customerId: "ada", feature: "api_calls", idempotencyKey: "a-1", value: "101" });
    const answers = await Promise.all([1, 2, 3].map(() => api.ok(DELETE, { id: "ada" })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect((await f.invoices("ada")).map((i) => i.total)).toEqual(["0.01", "10.00"]);
    const before = await scanTable(api.deps.db, { consistent: true });
    expect((await api.ok(DELETE, { id: "ada" })).deleteCustomer.deletedAt).toBe("2026-01-01T00:00:00.000Z");
    expect(await scanTable(api.deps.db, { consistent: true })).toEqual(before);
    expect(api.deps.publisher.published.filter((e) => e.type === "subscription.canceled")).toHaveLength(1);
  });

  it("a deleted customer cannot subscribe, be given personal data or tokens again; its tokens stop working", async () => {
    const token = (await api.ok(`mutation { createCustomerToken(customerId: "ada") { token } }`)).createCustomerToken
      .token;
    expect((await api.gql(`{ customer(id: "ada") { id } }`, {}, { key: token })).errors).toBeUndefined();
    await api.ok(DELETE, { id: "ada" }); // never subscribed: nothing to invoice
    expectError(await api.gql(`{ customer(id: "ada") { id } }`, {}, { key: token }), "UNAUTHENTICATED");
    const mint = await api.gql(`mutation { createCustomerToken(customerId: "ada") { token } }`);
    expectError(mint, "BAD_USER_INPUT");
    expect(mint.errors?.[0]?.message).toBe('customer "ada" was deleted: no token is minted for it');
    expect(await f.invoices("ada")).toEqual([]);
    const again = await f.subscribe("ada", "metered");
    expectError(again, "BAD_USER_INPUT");
    expect(again.errors?.[0]?.message).toBe('customer "ada" was deleted and cannot subscribe');
    const update_ = await update("ada", { name: "Ada" });
    expectError(update_, "BAD_USER_INPUT");
    expect(update_.errors?.[0]?.message).toBe('customer "ada" was deleted: its personal data cannot be set again');
    expectError(await api.gql(DELETE, { id: "nobody" }), "NOT_FOUND");
  });

  it("a customer far behind is closed first: the final invoice bills only the running period", async () => {
    await f.subscribe("ada", "metered");
    await f.advanceClock("2026-03-05T00:00:00.000Z");
    await api.ok(DELETE, { id: "ada" });
    const invoices = await f.invoices("ada");
    expect(invoices.map((i: any) => [i.number, i.periodStart, i.total])).toEqual([
      ["INV-000003", "2026-02-01T00:00:00.000Z", "10.00"], // the March base fee, issued by the February close
      ["INV-000002", "2026-01-01T00:00:00.000Z", "10.00"],
      ["INV-000001", "2026-01-01T00:00:00.000Z", "10.00"],
    ]);
  });
});
