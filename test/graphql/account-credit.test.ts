/**
 * Account credit (issue 16, item 3): grantAccountCredit (idempotent by key, optional expiry), the
 * remainder of an invoice below zero, applied to the next invoices as an ACCOUNT_CREDIT line,
 * soonest expiring first; no total below zero, nothing lost or doubled. A deleted customer is
 * granted none (BAD_USER_INPUT), even by a grant that read the customer before the deletion.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import { expectError, type Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { holdWrites, until } from "../support/hold-writes";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", sso: "BOOLEAN" },
    plans: {
      access: { model: "METERED", basePrice: "30", features: [{ feature: "sso" }] },
      pro: {
        model: "METERED",
        basePrice: "99",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.5" }],
      },
      yen: { model: "METERED", basePrice: "1000", currency: "JPY", features: [{ feature: "sso" }] },
    },
  }));
});
afterEach(() => api.close());

const GRANT = `mutation($c: ID!, $a: Money!, $r: String!, $k: ID!, $e: DateTime) {
  grantAccountCredit(customerId: $c, amount: $a, reason: $r, idempotencyKey: $k, expiresAt: $e) { id amount remaining currency reason expiresAt createdAt } }`;
const grant = (c: string, a: string, k: string, e?: string, r = "support") =>
  api.gql(GRANT, { c, a, r, k, ...(e ? { e } : {}) });
const credit = async (c: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { accountCredit accountCreditGrants { id amount remaining expiresAt } } }`,
      { c },
    )
  ).customer;
const lines = (invoice: { lines: { kind: string; amount: string }[] }) =>
  invoice.lines.map((l) => `${l.kind} ${l.amount}`);
/** Moves the clock and runs the sweeper, as the scheduled function would. */
const advance = async (to: string) => {
  await api.ok(`mutation { advanceClock(to: "${to}") }`);
  await api.ok("mutation { closeDuePeriods }");
};
const INVOICE = "number status subtotal total creditedToAccount lines { kind amount }";
const invoicesOf = async (c: string): Promise<any[]> =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices { ${INVOICE} } } }`, { c })).customer.invoices;

describe("grantAccountCredit", () => {
  it("grants once per key: the same grant replays, another under the key is refused and writes nothing", async () => {
    await f.customerOn("c", "access");
    const first = await grant("c", "12.50", "g-1");
    expect(first.data.grantAccountCredit).toEqual({
      id: "g-1",
      amount: "12.50",
      remaining: "12.50",
      currency: "USD",
      reason: "support",
      expiresAt: null,
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    expect((await grant("c", "12.50", "g-1")).data.grantAccountCredit).toEqual(first.data.grantAccountCredit);
    const before = await f.snapshot("c");
    expectError(await grant("c", "13", "g-1"), "IDEMPOTENCY_KEY_REUSED");
    expect(await f.snapshot("c")).toEqual(before);
    expect(await credit("c")).toEqual({
      accountCredit: "12.50",
      accountCreditGrants: [{ id: "g-1", amount: "12.50", remaining: "12.50", expiresAt: null }],
    });
  });

  it("refuses bad input by name and writes nothing", async () => {
    await f.customer("never");
    await f.customerOn("c", "access");
    await f.customerOn("y", "yen");
    for (const [c, a, e, field] of [
      ["c", "0", undefined, "amount"],
      ["c", "-5", undefined, "amount"],
      ["c", "1.005", undefined, "amount"],
      ["y", "10.5", undefined, "amount"],
      ["c", "5", "2025-12-31T00:00:00Z", "expiresAt"],
      ["never", "5", undefined, "subscribe first"],
    ] as const) {
      const response = await grant(c, a, `bad-${c}-${a}`, e);
      expectError(response, "BAD_USER_INPUT");
      expect(response.errors![0]!.message).toContain(field);
    }
    expectError(await grant("ghost", "5", "g"), "NOT_FOUND");
    expect((await credit("c")).accountCredit).toBe("0.00");
  });

  it("50 concurrent grants under other keys all count, 20 under one key count once", async () => {
    await f.customerOn("c", "access");
    const distinct = await Promise.all(Array.from({ length: 50 }, (_, i) => grant("c", "1.01", `k-${i}`)));
    expect(distinct.filter((r) => r.errors)).toEqual([]);
    const same = await Promise.all(Array.from({ length: 20 }, () => grant("c", "3", "same")));
    expect(same.filter((r) => r.errors)).toEqual([]);
    expect((await credit("c")).accountCredit).toBe("53.50");
  });
});

describe("grantAccountCredit on a deleted customer", () => {
  const remove = (c: string) => api.ok(`mutation($c: ID!) { deleteCustomer(id: $c) { id } }`, { c });
  const DELETED = 'customer "d" was deleted: account credit could never be used';

  it("is refused and writes nothing; a grant made before the deletion still replays under its key", async () => {
    await f.customerOn("d", "access");
    const before = await grant("d", "12.50", "g-1");
    expect(before.errors).toBeUndefined();
    await remove("d");
    const snapshot = await f.snapshot("d");
    const refused = await grant("d", "5", "g-2");
    expectError(refused, "BAD_USER_INPUT");
    expect(refused.errors![0]!.message).toBe(DELETED);
    // Refused again the same way (nothing was recorded under the key), with an expiry too.
    expectError(await grant("d", "5", "g-2", "2026-03-01T00:00:00Z"), "BAD_USER_INPUT");
    expect(await f.snapshot("d")).toEqual(snapshot);
    expect(await credit("d")).toEqual({
      accountCredit: "12.50",
      accountCreditGrants: [{ id: "g-1", amount: "12.50", remaining: "12.50", expiresAt: null }],
    });
    // The earlier grant answers as before; its key for another grant is still IDEMPOTENCY_KEY_REUSED.
    expect((await grant("d", "12.50", "g-1")).data.grantAccountCredit).toEqual(before.data.grantAccountCredit);
    expectError(await grant("d", "13", "g-1"), "IDEMPOTENCY_KEY_REUSED");
  });

  it("a grant decided before a deletion that lands first is refused at its write (the profile's condition)", async () => {
    await f.customerOn("d", "access");
    // The grant has read the customer (not deleted yet); its transaction is held at its send.
    const grantWrite = holdWrites(api.deps.db, "holdGrant", (items) =>
      items.some((i) => i.Put?.Item?.type === "ACCOUNT_CREDIT_GRANT"),
    );
    const racing = grant("d", "7", "g-race");
    await until(() => grantWrite.held() === 1);
    await remove("d");
    grantWrite.open();
    const answer = await racing;
    expectError(answer, "BAD_USER_INPUT");
    expect(answer.errors![0]!.message).toBe(DELETED);
    expect(await credit("d")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
  });
});

describe("applying account credit", () => {
  it("the next invoices take it soonest-expiring first; an expired grant is not applied", async () => {
    await f.customerOn("c", "access");
    await grant("c", "20", "forever");
    await grant("c", "15", "feb", "2026-02-10T00:00:00Z");
    await grant("c", "7", "jan", "2026-01-20T00:00:00Z");
    await advance("2026-01-25T00:00:00Z"); // "jan" expired unused
    expect((await credit("c")).accountCredit).toBe("35.00");
    await advance("2026-02-01T00:00:00Z"); // the renewal bills 30.00: 15 of "feb", then 15 of "forever"
    const [renewal] = await invoicesOf("c");
    expect(lines(renewal)).toEqual(["BASE_FEE 30.00", "ACCOUNT_CREDIT -30.00"]);
    expect(renewal).toMatchObject({ subtotal: "0.00", total: "0.00", status: "PAID" });
    expect(await credit("c")).toEqual({
      accountCredit: "5.00",
      accountCreditGrants: [{ id: "forever", amount: "20.00", remaining: "5.00", expiresAt: null }],
    });
    await advance("2026-03-01T00:00:00Z"); // 5.00 left of 30.00
    expect(lines((await invoicesOf("c"))[0])).toEqual(["BASE_FEE 30.00", "ACCOUNT_CREDIT -5.00"]);
    expect((await invoicesOf("c"))[0]).toMatchObject({ total: "25.00", status: "OPEN" });
    expect(await credit("c")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
  });

  it("a remainder below zero becomes a grant that the next invoice takes", async () => {
    await f.customerOn("c", "pro"); // 99.00
    await advance("2026-01-11T00:00:00Z");
    // 99 x 21/31 = 67.06 back, 30.00 billed: 37.06 left over
    await api.ok(`mutation { changePlan(customerId: "c", planCode: "access", timing: IMMEDIATE) { status } }`);
    const [change] = await invoicesOf("c");
    expect(change).toMatchObject({ subtotal: "-37.06", total: "0.00", creditedToAccount: "37.06" });
    const { accountCreditGrants } = await credit("c");
    expect(accountCreditGrants).toEqual([
      { id: expect.stringMatching(/^remainder~/), amount: "37.06", remaining: "37.06", expiresAt: null },
    ]);
    await advance("2026-02-11T00:00:00Z");
    expect(lines((await invoicesOf("c"))[0])).toEqual(["BASE_FEE 30.00", "ACCOUNT_CREDIT -30.00"]);
    await advance("2026-03-11T00:00:00Z");
    expect(lines((await invoicesOf("c"))[0])).toEqual(["BASE_FEE 30.00", "ACCOUNT_CREDIT -7.06"]);
    expect((await credit("c")).accountCredit).toBe("0.00");
  });

  it("through plan changes and cancels, every invoice and every credit adds up: nothing lost or doubled", async () => {
    await f.customerOn("c", "pro");
    let granted = 0n;
    const cents = (text: string) => BigInt(text.replace(".", ""));
    await grant("c", "10", "g-a");
    granted += 1000n;
    await f.track({ customerId: "c", feature: "api_calls", value: "140", idempotencyKey: "u-1" });
    await advance("2026-01-05T00:00:00Z");
    await api.ok(`mutation { changePlan(customerId: "c", planCode: "access", timing: IMMEDIATE) { status } }`);
    await advance("2026-01-20T00:00:00Z");
    await api.ok(`mutation { changePlan(customerId: "c", planCode: "pro", timing: IMMEDIATE) { status } }`);
    await grant("c", "45.55", "g-b", "2026-03-01T00:00:00Z");
    granted += 4555n;
    await advance("2026-02-25T00:00:00Z");
    await api.ok(`mutation { cancelSubscription(customerId: "c", timing: IMMEDIATE, prorate: true) { status } }`);
    await f.subscribe("c", "access");
    await api.ok(`mutation { cancelSubscription(customerId: "c", timing: IMMEDIATE, prorate: true) { status } }`);
    await f.subscribe("c", "pro");
    await advance("2026-04-01T00:00:00Z");
    const all = await invoicesOf("c");
    let charged = 0n; // every line but the account credit applied
    let applied = 0n;
    let totals = 0n;
    let remainders = 0n;
    for (const invoice of all) {
      for (const l of invoice.lines) {
        if (l.kind === "ACCOUNT_CREDIT") applied -= cents(l.amount);
        else charged += cents(l.amount);
      }
      totals += cents(invoice.total);
      remainders += cents(invoice.creditedToAccount);
      expect(cents(invoice.total)).toBeGreaterThanOrEqual(0n);
    }
    const left = cents((await credit("c")).accountCredit);
    // What was charged is paid in money or in account credit; credit comes from grants and remainders.
    expect(totals + applied - remainders).toBe(charged);
    expect(granted + remainders).toBe(applied + left); // no grant expired unused here
    expect(applied).toBeGreaterThan(0n);
  });
});
