/** CREDITS: each unit burns `creditsPerUnit`; plan credits go first, then purchased ones; empty blocks. */
import { MAX_SUM } from "../bounds";
import { DomainError } from "../errors";
import { max, min, multiply } from "../money";
import {
  grantCreditsLeft,
  heldPurchases,
  planCreditsLeft,
  purchasedCreditsLeft,
  usedOf,
  withoutHolds,
} from "../wallet";
import { topUpDebt } from "./debt";
import { creditsGranted } from "../alerts/granted";
import { lowFunds } from "../alerts/low-funds";
import type { ConsumptionStrategy } from "./types";

export const credits: ConsumptionStrategy = {
  model: "CREDITS",

  planOptions: ["includedCredits"],
  planTerms: (input) => ({ includedCredits: input.includedCredits ?? 0n }),
  featureFields: ["creditsPerUnit"],
  validateFeature(f, { kind, at }) {
    if (f.creditsPerUnit == null)
      throw new DomainError("BAD_USER_INPUT", `${at}.creditsPerUnit is required on CREDITS plans`);
    return { feature: f.feature, kind, creditsPerUnit: f.creditsPerUnit };
  },

  price(_plan, feature, usage) {
    const burn = multiply(usage.quantity, feature.creditsPerUnit ?? 0n);
    return {
      feature: feature.feature,
      quantity: usage.quantity,
      credits: burn,
      guards: [{ kind: "credits", atLeast: burn }],
    };
  },
  // Credits never owe overage: their own guard already stops a trial at zero.
  trialGuards: () => [],
  /**
   * The work is done: what the hold and the credits left cover is burned, the rest is capped. The
   * same in a free trial: credits block anyway.
   */
  settle(wallet, _plan, actual, held) {
    const wanted = actual.credits ?? 0n;
    const charged = min(wanted, held.credits + max(0n, wallet.credits));
    const extra = charged - held.credits;
    return {
      charge: { ...actual, credits: charged, guards: extra > 0n ? [{ kind: "credits", atLeast: extra }] : [] },
      capped: charged < wanted,
    };
  },
  usageCeiling: () => MAX_SUM,
  /** Credits are not money: a credit-priced usage adds nothing to the bill. */
  addedCost: () => undefined,
  crossings: (before, after) => (before.credits > 0n && after.credits <= 0n ? [{ kind: "CREDITS_DEPLETED" }] : []),
  /** credits.low: credits left fall to 10% of what the period granted plus what was bought. */
  thresholds: (_plan, wallet, periodStart) => lowFunds("credits", creditsGranted(wallet), periodStart),

  /** What is left to spend now, whichever feature spends it. */
  entitlementView: (wallet, _plan, f) => ({ used: usedOf(wallet, f.feature), credits: wallet.credits }),
  /** What this feature burned this period. */
  usageView: (wallet, f) => ({
    feature: f.feature,
    used: usedOf(wallet, f.feature),
    credits: wallet.featureCredits[f.feature] ?? 0n,
  }),
  walletView: (wallet) => ({
    ...heldPurchases(wallet),
    credits: wallet.credits,
    planCredits: planCreditsLeft(wallet),
    planCreditsGranted: wallet.planCredits,
    grantedCredits: grantCreditsLeft(wallet),
    purchasedCredits: purchasedCreditsLeft(wallet),
    heldCredits: wallet.heldCredits,
  }),

  grant: (plan) => ({ planCredits: plan.includedCredits ?? 0n, allowance: 0n }),
  addOnGrant: (plan, _feature, grant) => ({ ...plan, includedCredits: (plan.includedCredits ?? 0n) + grant }),
  /** Plan credits left / plan credits granted this period (purchased credits are not the plan's grant). */
  grantLeft: (held) => {
    // What open reservations hold is not used: they carry into the next period (core/README.md).
    const wallet = withoutHolds(held);
    return wallet.planCredits > 0n ? { num: planCreditsLeft(wallet), den: wallet.planCredits } : undefined;
  },
  /** Credits are prepaid and usage blocks when they run out: nothing is owed at close but a debt in money. */
  overage: (wallet) => topUpDebt(wallet),

  sells: ["CREDIT_PACK"],
};
