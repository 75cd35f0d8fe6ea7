/**
 * Voiding an invoice that applied account credit gives that credit back, in the transaction that
 * voids it, exactly once: a new grant `void~<invoice id>` without expiry, recorded on the invoice
 * (`accountCreditReturned`) and in `invoice.voided`, and spendable by the next invoice. Racing
 * voids, a void racing payments, and retries have one outcome.
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
  // The clock starts at 2026-01-01T00:00:00Z; `basic` renews on the 1st of each month for $10.00.
  // `team`: each editor beyond 3 costs $31 a period; added on 2026-01-16, 16 of 31 days: $16.00.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", editors: "SEATS" },
    plans: {
      basic: {
        model: "METERED",
        basePrice: "10",
        features: [{ feature: "api_calls", included: "100", overagePrice: "0.01" }],
      },
      team: {
        model: "METERED",
        basePrice: "31",
        features: [{ feature: "editors", included: "3", overagePrice: "31" }],
      },
    },
  }));
});
afterEach(() => api.close());

const INVOICE = "number status subtotal total accountCreditReturned lines { kind amount }";
const voidInvoice = (id: string) => api.gql(`mutation($id: ID!) { voidInvoice(id: $id) { ${INVOICE} } }`, { id });
const payInvoice = (id: string) => api.gql(`mutation($id: ID!) { markInvoicePaid(id: $id) { ${INVOICE} } }`, { id });
const GRANT = `mutation($c: ID!, $a: Money!, $k: ID!, $e: DateTime) {
  grantAccountCredit(customerId: $c, amount: $a, reason: "goodwill", idempotencyKey: $k, expiresAt: $e) { id } }`;
const grant = (c: string, a: string, k: string, e?: string) => api.ok(GRANT, { c, a, k, ...(e ? { e } : {}) });
const credit = async (c: string) =>
  (
    await api.ok(
      `query($c: ID!) { customer(id: $c) { accountCredit accountCreditGrants { id amount remaining currency reason expiresAt createdAt } } }`,
      { c },
    )
  ).customer;
const closeDue = () => api.ok("mutation { closeDuePeriods }");
const newest = async (c: string) =>
  (await api.ok(`query($c: ID!) { customer(id: $c) { invoices(first: 1) { ${INVOICE} } } }`, { c })).customer
    .invoices[0];
const published = (type: string, id: string) =>
  api.deps.publisher.published.filter((e) => e.type === type && e.id === `${type}:${id}`);

/** Subscribes `c` to basic, grants it `amount`, and renews it on 2026-02-01: the renewal applies the credit. */
async function renewalWithCredit(c: string, amount: string, expiresAt?: string) {
  await f.customerOn(c, "basic");
  await grant(c, amount, `${c}-g`, expiresAt);
  return renewed(c);
}
async function renewed(c: string) {
  if ((await api.deps.clock.now()).toISOString() < "2026-02-01T00:00:00.000Z")
    await f.advanceClock("2026-02-01T00:00:00Z");
  await closeDue();
  return newest(c);
}

describe("voiding a period invoice that applied account credit", () => {
  it("gives the $4.00 back as a grant without expiry, once, and the next renewal spends it", async () => {
    const renewal = await renewalWithCredit("c", "4");
    expect(renewal).toEqual({
      number: "INV-000002",
      status: "OPEN",
      subtotal: "6.00",
      total: "6.00",
      accountCreditReturned: null,
      lines: [
        { kind: "BASE_FEE", amount: "10.00" },
        { kind: "ACCOUNT_CREDIT", amount: "-4.00" },
      ],
    });
    expect((await credit("c")).accountCredit).toBe("0.00");

    const first = await voidInvoice("INV-000002");
    expect(first.errors).toBeUndefined();
    expect(first.data.voidInvoice).toEqual({ ...renewal, status: "VOID", accountCreditReturned: "4.00" });
    const returned = {
      accountCredit: "4.00",
      accountCreditGrants: [
        {
          id: "void~INV-000002",
          amount: "4.00",
          remaining: "4.00",
          currency: "USD",
          reason: "Account credit returned by voiding INV-000002",
          expiresAt: null,
          createdAt: "2026-02-01T00:00:00.000Z",
        },
      ],
    };
    expect(await credit("c")).toEqual(returned);
    expect(published("invoice.voided", "INV-000002").map((e) => e.detail)).toEqual([
      {
        invoice: { id: "INV-000002", number: "INV-000002", customerId: "c", currency: "USD", total: "6.00" },
        voidedAt: "2026-02-01T00:00:00.000Z",
        reversal: null,
        accountCreditReturned: "4.00",
      },
    ]);

    // Again: the same answer, nothing returned twice, no second event.
    const again = await voidInvoice("INV-000002");
    expect(again.data).toEqual(first.data);
    expect(await credit("c")).toEqual(returned);
    expect(published("invoice.voided", "INV-000002")).toHaveLength(1);
    expect((await api.ok(`{ invoice(id: "INV-000002") { ${INVOICE} } }`)).invoice).toEqual(first.data.voidInvoice);

    // The next renewal takes it, like any grant.
    await f.advanceClock("2026-03-01T00:00:00Z");
    expect(await renewed("c")).toEqual({
      number: "INV-000003",
      status: "OPEN",
      subtotal: "6.00",
      total: "6.00",
      accountCreditReturned: null,
      lines: [
        { kind: "BASE_FEE", amount: "10.00" },
        { kind: "ACCOUNT_CREDIT", amount: "-4.00" },
      ],
    });
    expect(await credit("c")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
  });

  it("returns credit that came from a grant expired since, without expiry: the void undoes the invoice", async () => {
    await renewalWithCredit("e", "4", "2026-02-10T00:00:00Z");
    await f.advanceClock("2026-02-20T00:00:00Z");
    expect((await voidInvoice("INV-000002")).data.voidInvoice.accountCreditReturned).toBe("4.00");
    expect(await credit("e")).toMatchObject({
      accountCredit: "4.00",
      accountCreditGrants: [
        { id: "void~INV-000002", remaining: "4.00", expiresAt: null, createdAt: "2026-02-20T00:00:00.000Z" },
      ],
    });
    await f.advanceClock("2026-03-01T00:00:00Z");
    expect((await renewed("e")).total).toBe("6.00");
    expect((await credit("e")).accountCredit).toBe("0.00");
  });

  it("returns only what this invoice took: other grants stay as they are", async () => {
    await f.customerOn("o", "basic");
    await grant("o", "3", "early", "2026-01-20T00:00:00Z"); // expires unused before the renewal
    await grant("o", "2.50", "small");
    await renewed("o"); // takes 2.50
    await grant("o", "7", "later");
    expect((await voidInvoice("INV-000002")).data.voidInvoice.accountCreditReturned).toBe("2.50");
    expect(
      (await credit("o")).accountCreditGrants.map((g: { id: string; remaining: string }) => [g.id, g.remaining]),
    ).toEqual([
      ["later", "7.00"],
      ["void~INV-000002", "2.50"],
    ]);
    expect((await credit("o")).accountCredit).toBe("9.50");
  });

  it("an invoice the credit covered in full is PAID and cannot be voided: BAD_USER_INPUT, nothing returned", async () => {
    const renewal = await renewalWithCredit("p", "25");
    expect(renewal).toMatchObject({ status: "PAID", total: "0.00" });
    const r = await voidInvoice(renewal.number);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0]?.message).toBe("invoice INV-000002 is PAID and cannot become VOID");
    expect((await credit("p")).accountCredit).toBe("15.00");
    expect(await newest("p")).toEqual(renewal);
    expect(published("invoice.voided", "INV-000002")).toHaveLength(0);
  });

  it("an invoice without account credit: accountCreditReturned stays null, and nothing is granted", async () => {
    await f.customerOn("n", "basic");
    const r = await voidInvoice("INV-000001");
    expect(r.data.voidInvoice).toMatchObject({ status: "VOID", accountCreditReturned: null });
    expect(await credit("n")).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
    expect(published("invoice.voided", "INV-000001")[0]?.detail.accountCreditReturned).toBeNull();
  });
});

describe("voiding a mid-period invoice that applied account credit", () => {
  it("the invoice of added seats: its $10.00 of credit comes back", async () => {
    await f.customerOn("t", "team");
    await f.advanceClock("2026-01-16T00:00:00Z");
    await grant("t", "10", "g");
    const seats = await api.gql(
      `mutation { setSeats(customerId: "t", feature: "editors", count: "4", idempotencyKey: "s1") { current } }`,
    );
    expect(seats.errors).toBeUndefined();
    const invoice = await newest("t");
    expect(invoice).toMatchObject({
      status: "OPEN",
      total: "6.00",
      lines: [
        { kind: "SEATS", amount: "16.00" },
        { kind: "ACCOUNT_CREDIT", amount: "-10.00" },
      ],
    });
    expect((await voidInvoice(invoice.number)).data.voidInvoice.accountCreditReturned).toBe("10.00");
    expect(await credit("t")).toMatchObject({
      accountCredit: "10.00",
      accountCreditGrants: [{ id: `void~${invoice.number}`, remaining: "10.00" }],
    });
  });
});

describe("a void after the period ended, before its close", () => {
  it("closes the period first: the renewal does not take the credit the void returns, the next invoice does", async () => {
    await f.customerOn("t", "team");
    await f.advanceClock("2026-01-16T00:00:00Z");
    await grant("t", "10", "g");
    await api.ok(
      `mutation { setSeats(customerId: "t", feature: "editors", count: "4", idempotencyKey: "s1") { current } }`,
    );
    const seatsInvoice = (await newest("t")).number;
    await f.advanceClock("2026-02-01T00:00:00Z");
    // The void and the sweeper at once: whichever closes the period, it closes before the grant.
    const [v] = await Promise.all([voidInvoice(seatsInvoice), closeDue()]);
    expect(v.data.voidInvoice.accountCreditReturned).toBe("10.00");
    expect(await newest("t")).toEqual({
      number: "INV-000003",
      status: "OPEN",
      subtotal: "62.00",
      total: "62.00",
      accountCreditReturned: null,
      lines: [
        { kind: "BASE_FEE", amount: "31.00" },
        { kind: "SEATS", amount: "31.00" },
      ],
    });
    expect((await credit("t")).accountCredit).toBe("10.00");
    await f.advanceClock("2026-03-01T00:00:00Z");
    await closeDue();
    expect((await newest("t")).lines).toEqual([
      { kind: "BASE_FEE", amount: "31.00" },
      { kind: "SEATS", amount: "31.00" },
      { kind: "ACCOUNT_CREDIT", amount: "-10.00" },
    ]);
  });
});

describe("a void racing payments and other voids", () => {
  it("6 invoices, each voided 4 times and paid 4 times at once: one outcome each, the credit ledger exact", async () => {
    const ids = ["r1", "r2", "r3", "r4", "r5", "r6"];
    for (const c of ids) {
      await f.customerOn(c, "basic");
      await grant(c, "4", `${c}-g`);
    }
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    const numbers = new Map<string, string>();
    for (const c of ids) numbers.set(c, (await newest(c)).number);
    const racers = ids.flatMap((c) => {
      const n = numbers.get(c)!;
      return [0, 1, 2, 3].flatMap(() => [
        voidInvoice(n).then((r) => ({ c, op: "void", r })),
        payInvoice(n).then((r) => ({ c, op: "pay", r })),
      ]);
    });
    const answers = await Promise.all(racers);
    let voidedCount = 0;
    for (const c of ids) {
      const n = numbers.get(c)!;
      const mine = answers.filter((a) => a.c === c);
      const { invoice } = await api.ok(`{ invoice(id: "${n}") { ${INVOICE} } }`);
      const won = invoice.status === "VOID" ? "void" : "pay";
      expect(["VOID", "PAID"]).toContain(invoice.status);
      for (const a of mine) {
        if (a.op === won) {
          expect(a.r.errors).toBeUndefined();
          expect(a.r.data[a.op === "void" ? "voidInvoice" : "markInvoicePaid"]).toEqual(invoice);
        } else {
          expect(a.r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
        }
      }
      expect(published("invoice.voided", n)).toHaveLength(won === "void" ? 1 : 0);
      expect(published("invoice.paid", n)).toHaveLength(won === "pay" ? 1 : 0);
      if (won === "void") {
        voidedCount++;
        expect(invoice.accountCreditReturned).toBe("4.00");
        expect(await credit(c)).toMatchObject({
          accountCredit: "4.00",
          accountCreditGrants: [{ id: `void~${n}`, remaining: "4.00" }],
        });
      } else {
        expect(invoice.accountCreditReturned).toBeNull();
        expect(await credit(c)).toEqual({ accountCredit: "0.00", accountCreditGrants: [] });
      }
    }
    const total = (await Promise.all(ids.map(credit))).reduce((s, x) => s + Number(x.accountCredit) * 100, 0);
    expect(total).toBe(voidedCount * 400);
  });

  it("a void racing 20 tracks: the credit comes back whole and every track is counted", async () => {
    await renewalWithCredit("k", "4");
    const [v, ...tracks] = await Promise.all([
      voidInvoice("INV-000002"),
      ...Array.from({ length: 20 }, (_, i) =>
        f.track({ customerId: "k", feature: "api_calls", value: "1", idempotencyKey: `k-${i}` }),
      ),
    ]);
    expect(v.errors).toBeUndefined();
    expect(v.data.voidInvoice.accountCreditReturned).toBe("4.00");
    expect(tracks.every((t) => t.errors === undefined)).toBe(true);
    expect((await credit("k")).accountCredit).toBe("4.00");
    expect(await f.usage("k")).toMatchObject([{ feature: { code: "api_calls" }, used: "20" }]);
  });
});

describe("a wallet written before account credit grants (no grants map)", () => {
  const legacy = async (c: string, sum: bigint) => {
    await api.deps.db.doc.send(
      new UpdateCommand({
        TableName: api.deps.db.table,
        Key: keys.wallet(c),
        UpdateExpression: "SET accountCredit = :sum REMOVE accountCreditGrants",
        ExpressionAttributeValues: { ":sum": sum },
      }),
    );
    forgetWallet(api.deps.db, c);
  };

  it("with a sum: the map is written whole, the old sum as its grant beside the returned one", async () => {
    await renewalWithCredit("l", "4");
    await legacy("l", units(7));
    expect((await voidInvoice("INV-000002")).data.voidInvoice.accountCreditReturned).toBe("4.00");
    const after = await credit("l");
    expect(after.accountCredit).toBe("11.00");
    expect(after.accountCreditGrants.map((g: { id: string; remaining: string }) => [g.id, g.remaining])).toEqual([
      ["remainder~before-grants", "7.00"],
      ["void~INV-000002", "4.00"],
    ]);
  });

  it("without a sum: the map is written with the returned grant", async () => {
    await renewalWithCredit("m", "4");
    await legacy("m", 0n);
    expect((await voidInvoice("INV-000002")).data.voidInvoice.accountCreditReturned).toBe("4.00");
    expect(await credit("m")).toMatchObject({
      accountCredit: "4.00",
      accountCreditGrants: [{ id: "void~INV-000002", remaining: "4.00" }],
    });
  });
});
