/** CREDITS: each unit burns `creditsPerUnit`; plan credits go first, then purchased ones; empty blocks. */
import { multiply } from "../money";
import type { ConsumptionStrategy } from "./types";

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
  /** Credits are prepaid and usage blocks when they run out: nothing is owed at close. */
  overage: () => [],
};
