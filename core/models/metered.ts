/** METERED: usage adds to the period's counter; overage is billed at close; a hard `limit` blocks. */
import { max } from "../money";
import type { ConsumptionStrategy } from "./types";

export const metered: ConsumptionStrategy = {
  price(_plan, feature, usage) {
    const guards =
      feature.limit === undefined
        ? []
        : [{ kind: "limit" as const, feature: feature.feature, atMost: feature.limit - usage.quantity }];
    return { feature: feature.feature, quantity: usage.quantity, guards };
  },
  view(wallet, _plan, feature) {
    const used = wallet.usage[feature.feature] ?? 0n;
    const included = feature.included ?? 0n;
    return { used, included, remaining: max(0n, included - used) };
  },
  overage(wallet, plan) {
    return plan.features
      .filter((f) => f.kind === "METERED")
      .map((f) => ({
        feature: f.feature,
        over: max(0n, (wallet.usage[f.feature] ?? 0n) - (f.included ?? 0n)),
        unitPrice: f.overagePrice ?? 0n,
      }))
      .filter((o) => o.over > 0n)
      .map((o) => ({
        description: `${o.feature} beyond the included units`,
        feature: o.feature,
        quantity: o.over,
        unitPrice: o.unitPrice,
      }));
  },
};
