/**
 * Account credit on mid-period invoices: the invoice of added seats (setSeats) and of an attached
 * add-on (attachAddOn) takes account credit like every subscription invoice (an ACCOUNT_CREDIT
 * line, soonest-expiring grant first, the total never below zero), in the same transaction; a
 * replayed key spends nothing again, and invoices racing for one grant never both spend it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { UpdateCommand } from "../../core/db/commands";
import { keys } from "../../core/db/keys";
import { forgetWallet } from "../../core/db/wallet-cache";
import { units } from "../../core/money";

let api: TestApi;
let f: Fixtures;
beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z; the period runs to 2026-02-01 (31 days). Each extra
  // editor and each add-on costs $31 a period: from 2026-01-16, 16 days are left, $16.00 exactly.
  ({ api, f } = await scenario({
    features: { editors: "SEATS", sso: "BOOLEAN", audit: "BOOLEAN" },
    plans: {
      team: {
        model: "METERED",
        basePrice: "31",
        features: [{ feature: "editors", included: "3", overagePrice: "31" }],
      },
    },
    customers: { t: "team", u: "team", v: "team", w: "team", x: "team", y: "team" },
  }));
  for (const code of ["sso", "audit"])
    await api.ok(`mutation($i: CreateAddOnInput!) { createAddOn(input: $i) { code } }`, {
      i: { code, name: code, feature: code, price: "31" },
    });
  await f.advanceClock("2026-01-16T00:00:00Z");
});
afterEach(() => api.close());

const SEATS = `mutation($c: ID!, $n: Decimal!, $k: ID!) {
  setSeats(customerId: $c, feature: "editors", count: $n, idempotencyKey: $k) { current peak } }`;
const seats = (c: string, n: string, k: string) => api.gql(SEATS, { c, n, k });
const ATTACH = `mutation($c: ID!, $a: ID!, $k: ID!) {
  attachAddOn(customerId: $c, addOnCode: $a, idempotencyKey: $k) { addOns { code } } }`;
const attach = (c: string, a: string, k: string) => api.gql(ATTACH, { c, a, k });
const GRANT = `mutation($c: ID!, $a: Money!, $k: ID!, $e: DateTime) {
  grantAccountCredit(customerId: $c, amount: $a, reason: "goodwill", idempotencyKey: $k, expiresAt: $e) { id } }`;
const grant = (c: string, a: string, k: string, e?: string) => api.ok(GRANT, { c, a, k, ...(e ? { e } : {}) });
const credit = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { accountCredit accountCreditGrants { id remaining } } }`, { c }))
    .customer;
/** The customer's invoices after the subscription's, oldest first, as "KIND amount" lines and totals. */
const midPeriod = async (c: string) =>
  (await f.invoices(c))
    .reverse()
    .slice(1)
    .map((i: { status: string; subtotal: string; total: string; lines: { kind: string; amount: string }[] }) => ({
      lines: i.lines.map((l) => `${l.kind} ${l.amount}`),
      subtotal: i.subtotal,
      total: i.total,
      status: i.status,
    }));

describe("account credit on the invoice of added seats", () => {
  it("partly covers it: $10.00 of credit leaves $6.00 to pay, and a replay spends nothing again", async () => {
    await grant("t", "10", "g1");
    expect((await seats("t", "4", "s1")).data?.setSeats).toEqual({ current: "4", peak: "4" });
    const expected = [
      { lines: ["SEATS 16.00", "ACCOUNT_CREDIT -10.00"], subtotal: "6.00", total: "6.00", status: "OPEN" },
    ];
    expect(await midPeriod("t")).toEqual(expected);
    expect(await credit("t")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
    // The same key again: the same answer, no invoice, nothing spent (a new grant stays whole).
    await grant("t", "5", "g2");
    expect((await seats("t", "4", "s1")).data?.setSeats).toEqual({ current: "4", peak: "4" });
    expect(await midPeriod("t")).toEqual(expected);
    expect(await credit("t")).toEqual({
      accountCredit: "5.00",
      accountCreditGrants: [{ id: "g2", remaining: "5.00" }],
    });
  });

  it("takes none when there is none, nor from a grant that has expired", async () => {
    await grant("t", "10", "gone", "2026-01-20T00:00:00Z");
    await f.advanceClock("2026-01-20T00:00:00Z");
    // 12 of 31 days left: 2 seats x 31 x 12/31 = 24.00.
    await seats("t", "5", "s1");
    expect(await midPeriod("t")).toEqual([
      { lines: ["SEATS 24.00"], subtotal: "24.00", total: "24.00", status: "OPEN" },
    ]);
    expect(await credit("t")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
  });
});

describe("account credit recorded before grants existed (a sum, no grants map)", () => {
  it("is taken by the invoice of added seats, which writes the grants map whole; the next takes from that map", async () => {
    await api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet("t"),
        UpdateExpression: "SET accountCredit = :sum REMOVE accountCreditGrants",
        ExpressionAttributeValues: { ":sum": units(20) },
      }),
    );
    forgetWallet(api.deps.db, "t");
    await seats("t", "4", "s1");
    expect(await credit("t")).toEqual({
      accountCredit: "4.00",
      accountCreditGrants: [{ id: "remainder~before-grants", remaining: "4.00" }],
    });
    expect((await seats("t", "5", "s2")).errors).toBeUndefined();
    expect(await midPeriod("t")).toEqual([
      { lines: ["SEATS 16.00", "ACCOUNT_CREDIT -16.00"], subtotal: "0.00", total: "0.00", status: "PAID" },
      { lines: ["SEATS 16.00", "ACCOUNT_CREDIT -4.00"], subtotal: "12.00", total: "12.00", status: "OPEN" },
    ]);
    expect(await credit("t")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
  });
});

describe("account credit on the invoice of an attached add-on", () => {
  it("fully covers it, soonest-expiring grant first: total 0.00, issued PAID; a replay spends nothing again", async () => {
    await grant("t", "20", "lasting");
    await grant("t", "10", "expiring", "2026-03-01T00:00:00Z");
    expect((await attach("t", "sso", "a1")).data?.attachAddOn.addOns).toEqual([{ code: "sso" }]);
    const expected = [
      { lines: ["ADD_ON 16.00", "ACCOUNT_CREDIT -16.00"], subtotal: "0.00", total: "0.00", status: "PAID" },
    ];
    expect(await midPeriod("t")).toEqual(expected);
    expect(await credit("t")).toEqual({
      accountCredit: "14.00",
      accountCreditGrants: [{ id: "lasting", remaining: "14.00" }],
    });
    expect((await attach("t", "sso", "a1")).data?.attachAddOn.addOns).toEqual([{ code: "sso" }]);
    expect(await midPeriod("t")).toEqual(expected);
    expect((await credit("t")).accountCredit).toBe("14.00");
    // What is left goes to the renewal: $31 base fee + $31 add-on, $14.00 of it paid by credit.
    await f.advanceClock("2026-02-01T00:00:00Z");
    await api.ok("mutation { closeDuePeriods }");
    const [renewal] = await f.invoices("t");
    expect(renewal.lines.map((l: { kind: string; amount: string }) => `${l.kind} ${l.amount}`)).toEqual([
      "BASE_FEE 31.00",
      "ADD_ON 31.00",
      "ACCOUNT_CREDIT -14.00",
    ]);
    expect(renewal.total).toBe("48.00");
  });
});

describe("invoices racing for one grant", () => {
  it("never both spend it: concurrent seats and add-ons of six customers take $10.00 of credit once each", async () => {
    const customers = ["t", "u", "v", "w", "x", "y"];
    for (const c of customers) await grant(c, "10", "g");
    // Per customer, three invoices of $16.00 at once: added seats, and two add-ons. Each reads $10.00 of credit.
    const answers = await Promise.all(
      customers.flatMap((c) => [seats(c, "4", "s"), attach(c, "sso", "a"), attach(c, "audit", "b")]),
    );
    expect(answers.filter((a) => a.errors)).toEqual([]);
    for (const c of customers) {
      const invoices = await midPeriod(c);
      expect(invoices).toHaveLength(3);
      expect(invoices.flatMap((i) => i.lines.filter((l: string) => l.startsWith("ACCOUNT_CREDIT")))).toEqual([
        "ACCOUNT_CREDIT -10.00",
      ]);
      expect(invoices.map((i) => i.total).sort()).toEqual(["16.00", "16.00", "6.00"]);
      expect(await credit(c)).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
    }
  });
});
