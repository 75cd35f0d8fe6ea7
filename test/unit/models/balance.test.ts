import { describe, expect, it } from "vitest";
import { balance } from "../../../core/models/balance";
import { MAX_SUM } from "../../../core/bounds";
import { parseMoney, parseQuantity, SCALE, units } from "../../../core/money";
import { metered as feature, plan, wallet } from "./fixtures";

const api = feature("api", { pricing: "FIXED", unitPrice: parseMoney("0.25") });
const chat = feature("chat", { pricing: "AI_MODEL", marginBps: 2000 });
const payg = plan({ code: "payg", model: "BALANCE", basePrice: units(20), features: [api, chat] });
const blocking = { ...payg, blockOnExhaustion: true };

describe("BALANCE", () => {
  describe("the plan", () => {
    it("takes blockOnExhaustion, and pricing, unitPrice, marginBps and packageSize on a feature", () => {
      expect(balance.planOptions).toEqual(["blockOnExhaustion"]);
      expect(balance.planTerms({ blockOnExhaustion: true } as never)).toEqual({});
      expect(balance.featureFields).toEqual(["pricing", "unitPrice", "marginBps", "packageSize"]);
    });

    it("prices FIXED (the default) by a unit price, without a margin", () => {
      const on = { kind: "METERED" as const, at: "input.features[0]", currency: "EUR" };
      expect(balance.validateFeature({ feature: "api", unitPrice: units(1) }, on)).toEqual({
        feature: "api",
        kind: "METERED",
        pricing: "FIXED",
        unitPrice: units(1),
      });
      expect(() => balance.validateFeature({ feature: "api" }, on)).toThrow(
        "input.features[0].unitPrice is required for FIXED pricing",
      );
      expect(() => balance.validateFeature({ feature: "api", unitPrice: units(1), marginBps: 10 }, on)).toThrow(
        "input.features[0].marginBps applies to AI_MODEL pricing only",
      );
    });

    it("prices AI_MODEL by the catalog plus a margin (0 by default), in the catalog's currency only", () => {
      const on = { kind: "METERED" as const, at: "input.features[1]", currency: "USD" };
      expect(balance.validateFeature({ feature: "chat", pricing: "AI_MODEL" }, on)).toEqual({
        feature: "chat",
        kind: "METERED",
        pricing: "AI_MODEL",
        marginBps: 0,
      });
      expect(() => balance.validateFeature({ feature: "chat", pricing: "AI_MODEL", unitPrice: units(1) }, on)).toThrow(
        "input.features[1].unitPrice does not apply to AI_MODEL pricing (it takes marginBps)",
      );
      expect(() =>
        balance.validateFeature({ feature: "chat", pricing: "AI_MODEL" }, { ...on, currency: "EUR" }),
      ).toThrow("input.features[1].pricing AI_MODEL needs a plan in USD, the AI model catalog's currency");
    });
  });

  describe("a usage", () => {
    it("costs quantity x unit price, and is refused below zero only when the plan blocks", () => {
      expect(balance.price(payg, api, { quantity: units(8) })).toEqual({
        feature: "api",
        quantity: units(8),
        cost: units(2),
        guards: [],
      });
      expect(balance.price(blocking, api, { quantity: units(8) }).guards).toEqual([
        { kind: "balance", atLeast: units(2) },
      ]);
    });

    it.each([
      ["0.03 per 1,000 units, 1 unit", "0.03", "1000", "1", "0.00003"],
      ["0.03 per 1,000 units, 50,001 units: no rounding to whole packages", "0.03", "1000", "50001", "1.50003"],
      ["1 per 3 units, 3 units: one division of the whole product", "1", "3", "3", "1"],
      ["1 per 3 units, 1 unit: a remainder below 10^-12 rounds like multiply", "1", "3", "1", "0.333333333333"],
      ["5 per 0.5 unit, 0.25 unit", "5", "0.5", "0.25", "2.5"],
    ])("with packageSize, costs quantity x unitPrice / packageSize: %s", (_, price, size, quantity, cost) => {
      const packed = feature("api", {
        pricing: "FIXED",
        unitPrice: parseMoney(price),
        packageSize: parseQuantity(size),
      });
      expect(balance.price(payg, packed, { quantity: parseQuantity(quantity) }).cost).toBe(parseMoney(cost));
    });

    it("takes packageSize on FIXED pricing only, above zero", () => {
      const on = { kind: "METERED" as const, at: "input.features[0]", currency: "USD" };
      expect(balance.validateFeature({ feature: "api", unitPrice: units(1), packageSize: units(1000) }, on)).toEqual({
        feature: "api",
        kind: "METERED",
        pricing: "FIXED",
        unitPrice: units(1),
        packageSize: units(1000),
      });
      expect(() => balance.validateFeature({ feature: "api", unitPrice: units(1), packageSize: 0n }, on)).toThrow(
        "input.features[0].packageSize must be greater than zero",
      );
      expect(() =>
        balance.validateFeature({ feature: "chat", pricing: "AI_MODEL", packageSize: units(1000) }, on),
      ).toThrow("input.features[0].packageSize applies to FIXED pricing only");
    });

    it("checked without a model (AI_MODEL), costs nothing but needs a balance above zero on a blocking plan", () => {
      expect(balance.price(blocking, chat, { quantity: units(1) })).toEqual({
        feature: "chat",
        quantity: units(1),
        cost: 0n,
        guards: [{ kind: "balance", atLeast: 1n }],
      });
    });

    it("adds its cost to the bill, whatever is left of the balance", () => {
      const charge = balance.price(payg, api, { quantity: units(8) });
      expect(balance.usageCeiling(api)).toBe(MAX_SUM);
      expect(balance.addedCost(wallet("payg", { balance: -units(5) }), api, charge)).toBe(units(2));
    });

    it("announces the balance turning negative, with the balance: from zero or above to below zero", () => {
      expect(balance.crossings(wallet("payg", { balance: 0n }), wallet("payg", { balance: -units(2) }))).toEqual([
        { kind: "BALANCE_NEGATIVE", balance: -units(2) },
      ]);
      expect(balance.crossings(wallet("payg", { balance: units(3) }), wallet("payg", { balance: units(1) }))).toEqual(
        [],
      );
      expect(balance.crossings(wallet("payg", { balance: -units(1) }), wallet("payg", { balance: -units(3) }))).toEqual(
        [],
      );
    });
  });

  describe("what the customer sees", () => {
    // Allowance 20, top-ups 10, spent 26: the allowance is gone, 4 of the top-ups are left.
    const spent = wallet("payg", {
      usage: { api: units(104) },
      featureCost: { api: units(26) },
      allowance: units(20),
      topUps: units(10),
      spent: units(26),
      balance: units(4),
    });

    it("shows the balance left to spend now", () => {
      expect(balance.entitlementView(spent, payg, api)).toEqual({ used: units(104), balance: units(4) });
      expect(balance.usageView(spent, api)).toEqual({ feature: "api", used: units(104), cost: units(26) });
    });

    it("shows each money pool and the overage, and purchased credits only while some are held", () => {
      expect(balance.walletView(spent)).toEqual({
        balance: units(4),
        allowance: 0n,
        allowanceGranted: units(20),
        topUps: units(4),
        spent: units(26),
        overage: 0n,
        heldAmount: 0n,
      });
      const over = { ...spent, spent: units(35), balance: -units(5), credits: units(5), purchasedCredits: units(5) };
      expect(balance.walletView(over)).toEqual({
        purchasedCredits: units(5),
        balance: -units(5),
        allowance: 0n,
        allowanceGranted: units(20),
        topUps: 0n,
        spent: units(35),
        overage: units(5),
        heldAmount: 0n,
      });
    });
  });

  describe("periods", () => {
    it("grants the base price as the period's allowance, and no credits", () => {
      expect(balance.grant(payg)).toEqual({ planCredits: 0n, allowance: units(20) });
    });

    it("has allowance left over allowance granted as grant left (top-ups are not the plan's)", () => {
      const used = wallet("payg", { allowance: units(20), topUps: units(10), spent: units(5), balance: units(25) });
      expect(balance.grantLeft(used, payg)).toEqual({ num: units(15), den: units(20) });
      expect(balance.grantLeft(wallet("payg", { topUps: units(10), balance: units(10) }), payg)).toBeUndefined();
    });

    it("bills spend beyond the allowance and the top-ups as one line", () => {
      const over = wallet("payg", { allowance: units(20), topUps: units(10), spent: units(36), balance: -units(6) });
      expect(balance.overage(over, payg)).toEqual([
        { description: "Usage beyond the balance", quantity: SCALE, unitPrice: units(6) },
      ]);
      expect(balance.overage(wallet("payg", { allowance: units(20), spent: units(20) }), payg)).toEqual([]);
    });
  });

  it("sells top-ups", () => {
    expect(balance.sells).toEqual(["TOP_UP"]);
  });
});
