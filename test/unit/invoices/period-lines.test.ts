import { describe, expect, it } from "vitest";
import { prorationLine } from "../../../core/invoices/period-lines";
import { draftInvoice } from "../../../core/invoices/invoice";
import { SCALE, units } from "../../../core/money";
import { metered as feature, plan, wallet } from "../models/fixtures";

// A 30-day period; the change comes after 10 days: 2/3 of the time is left.
const period = { start: "2026-04-01T00:00:00.000Z", end: "2026-05-01T00:00:00.000Z" };
const at = new Date("2026-04-11T00:00:00.000Z");

const credit = (amount: bigint) => ({
  kind: "PRORATION",
  quantity: SCALE,
  unitPrice: amount,
  amount,
  periodStart: at.toISOString(),
  periodEnd: period.end,
});

describe("the proration line: basePrice x min(time left, grant left), as a credit", () => {
  it("goes by time alone on a plan that grants nothing", () => {
    const flat = plan({
      code: "flat",
      name: "Flat",
      model: "METERED",
      basePrice: units(30),
      features: [feature("x", { overagePrice: 0n })],
    });
    expect(prorationLine(flat, wallet("flat"), period, at)).toEqual({
      ...credit(-units(20)),
      description: "Unused Flat after 2026-04-11",
    });
  });

  it("gives back no more of the fee than of the plan credits left (a quarter here, less than the time)", () => {
    const starter = plan({
      code: "starter",
      name: "Starter",
      model: "CREDITS",
      basePrice: units(40),
      includedCredits: units(100),
    });
    const used = wallet("starter", { planCredits: units(100), creditsUsed: units(75), credits: units(25) });
    expect(prorationLine(starter, used, period, at)).toMatchObject(credit(-units(10)));
  });

  it("takes the time left when more of the allowance is left than of the time", () => {
    const payg = plan({ code: "payg", name: "Pay as you go", model: "BALANCE", basePrice: units(60) });
    const barely = wallet("payg", { allowance: units(60), spent: units(6), balance: units(54) });
    expect(prorationLine(payg, barely, period, at)).toMatchObject(credit(-units(40)));
  });

  it("takes the least share of included units left over the features", () => {
    const pro = plan({
      code: "pro",
      name: "Pro",
      model: "METERED",
      basePrice: units(50),
      features: [
        feature("calls", { included: units(1000), overagePrice: 0n }),
        feature("seats", { included: units(10), overagePrice: 0n }),
      ],
    });
    const used = wallet("pro", { usage: { calls: units(100), seats: units(8) } });
    expect(prorationLine(pro, used, period, at)).toMatchObject(credit(-units(10)));
  });

  it("is exact to the ledger unit, and rounded once, on the invoice", () => {
    const odd = plan({ code: "odd", name: "Odd", model: "METERED", basePrice: units(10) });
    const third = new Date("2026-04-21T00:00:00.000Z"); // 10 of 30 days left
    const line = prorationLine(odd, wallet("odd"), period, third)!;
    expect(line.amount).toBe(-3_333_333_333_333n);
    expect(
      draftInvoice({ customerId: "acme", currency: "USD", lines: [line], createdAt: period.start }).lines[0]!.amount,
    ).toBe(-3_330_000_000_000n);
  });

  it("is no line when nothing is left to credit: the grant used up, a free plan, or no time left", () => {
    const starter = plan({ code: "starter", model: "CREDITS", basePrice: units(40), includedCredits: units(100) });
    const spent = wallet("starter", { planCredits: units(100), creditsUsed: units(100), credits: 0n });
    expect(prorationLine(starter, spent, period, at)).toBeUndefined();
    expect(
      prorationLine(plan({ code: "free", model: "METERED", basePrice: 0n }), wallet("free"), period, at),
    ).toBeUndefined();
    expect(
      prorationLine(plan({ code: "p", model: "METERED" }), wallet("p"), period, new Date(period.end)),
    ).toBeUndefined();
  });
});
