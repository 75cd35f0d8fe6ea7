/**
 * Voiding a CREDIT_PACK or TOP_UP invoice takes back what it granted, once,
 * in the transaction that voids it: the unspent part goes, the spent part stays owed (negative
 * purchased credits, or a top-up pool below zero that the period's unused allowance repays first
 * and the close bills as overage), and the void reports both (`reversal`, `invoice.voided`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TestApi } from "../support/server";
import type { Fixtures } from "../support/fixtures";
import { scenario } from "../support/scenario";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { keys } from "../../core/db/keys";

let api: TestApi;
let f: Fixtures;

beforeEach(async () => {
  // The clock starts at 2026-01-01T00:00:00Z.
  ({ api, f } = await scenario({
    features: { api_calls: "METERED", images: "METERED" },
    plans: {
      creator: {
        model: "CREDITS",
        basePrice: "49",
        includedCredits: "1000",
        features: [{ feature: "images", creditsPerUnit: "10" }],
      },
      usage: { model: "BALANCE", basePrice: "100", features: [{ feature: "api_calls", unitPrice: "0.01" }] },
    },
    packs: { p500: { credits: "500", price: "20" } },
  }));
});
afterEach(() => api.close());

const REVERSAL = "status reversal { kind unit granted unspent spent }";
const voidInvoice = (id: string) => api.gql(`mutation { voidInvoice(id: "${id}") { number ${REVERSAL} } }`);
const buyPack = (c: string, key: string) =>
  api.ok(`mutation { purchaseCreditPack(customerId: "${c}", packCode: "p500", idempotencyKey: "${key}") { credits } }`);
const topUp = (c: string, amount: string, key: string) =>
  api.ok(`mutation { topUpBalance(customerId: "${c}", amount: "${amount}", idempotencyKey: "${key}") { topUps } }`);
const spend = (c: string, feature: string, value: string, key: string) =>
  f.track({ customerId: c, feature, value, idempotencyKey: key });
const closeDue = () => api.ok(`mutation { closeDuePeriods }`);
const voided = () => api.deps.publisher.published.filter((e) => e.type === "invoice.voided");

describe("voiding a credit pack", () => {
  it("with 200 of its 500 credits spent: takes all 500 back, the purchased balance is -200, and it happens once", async () => {
    await f.customerOn("c", "creator");
    await buyPack("c", "buy-1"); // INV-000002
    expect((await spend("c", "images", "120", "c-1")).errors).toBeUndefined(); // 1,200: 1,000 plan + 200 pack
    const first = await voidInvoice("INV-000002");
    expect(first.data.voidInvoice).toEqual({
      number: "INV-000002",
      status: "VOID",
      reversal: { kind: "CREDIT_PACK", unit: "credits", granted: "500", unspent: "300", spent: "200" },
    });
    expect(await f.wallet("c")).toMatchObject({ credits: "-200", planCredits: "0", purchasedCredits: "-200" });
    const again = await voidInvoice("INV-000002");
    expect(again.data.voidInvoice).toEqual(first.data.voidInvoice);
    expect(await f.wallet("c")).toMatchObject({ credits: "-200", purchasedCredits: "-200" });
    expect((await spend("c", "images", "1", "c-2")).errors?.[0]?.extensions?.code).toBe("INSUFFICIENT_CREDITS");
    expect(voided()).toHaveLength(1);
    expect(voided()[0]).toMatchObject({
      id: "invoice.voided:INV-000002",
      detail: {
        invoice: { id: "INV-000002", number: "INV-000002", customerId: "c", currency: "USD", total: "20.00" },
        voidedAt: "2026-01-01T00:00:00.000Z",
        reversal: { kind: "CREDIT_PACK", unit: "credits", granted: "500", unspent: "300", spent: "200" },
      },
    });
  });

  it("the debt is repaid by the next grant: the next period starts with 800 plan credits, then 1,000 again", async () => {
    await f.customerOn("d", "creator");
    await buyPack("d", "buy-1");
    await spend("d", "images", "120", "d-1");
    await voidInvoice("INV-000002");
    await f.advanceClock("2026-02-01T00:00:00Z");
    expect(await f.wallet("d")).toMatchObject({ credits: "800", planCredits: "800", purchasedCredits: "0" });
    await f.advanceClock("2026-03-01T00:00:00Z");
    expect(await f.wallet("d")).toMatchObject({ credits: "1000", planCredits: "1000", purchasedCredits: "0" });
  });

  it("unspent: all 500 go and nothing is owed; a pack bought after the void is not touched", async () => {
    await f.customerOn("u", "creator");
    await buyPack("u", "buy-1");
    await spend("u", "images", "30", "u-1"); // 300 plan credits
    await buyPack("u", "buy-2"); // INV-000003
    const r = await voidInvoice("INV-000002");
    expect(r.data.voidInvoice.reversal).toEqual({
      kind: "CREDIT_PACK",
      unit: "credits",
      granted: "500",
      unspent: "500",
      spent: "0",
    });
    expect(await f.wallet("u")).toMatchObject({ credits: "1200", planCredits: "700", purchasedCredits: "500" });
  });

  it("a void racing 15 tracks of 100 credits each: exactly one reversal, and what it reports is what happened", async () => {
    await f.customerOn("r", "creator");
    await buyPack("r", "buy-1"); // 1,500 credits in all
    const [voids, tracks] = await Promise.all([
      Promise.all([voidInvoice("INV-000002"), voidInvoice("INV-000002")]),
      Promise.all(Array.from({ length: 15 }, (_, i) => spend("r", "images", "10", `r-${i}`))),
    ]);
    const accepted = tracks.filter((t) => !t.errors && t.data?.trackUsage).length;
    const refused = tracks.filter((t) => t.errors?.[0]?.extensions?.code === "INSUFFICIENT_CREDITS").length;
    expect(accepted + refused).toBe(15);
    expect(voids[1]!.data).toEqual(voids[0]!.data);
    const reversal = voids[0]!.data.voidInvoice.reversal;
    const spent = Number(reversal.spent);
    expect(Number(reversal.unspent) + spent).toBe(500);
    const wallet = await f.wallet("r");
    if (spent > 0) {
      // The void found pack credits spent: afterwards nothing could be spent any more.
      expect(accepted * 100).toBe(1000 + spent);
      expect(wallet.credits).toBe(String(-spent));
    } else {
      expect(accepted * 100).toBeLessThanOrEqual(1000);
      expect(wallet.credits).toBe(String(1000 - accepted * 100));
    }
    expect(voided()).toHaveLength(1);
    const { invoice } = await api.ok(`{ invoice(id: "INV-000002") { ${REVERSAL} } }`);
    expect(invoice).toEqual({ status: "VOID", reversal });
  });
});

describe("invoices issued before grants were recorded on them", () => {
  it("are voided with their grant read from the line: a pack's credits, a top-up's amount", async () => {
    await f.customerOn("l", "creator");
    await f.customerOn("m", "usage");
    await buyPack("l", "buy-1"); // INV-000003
    await topUp("m", "7.50", "t-1"); // INV-000004
    for (const id of ["INV-000003", "INV-000004"])
      await api.deps.db.doc.send(
        new UpdateCommand({
          TableName: api.deps.db.table,
          Key: keys.invoice(id),
          UpdateExpression: "REMOVE #grant",
          ExpressionAttributeNames: { "#grant": "grant" },
        }),
      );
    expect((await voidInvoice("INV-000003")).data.voidInvoice.reversal).toMatchObject({
      granted: "500",
      unspent: "500",
    });
    expect((await voidInvoice("INV-000004")).data.voidInvoice.reversal).toMatchObject({
      granted: "7.50",
      unspent: "7.50",
    });
    expect(await f.wallet("m")).toMatchObject({ topUps: "0.00", balance: "100.00" });
    expect(await f.wallet("l")).toMatchObject({ credits: "1000", purchasedCredits: "0" });
  });
});

describe("voiding a top-up", () => {
  it("half spent: the spent $10 is owed and billed as overage at the close", async () => {
    await f.customerOn("b", "usage"); // $100 allowance
    await topUp("b", "20", "t-1"); // INV-000002
    await spend("b", "api_calls", "11000", "b-1"); // $110: the allowance and $10 of the top-up
    const r = await voidInvoice("INV-000002");
    expect(r.data.voidInvoice.reversal).toEqual({
      kind: "TOP_UP",
      unit: "USD",
      granted: "20.00",
      unspent: "10.00",
      spent: "10.00",
    });
    expect(await f.wallet("b")).toMatchObject({
      balance: "-10.00",
      allowance: "0.00",
      topUps: "0.00",
      overage: "10.00",
    });
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    const [renewal] = await f.invoices("b");
    expect(renewal.lines).toEqual([
      { kind: "OVERAGE", feature: null, quantity: "1", unitPrice: "10.00", amount: "10.00" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "100.00", amount: "100.00" },
    ]);
    expect(await f.wallet("b")).toMatchObject({ balance: "100.00", topUps: "0.00", overage: "0.00" });
  });

  it("spent in an earlier period: the debt is repaid from this period's allowance first, nothing billed if it suffices", async () => {
    await f.customerOn("e", "usage");
    await topUp("e", "20", "t-1");
    await spend("e", "api_calls", "11500", "e-1"); // $115: $15 of the top-up
    await f.advanceClock("2026-02-01T00:00:00Z");
    expect(await f.wallet("e")).toMatchObject({ balance: "105.00", topUps: "5.00" });
    const r = await voidInvoice("INV-000002");
    expect(r.data.voidInvoice.reversal).toMatchObject({ unspent: "5.00", spent: "15.00" });
    expect(await f.wallet("e")).toMatchObject({
      balance: "85.00",
      allowance: "85.00",
      topUps: "0.00",
      overage: "0.00",
    });
    await f.advanceClock("2026-03-01T00:00:00Z");
    expect(await closeDue()).toEqual({ closeDuePeriods: 1 });
    const [renewal] = await f.invoices("e");
    expect(renewal).toMatchObject({ periodStart: "2026-02-01T00:00:00.000Z", total: "100.00" });
    expect(renewal.lines.map((l: { kind: string }) => l.kind)).toEqual(["BASE_FEE"]);
    expect(await f.wallet("e")).toMatchObject({ balance: "100.00", allowance: "100.00", topUps: "0.00" });
  });

  it("a customer on a CREDITS plan owing a voided top-up is billed for it at the close", async () => {
    await f.customerOn("x", "usage");
    await topUp("x", "20", "t-1");
    await spend("x", "api_calls", "10500", "x-1"); // $5 of the top-up
    await api.ok(`mutation { changePlan(customerId: "x", planCode: "creator", timing: IMMEDIATE) { status } }`);
    await voidInvoice("INV-000002");
    await f.advanceClock("2026-02-01T00:00:00Z");
    await closeDue();
    const [renewal] = await f.invoices("x");
    expect(renewal.lines).toEqual([
      { kind: "OVERAGE", feature: null, quantity: "1", unitPrice: "5.00", amount: "5.00" },
      { kind: "BASE_FEE", feature: null, quantity: "1", unitPrice: "49.00", amount: "49.00" },
    ]);
  });
});

describe("invoice status events", () => {
  it("voiding a base-fee invoice takes nothing back; paying publishes invoice.paid once", async () => {
    await f.customerOn("s", "creator");
    const r = await voidInvoice("INV-000001");
    expect(r.data.voidInvoice).toEqual({ number: "INV-000001", status: "VOID", reversal: null });
    expect(await f.wallet("s")).toMatchObject({ credits: "1000" });
    await buyPack("s", "buy-1");
    await api.ok(`mutation { markInvoicePaid(id: "INV-000002") { status } }`);
    await api.ok(`mutation { markInvoicePaid(id: "INV-000002") { status } }`);
    const paid = api.deps.publisher.published.filter((e) => e.type === "invoice.paid");
    expect(paid).toEqual([
      {
        id: "invoice.paid:INV-000002",
        type: "invoice.paid",
        version: 1,
        time: "2026-01-01T00:00:00.000Z",
        detail: {
          invoice: { id: "INV-000002", number: "INV-000002", customerId: "s", currency: "USD", total: "20.00" },
          paidAt: "2026-01-01T00:00:00.000Z",
        },
      },
    ]);
    expect(voided().map((e) => e.detail.reversal)).toEqual([null]);
  });
});
