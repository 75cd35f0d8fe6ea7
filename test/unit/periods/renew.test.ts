import { describe, expect, it } from "vitest";
import { renewWallet } from "../../../core/periods/renew";
import { units } from "../../../core/money";
import { metered as feature, plan, subscription, wallet } from "../models/fixtures";

const images = feature("images", { creditsPerUnit: units(5) });
const starter = plan({ code: "starter", model: "CREDITS", includedCredits: units(100), features: [images] });
const payg = plan({
  code: "payg",
  model: "BALANCE",
  basePrice: units(20),
  features: [feature("api", { unitPrice: units(1) })],
});

/** A CREDITS wallet at the end of its first period: 60 of 100 plan credits used, 30 purchased left. */
const closing = wallet("starter", {
  version: 7,
  subscription: subscription("starter", {
    anchor: "2026-01-31T10:00:00.000Z",
    periodStart: "2026-01-31T10:00:00.000Z",
    periodEnd: "2026-02-28T10:00:00.000Z",
  }),
  usage: { images: units(12) },
  featureCredits: { images: units(60) },
  planCredits: units(100),
  creditsUsed: units(60),
  purchasedCredits: units(30),
  credits: units(70),
  accountCredit: units(4),
});

describe("renewWallet: what a period close does to the wallet", () => {
  it("renews the same plan from the anchor: usage restarts, plan credits are granted afresh, purchased ones carry", () => {
    expect(renewWallet(closing, starter, starter)).toEqual({
      customerId: "acme",
      version: 7,
      subscription: subscription("starter", {
        anchor: "2026-01-31T10:00:00.000Z",
        periodIndex: 1,
        periodStart: "2026-02-28T10:00:00.000Z",
        periodEnd: "2026-03-31T10:00:00.000Z",
      }),
      usage: {},
      featureCost: {},
      featureCredits: {},
      planCredits: units(100),
      creditsUsed: 0n,
      purchasedCredits: units(30),
      credits: units(130),
      allowance: 0n,
      topUps: 0n,
      spent: 0n,
      balance: 0n,
      accountCredit: units(4),
      creditGrants: [],
      heldCredits: 0n,
      heldAmount: 0n,
      heldUsage: {},
      holdsMade: 0,
    });
  });

  it("starts the plan scheduled for this renewal on a fresh anchor, with its own grant, and clears the schedule", () => {
    const scheduled = { ...closing, subscription: { ...closing.subscription!, scheduledPlanCode: "payg" } };
    const renewed = renewWallet(scheduled, starter, payg);
    expect(renewed.subscription).toEqual(
      subscription("payg", {
        anchor: "2026-02-28T10:00:00.000Z",
        periodIndex: 0,
        periodStart: "2026-02-28T10:00:00.000Z",
        periodEnd: "2026-03-28T10:00:00.000Z",
      }),
    );
    expect(renewed).toMatchObject({
      planCredits: 0n,
      purchasedCredits: units(30),
      credits: units(30),
      allowance: units(20),
      balance: units(20),
    });
  });

  it("ends a subscription set to cancel at period end: nothing is granted, what was bought carries", () => {
    const canceling = { ...closing, subscription: { ...closing.subscription!, cancelAtPeriodEnd: true } };
    const ended = renewWallet(canceling, starter, starter);
    expect(ended.subscription).toEqual({ ...closing.subscription, status: "CANCELED", cancelAtPeriodEnd: false });
    expect(ended).toMatchObject({
      usage: {},
      planCredits: 0n,
      purchasedCredits: units(30),
      credits: units(30),
      allowance: 0n,
    });
    expect(renewWallet(closing, starter, undefined)).toEqual(ended);
  });

  it("carries a money debt's unbilled part as nothing: the close bills what the top-ups did not cover", () => {
    // Allowance 20, top-ups 5, spent 31: 6 beyond both, billed as overage at this close.
    const over = wallet("payg", { allowance: units(20), topUps: units(5), spent: units(31), balance: -units(6) });
    expect(renewWallet(over, payg, payg)).toMatchObject({
      allowance: units(20),
      topUps: 0n,
      spent: 0n,
      balance: units(20),
    });
    // Top-ups left over carry: 10 bought, 4 spent beyond the allowance.
    const left = wallet("payg", { allowance: units(20), topUps: units(10), spent: units(24), balance: units(6) });
    expect(renewWallet(left, payg, payg)).toMatchObject({ topUps: units(6), balance: units(26) });
  });

  it("carries a credit debt (a voided pack already spent) into the next grant, which repays it", () => {
    // All 100 plan credits used, and a voided pack of 50 of which 20 were spent: 20 owed.
    const owing = { ...closing, creditsUsed: units(100), purchasedCredits: -units(20), credits: -units(20) };
    expect(renewWallet(owing, starter, starter)).toMatchObject({
      planCredits: units(100),
      purchasedCredits: -units(20),
      credits: units(80),
    });
  });
});
