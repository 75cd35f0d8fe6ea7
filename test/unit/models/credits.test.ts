import { describe, expect, it } from "vitest";
import { credits } from "../../../core/models/credits";
import { MAX_SUM } from "../../../core/bounds";
import { SCALE, units } from "../../../core/money";
import { metered as feature, plan, wallet } from "./fixtures";

const images = feature("images", { creditsPerUnit: units(10) });
const starter = plan({ code: "starter", model: "CREDITS", includedCredits: units(100), features: [images] });

describe("CREDITS", () => {
  describe("the plan", () => {
    it("takes includedCredits (0 when not given) and creditsPerUnit on a feature", () => {
      expect(credits.planOptions).toEqual(["includedCredits"]);
      expect(credits.planTerms({ includedCredits: units(100) } as never)).toEqual({ includedCredits: units(100) });
      expect(credits.planTerms({ includedCredits: null } as never)).toEqual({ includedCredits: 0n });
      expect(credits.featureFields).toEqual(["creditsPerUnit"]);
    });

    it("requires credits per unit", () => {
      const on = { kind: "METERED" as const, at: "input.features[2]", currency: "USD" };
      expect(() => credits.validateFeature({ feature: "images" }, on)).toThrow(
        "input.features[2].creditsPerUnit is required on CREDITS plans",
      );
      expect(credits.validateFeature({ feature: "images", creditsPerUnit: units(10) }, on)).toEqual({
        feature: "images",
        kind: "METERED",
        creditsPerUnit: units(10),
      });
    });
  });

  describe("a usage", () => {
    it("burns creditsPerUnit per unit and needs that many credits", () => {
      expect(credits.price(starter, images, { quantity: units(3) })).toEqual({
        feature: "images",
        quantity: units(3),
        credits: units(30),
        guards: [{ kind: "credits", atLeast: units(30) }],
      });
      expect(credits.usageCeiling(images)).toBe(MAX_SUM);
    });

    it("adds nothing to the bill in money", () => {
      const charge = credits.price(starter, images, { quantity: units(3) });
      expect(credits.addedCost(wallet("starter", { credits: units(100) }), images, charge)).toBeUndefined();
    });

    it("announces credits running out, once: from above zero to zero or below", () => {
      expect(credits.crossings(wallet("starter", { credits: units(30) }), wallet("starter", { credits: 0n }))).toEqual([
        { kind: "CREDITS_DEPLETED" },
      ]);
      expect(credits.crossings(wallet("starter", { credits: units(30) }), wallet("starter", { credits: 1n }))).toEqual(
        [],
      );
      expect(credits.crossings(wallet("starter", { credits: 0n }), wallet("starter", { credits: -units(5) }))).toEqual(
        [],
      );
    });
  });

  describe("what the customer sees", () => {
    // 100 plan credits granted, 70 used; 50 purchased: 80 left, of which 30 are the plan's.
    const spent = wallet("starter", {
      usage: { images: units(7) },
      featureCredits: { images: units(70) },
      planCredits: units(100),
      creditsUsed: units(70),
      purchasedCredits: units(50),
      credits: units(80),
    });

    it("shows the credits left to spend now", () => {
      expect(credits.entitlementView(spent, starter, images)).toEqual({ used: units(7), credits: units(80) });
      expect(credits.usageView(spent, images)).toEqual({ feature: "images", used: units(7), credits: units(70) });
    });

    it("shows each credit pool, and top-ups only while some are held", () => {
      expect(credits.walletView(spent)).toEqual({
        credits: units(80),
        planCredits: units(30),
        planCreditsGranted: units(100),
        grantedCredits: 0n,
        purchasedCredits: units(50),
        heldCredits: 0n,
      });
      expect(credits.walletView({ ...spent, topUps: units(4), balance: units(4) })).toMatchObject({ topUps: units(4) });
    });
  });

  describe("periods", () => {
    it("grants the plan's included credits each period, and no allowance", () => {
      expect(credits.grant(starter)).toEqual({ planCredits: units(100), allowance: 0n });
      expect(credits.grant({ ...starter, includedCredits: undefined })).toEqual({ planCredits: 0n, allowance: 0n });
    });

    it("has plan credits left over plan credits granted as grant left (purchased ones are not the plan's)", () => {
      const used = wallet("starter", { planCredits: units(100), creditsUsed: units(70), credits: units(80) });
      expect(credits.grantLeft(used, starter)).toEqual({ num: units(30), den: units(100) });
      expect(credits.grantLeft(wallet("starter", { credits: units(50) }), starter)).toBeUndefined();
    });

    it("bills no overage (credits block), only a voided top-up already spent", () => {
      expect(credits.overage(wallet("starter", { credits: -units(20) }), starter)).toEqual([]);
      expect(credits.overage(wallet("starter", { topUps: -units(3), balance: -units(3) }), starter)).toEqual([
        { description: "Voided top-up already spent", quantity: SCALE, unitPrice: units(3) },
      ]);
    });
  });

  it("sells credit packs", () => {
    expect(credits.sells).toEqual(["CREDIT_PACK"]);
  });
});
