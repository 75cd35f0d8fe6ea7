import { describe, expect, it } from "vitest";
import { metered } from "../../../core/models/metered";
import { MAX_SUM } from "../../../core/bounds";
import { SCALE, units } from "../../../core/money";
import { metered as feature, plan, wallet } from "./fixtures";

const calls = feature("calls", { included: units(100), overagePrice: units(2), limit: units(1000) });
const seats = feature("seats", { included: units(10), overagePrice: units(5) });
const pro = plan({ code: "pro", model: "METERED", features: [calls, seats, { feature: "sso", kind: "BOOLEAN" }] });

describe("METERED", () => {
  describe("the plan", () => {
    it("takes included, overagePrice, limit, tiers, tierMode and packageSize on a feature and no plan-level option", () => {
      expect(metered.planOptions).toEqual([]);
      expect(metered.planTerms({ includedCredits: null } as never)).toEqual({});
      expect(metered.featureFields).toEqual(["included", "overagePrice", "limit", "tiers", "tierMode", "packageSize"]);
    });

    it("requires an overage price, and reads a missing included as 0", () => {
      const on = { kind: "METERED" as const, at: "input.features[0]", currency: "USD" };
      expect(() => metered.validateFeature({ feature: "calls" }, on)).toThrow(
        "input.features[0].overagePrice is required on METERED plans",
      );
      expect(metered.validateFeature({ feature: "calls", overagePrice: units(2) }, on)).toEqual({
        feature: "calls",
        kind: "METERED",
        included: 0n,
        overagePrice: units(2),
      });
    });

    it("refuses a limit of 0 or below what is included", () => {
      const on = { kind: "METERED" as const, at: "input.features[1]", currency: "USD" };
      const input = { feature: "calls", included: units(100), overagePrice: units(2) };
      expect(() => metered.validateFeature({ ...input, limit: 0n }, on)).toThrow(
        "input.features[1].limit must be greater than zero",
      );
      expect(() => metered.validateFeature({ ...input, limit: units(99) }, on)).toThrow(
        "input.features[1].limit must not be below input.features[1].included (100)",
      );
      expect(metered.validateFeature({ ...input, limit: units(100) }, on)).toEqual({
        ...input,
        kind: "METERED",
        limit: units(100),
      });
    });
  });

  describe("a usage", () => {
    it("is priced as units only, with a guard at the hard limit when the feature has one", () => {
      expect(metered.price(pro, calls, { quantity: units(3) })).toEqual({
        feature: "calls",
        quantity: units(3),
        guards: [{ kind: "limit", feature: "calls", atMost: units(997) }],
      });
      expect(metered.price(pro, seats, { quantity: units(3) })).toEqual({
        feature: "seats",
        quantity: units(3),
        guards: [],
      });
    });

    it("may reach the usage whose overage stays within the running sums' bound", () => {
      expect(metered.usageCeiling(calls)).toBe(units(100) + (MAX_SUM * SCALE) / units(2));
      expect(metered.usageCeiling(feature("free", { overagePrice: 0n }))).toBe(MAX_SUM);
    });

    it("adds to the bill only the part beyond what is left of included, at the overage price", () => {
      const charge = metered.price(pro, calls, { quantity: units(30) });
      expect(metered.addedCost(wallet("pro", { usage: { calls: units(60) } }), calls, charge)).toBeUndefined();
      expect(metered.addedCost(wallet("pro", { usage: { calls: units(90) } }), calls, charge)).toBe(units(40));
      expect(metered.addedCost(wallet("pro", { usage: { calls: units(150) } }), calls, charge)).toBe(units(60));
    });

    it("crosses nothing to announce", () => {
      expect(metered.crossings(wallet("pro"), wallet("pro", { usage: { calls: units(500) } }))).toEqual([]);
    });
  });

  describe("what the customer sees", () => {
    const used = wallet("pro", { usage: { calls: units(120), seats: units(4) } });

    it("shows used, included, what is left of it and what the next unit costs", () => {
      expect(metered.entitlementView(used, pro, calls)).toEqual({
        used: units(120),
        included: units(100),
        remaining: 0n,
        unitPrice: calls.overagePrice,
      });
      expect(metered.entitlementView(used, pro, seats)).toEqual({
        used: units(4),
        included: units(10),
        remaining: units(6),
        unitPrice: 0n,
      });
    });

    it("shows each feature's overage and what it costs so far", () => {
      expect(metered.usageView(used, calls)).toEqual({
        feature: "calls",
        used: units(120),
        included: units(100),
        overage: units(20),
        cost: units(40),
      });
      expect(metered.usageView(used, seats)).toEqual({
        feature: "seats",
        used: units(4),
        included: units(10),
        overage: 0n,
        cost: 0n,
      });
    });

    it("shows no credit or money field, only purchases the customer still holds from another plan", () => {
      expect(metered.walletView(wallet("pro"))).toEqual({});
      expect(metered.walletView(wallet("pro", { credits: units(50), purchasedCredits: units(50) }))).toEqual({
        purchasedCredits: units(50),
      });
      expect(metered.walletView(wallet("pro", { topUps: units(7), balance: units(7) }))).toEqual({ topUps: units(7) });
    });
  });

  describe("periods", () => {
    it("grants no credits and no allowance (what it includes is per feature)", () => {
      expect(metered.grant(pro)).toEqual({ planCredits: 0n, allowance: 0n });
    });

    it("has the least share of included units left over its features as grant left", () => {
      expect(metered.grantLeft(wallet("pro", { usage: { calls: units(25), seats: units(5) } }), pro)).toEqual({
        num: units(5),
        den: units(10),
      });
      expect(metered.grantLeft(wallet("pro", { usage: { calls: units(250) } }), pro)).toEqual({
        num: 0n,
        den: units(100),
      });
      expect(metered.grantLeft(wallet("pro"), plan({ code: "none", model: "METERED", features: [feature("x")] }))).toBe(
        undefined,
      );
    });

    it("bills each feature beyond its included units, then a voided top-up already spent", () => {
      const closing = wallet("pro", {
        usage: { calls: units(130), seats: units(10) },
        topUps: -units(3),
        balance: -units(3),
      });
      expect(metered.overage(closing, pro)).toEqual([
        { description: "calls beyond the included units", feature: "calls", quantity: units(30), unitPrice: units(2) },
        { description: "Voided top-up already spent", quantity: SCALE, unitPrice: units(3) },
      ]);
    });
  });

  it("sells neither credit packs nor top-ups", () => {
    expect(metered.sells).toEqual([]);
  });
});
