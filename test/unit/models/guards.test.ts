import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyCharge, combinedGuards, denial, priceUsage, type Charge, type Guard } from "../../../core/models";
import { MAX_SUM } from "../../../core/bounds";
import { units } from "../../../core/money";
import { metered as feature, plan, wallet } from "./fixtures";

const calls = feature("calls", { included: units(10), overagePrice: 0n, limit: units(100) });
const api = feature("api", { pricing: "FIXED", unitPrice: units(2) });
const images = feature("images", { creditsPerUnit: units(5) });

describe("the guards of a batch, combined into one condition", () => {
  it("sums what the charges need: credits, and a blocking balance", () => {
    const creditPlan = plan({ code: "c", model: "CREDITS", features: [images] });
    const charges = [3, 4].map((n) => priceUsage(creditPlan, images, { quantity: units(n) }));
    expect(combinedGuards(charges).filter((g) => g.kind === "credits")).toEqual([
      { kind: "credits", atLeast: units(35) },
    ]);
    const blocking = plan({ code: "b", model: "BALANCE", blockOnExhaustion: true, features: [api] });
    const spends = [1, 2].map((n) => priceUsage(blocking, api, { quantity: units(n) }));
    expect(combinedGuards(spends)).toEqual([
      { kind: "balance", atLeast: units(6) },
      { kind: "spent", atMost: MAX_SUM - units(6), ceiling: true },
      { kind: "limit", feature: "api", atMost: MAX_SUM - units(3) },
    ]);
  });

  it("keeps each feature's tightest limit, less the batch's own usage of that feature", () => {
    const meteredPlan = plan({
      code: "m",
      model: "METERED",
      features: [calls, feature("seats", { overagePrice: 0n })],
    });
    const charges = [
      priceUsage(meteredPlan, calls, { quantity: units(30) }),
      priceUsage(meteredPlan, feature("seats", { overagePrice: 0n }), { quantity: units(2) }),
      priceUsage(meteredPlan, calls, { quantity: units(20) }),
    ];
    expect(combinedGuards(charges)).toEqual([
      { kind: "limit", feature: "calls", atMost: units(50) },
      { kind: "limit", feature: "seats", atMost: MAX_SUM - units(2) },
    ]);
  });

  it("is no guard at all for no charge", () => {
    expect(combinedGuards([])).toEqual([]);
  });

  it("accepts a wallet exactly when checking each charge of one plan in turn, on the wallet each leaves, would", () => {
    const amount = fc.bigInt({ min: 0n, max: 50n }).map((n) => units(n));
    // What a plan decides: how usage is paid for, whether money blocks, each feature's hard limit.
    const terms = fc.record({
      pays: fc.constantFrom("units" as const, "credits" as const, "money" as const),
      blocking: fc.boolean(),
      limits: fc.record({ a: fc.option(fc.bigInt({ min: 0n, max: 200n }).map(units), { nil: undefined }) }),
    });
    const usage = fc.record({ feature: fc.constantFrom("a", "b"), quantity: amount, amount });
    type Terms = { pays: "units" | "credits" | "money"; blocking: boolean; limits: { a?: bigint } };
    type UsageOf = { feature: "a" | "b"; quantity: bigint; amount: bigint };
    /** A charge guards exactly what it consumes, as every model's price does. */
    const chargeOf = (t: Terms, u: UsageOf): Charge => {
      const limit = u.feature === "a" ? t.limits.a : undefined;
      const guards: Guard[] = [
        ...(t.pays === "credits" ? [{ kind: "credits" as const, atLeast: u.amount }] : []),
        ...(t.pays === "money" && t.blocking ? [{ kind: "balance" as const, atLeast: u.amount }] : []),
        ...(t.pays === "money"
          ? [{ kind: "spent" as const, atMost: units(400) - u.amount, ceiling: true as const }]
          : []),
        ...(limit !== undefined ? [{ kind: "limit" as const, feature: u.feature, atMost: limit - u.quantity }] : []),
      ];
      const consumes = t.pays === "credits" ? { credits: u.amount } : t.pays === "money" ? { cost: u.amount } : {};
      return { feature: u.feature, quantity: u.quantity, ...consumes, guards };
    };
    const start = fc
      .record({ a: amount, b: amount, credits: amount, balance: amount, spent: amount })
      .map(({ a, b, credits, balance, spent }) => wallet("p", { usage: { a, b }, credits, balance, spent }));
    fc.assert(
      fc.property(start, terms, fc.array(usage, { maxLength: 6 }), (before, t, usages) => {
        const charges = usages.map((u) => chargeOf(t, u));
        let each = true;
        let w = before;
        for (const c of charges) {
          if (denial(w, c)) each = false;
          w = applyCharge(w, c);
        }
        expect(denial(before, { feature: "a", quantity: 0n, guards: combinedGuards(charges) }) === null).toBe(each);
      }),
      { numRuns: 3000 },
    );
  });
});
