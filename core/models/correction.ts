/**
 * A correction of a period's usage (adjustUsage), priced by the plan's model like a track of the
 * same units: an increase is a charge with its guards (credits, a blocking balance, a hard limit
 * refuse it as they refuse a track); a decrease gives back the units and the credits or money they
 * cost, at today's price, and is refused by nothing but going below zero, which the write checks
 * on every per-feature counter it lowers (core/db/usage-update.ts).
 */
import { DomainError } from "../errors";
import type { Plan, PlanFeature } from "../plans/plan";
import { usedOf, type Wallet } from "../wallet";
import { priceUsage } from "./charge";
import type { Charge } from "./types";

export function priceCorrection(
  plan: Plan,
  feature: PlanFeature,
  delta: bigint,
  options: { trial?: boolean } = {},
): Charge {
  // The cost of AI-model usage depends on the model and token kinds of each call: a number of units
  // alone has no price, so a correction in units would move usage without its money.
  if (feature.pricing === "AI_MODEL")
    throw new DomainError(
      "BAD_USER_INPUT",
      `feature "${feature.feature}" is priced by AI model tokens: a correction in units has no price`,
    );
  // In a free trial an increase meets the trial's guards too: a trial bills no overage.
  const charge = priceUsage(plan, feature, { quantity: delta < 0n ? -delta : delta }, options);
  if (delta > 0n) return charge;
  return {
    feature: feature.feature,
    quantity: delta,
    ...(charge.credits !== undefined ? { credits: -charge.credits } : {}),
    ...(charge.cost !== undefined ? { cost: -charge.cost } : {}),
    guards: [],
  };
}

/** Whether the charge would take one of the feature's counters (usage, credits, cost) below zero. */
export const belowZero = (wallet: Wallet, charge: Charge): boolean =>
  usedOf(wallet, charge.feature) + charge.quantity < 0n ||
  (wallet.featureCredits[charge.feature] ?? 0n) + (charge.credits ?? 0n) < 0n ||
  (wallet.featureCost[charge.feature] ?? 0n) + (charge.cost ?? 0n) < 0n;
