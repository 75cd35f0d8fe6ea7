/** CREDITS: each unit burns `creditsPerUnit`; plan credits go first, then purchased ones; empty blocks. */
import { multiply } from "../money";
import { planCreditsLeft } from "../wallet";
import type { ConsumptionStrategy } from "./types";
import { topUpDebt } from "./debt";

export const credits: ConsumptionStrategy = {
  price(_plan, feature, usage) {
    const burn = multiply(usage.quantity, feature.creditsPerUnit ?? 0n);
    return {
      feature: feature.feature,
      quantity: usage.quantity,
      credits: burn,
      guards: [{ kind: "credits", atLeast: burn }],
    };
  },
  view(wallet, _plan, feature) {
    return { used: wallet.usage[feature.feature] ?? 0n, credits: wallet.credits };
  },
  /** Credits are prepaid and usage blocks when they run out: nothing is owed at close but a debt in money. */
  overage: (wallet) => topUpDebt(wallet),
  /** Plan credits left / plan credits granted this period (purchased credits are not the plan's grant). */
  grantLeft: (wallet) =>
    wallet.planCredits > 0n ? { num: planCreditsLeft(wallet), den: wallet.planCredits } : undefined,
};
