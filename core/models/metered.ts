/** METERED: usage adds to the period's counter; overage is billed at close; a hard `limit` blocks. */
import { DomainError } from "../errors";
import { formatDecimal, max, min, type Amount } from "../money";
import { planFeatureOf, type PlanFeature } from "../plans/plan";
import { committedOf, heldPurchases, NO_GRANT, usedOf } from "../wallet";
import { topUpDebt } from "./debt";
import { nextUnitPrice, overageCharges, overageCost, overageUsageCeiling } from "./overage-pricing";
import { overageTerms } from "./overage-terms";
import type { ConsumptionStrategy, Ratio } from "./types";
import { percentOf, periodArming, type Threshold } from "../alerts/threshold";

const overOf = (feature: PlanFeature, used: Amount): Amount => max(0n, used - (feature.included ?? 0n));
const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export const metered: ConsumptionStrategy = {
  model: "METERED",

  planOptions: [],
  planTerms: () => ({}),
  featureFields: ["included", "overagePrice", "limit", "tiers", "tierMode", "packageSize"],
  validateFeature(f, { kind, at }) {
    const pricing = overageTerms(f, at);
    const included = f.included ?? 0n;
    // A limit refuses usage beyond it: 0 would refuse everything, below included would hide units sold.
    if (f.limit != null && f.limit <= 0n) throw bad(`${at}.limit must be greater than zero`);
    if (f.limit != null && f.limit < included)
      throw bad(`${at}.limit must not be below ${at}.included (${formatDecimal(included)})`);
    return {
      feature: f.feature,
      kind,
      included,
      ...pricing,
      ...(f.limit != null ? { limit: f.limit } : {}),
    };
  },

  price(_plan, feature, usage) {
    const guards =
      feature.limit === undefined
        ? []
        : [{ kind: "limit" as const, feature: feature.feature, atMost: feature.limit - usage.quantity }];
    return { feature: feature.feature, quantity: usage.quantity, guards };
  },
  trialGuards: (feature, charge) => [
    { kind: "limit", feature: feature.feature, atMost: (feature.included ?? 0n) - charge.quantity },
  ],
  /**
   * The work is done: all of it is counted, even beyond a hard limit (the limit refuses new work,
   * at reserve and track; units already consumed are billed as overage like any other). A free
   * trial bills no overage: only the units the hold and what is left of `included` cover are
   * counted (the stored counter holds every open hold's units), the rest is capped; the event still
   * records all of them.
   */
  settle(wallet, plan, actual, held, trial) {
    if (!trial) return { charge: { ...actual, guards: [] }, capped: false };
    const included = planFeatureOf(plan, actual.feature)?.included ?? 0n;
    const counted = min(actual.quantity, held.quantity + max(0n, included - committedOf(wallet, actual.feature)));
    const extra = counted - held.quantity;
    return {
      charge: {
        ...actual,
        quantity: counted,
        // The write gives the hold back and adds `counted`: the counter must stay within included.
        guards: extra > 0n ? [{ kind: "limit", feature: actual.feature, atMost: included - extra }] : [],
      },
      capped: counted < actual.quantity,
    };
  },
  /** The overage of a feature's usage must itself stay within MAX_SUM. */
  usageCeiling: overageUsageCeiling,
  /**
   * The overage this usage adds: the cost of the usage after it less the cost before (tiers and
   * packages make that more than its own units x one price; VOLUME tiers can make it negative, when
   * the total reaches a cheaper tier). None when all of it is within what is left of `included`.
   */
  addedCost(wallet, feature, charge) {
    const used = usedOf(wallet, charge.feature);
    const before = overOf(feature, used);
    const after = overOf(feature, used + charge.quantity);
    return after > before ? overageCost(feature, after) - overageCost(feature, before) : undefined;
  },
  crossings: () => [],
  /** usage.threshold_reached at 80% and 100% of each feature's included units (none without any). */
  thresholds: (plan, _wallet, periodStart) =>
    plan.features.flatMap((f) =>
      f.included && f.kind === "METERED"
        ? [80n, 100n].map(
            (percent): Threshold => ({
              marker: { kind: "builtIn", name: `usage.threshold_reached:${f.feature}:${percent}` },
              level: { kind: "usage", feature: f.feature },
              direction: "UP",
              at: percentOf(f.included!, percent),
              firedAs: periodArming(periodStart),
              family: `usage:${f.feature}`,
              rank: Number(percent),
              announce: {
                type: "usage.threshold_reached",
                feature: f.feature,
                percent: Number(percent),
                included: f.included!,
              },
            }),
          )
        : [],
    ),

  /** With the price the next unit is billed at: 0 within included, then the overage or tier price. */
  entitlementView(wallet, _plan, feature) {
    const used = usedOf(wallet, feature.feature);
    const included = feature.included ?? 0n;
    const remaining = max(0n, included - used);
    return {
      used,
      included,
      remaining,
      ...(remaining > 0n ? { unitPrice: 0n } : nextUnitPrice(feature, overOf(feature, used))),
    };
  },
  usageView(wallet, f) {
    const used = usedOf(wallet, f.feature);
    const overage = overOf(f, used);
    return { feature: f.feature, used, included: f.included ?? 0n, overage, cost: overageCost(f, overage) };
  },
  walletView: (wallet) => heldPurchases(wallet),

  grant: () => NO_GRANT,
  addOnGrant: (plan, feature, grant) => ({
    ...plan,
    features: plan.features.map((f) => (f.feature === feature ? { ...f, included: (f.included ?? 0n) + grant } : f)),
  }),
  /** The smallest 1 - used/included over the features that include units, clamped to 0..1. */
  grantLeft(wallet, plan) {
    let least: Ratio | undefined;
    for (const f of plan.features) {
      const included = f.kind === "METERED" ? (f.included ?? 0n) : 0n;
      if (included <= 0n) continue;
      const left = { num: min(included, max(0n, included - usedOf(wallet, f.feature))), den: included };
      if (!least || left.num * least.den < least.num * left.den) least = left;
    }
    return least;
  },
  overage(wallet, plan) {
    const usage = plan.features
      .filter((f) => f.kind === "METERED")
      .flatMap((f) => overageCharges(f, overOf(f, usedOf(wallet, f.feature))));
    return [...usage, ...topUpDebt(wallet)];
  },

  sells: [],
};
