/** METERED: usage adds to the period's counter; overage is billed at close; a hard `limit` blocks. */
import { max, min } from "../money";
import type { ConsumptionStrategy, Ratio } from "./types";
import { topUpDebt } from "./debt";

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
    const usage = plan.features
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
    return [...usage, ...topUpDebt(wallet)];
  },
  /** The smallest 1 - used/included over the features that include units, clamped to 0..1. */
  grantLeft(wallet, plan) {
    let least: Ratio | undefined;
    for (const f of plan.features) {
      const included = f.kind === "METERED" ? (f.included ?? 0n) : 0n;
      if (included <= 0n) continue;
      const left = { num: min(included, max(0n, included - (wallet.usage[f.feature] ?? 0n))), den: included };
      if (!least || left.num * least.den < least.num * left.den) least = left;
    }
    return least;
  },
};
