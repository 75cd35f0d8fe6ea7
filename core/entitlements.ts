/**
 * The entitlement check: would tracking `amount` of `feature` now be accepted? It never writes.
 * A denial is an answer (`allowed: false` with a reason), not an error. So is a feature that does
 * not exist (`UNKNOWN_FEATURE`): one mistyped code among several aliased checks must not turn the
 * whole response into an error. An unknown customer is an error (NOT_FOUND).
 */
import type { Deps } from "./deps";
import { DomainError } from "./errors";
import { formatDecimal, SCALE, type Amount } from "./money";
import { MAX_EVENT_QUANTITY } from "./bounds";
import { denial, levelKindOf, levelOf, priceUsage, strategyFor } from "./models";
import type { DenyReason, FeatureView } from "./models/types";
import { planFeatureOf, type ConsumptionModel, type Plan } from "./plans/plan";
import { findFeature } from "./features";
import { activeSubscription, inTrial, type Wallet } from "./wallet";
import { currentWallet } from "./usage/current";
import { ID_PATTERN } from "./validation";

export type Entitlement = Partial<FeatureView> & {
  feature: string;
  allowed: boolean;
  reason?: DenyReason;
  model?: ConsumptionModel;
};

/** Pure: the entitlement of one feature on a wallet (already rolled into its current period). */
export function evaluateEntitlement(
  wallet: Wallet,
  plan: Plan | undefined,
  feature: string,
  amount: Amount,
): Entitlement {
  if (!activeSubscription(wallet) || !plan) return { feature, allowed: false, reason: "NO_SUBSCRIPTION" };
  const planFeature = planFeatureOf(plan, feature);
  if (!planFeature) return { feature, allowed: false, reason: "FEATURE_NOT_IN_PLAN", model: plan.model };
  if (planFeature.kind === "BOOLEAN") return { feature, allowed: true, model: plan.model };
  const level = levelKindOf(planFeature);
  if (level) {
    // Seats and quotas: `amount` more would be accepted unless it passes a hard limit; the view
    // says whether it is within what is paid for (remaining, unitPrice 0) (core/models/levels.ts).
    const over = planFeature.limit !== undefined && levelOf(wallet, feature) + amount > planFeature.limit;
    return {
      feature,
      allowed: !over,
      ...(over ? { reason: "LIMIT_REACHED" as const } : {}),
      model: plan.model,
      ...level.entitlementView(wallet, planFeature),
    };
  }
  const strategy = strategyFor(plan.model);
  const trial = inTrial(activeSubscription(wallet));
  const reason = denial(wallet, priceUsage(plan, planFeature, { quantity: amount }, { trial }));
  return {
    feature,
    allowed: reason === null,
    ...(reason ? { reason } : {}),
    model: plan.model,
    ...strategy.entitlementView(wallet, plan, planFeature),
  };
}

export async function checkEntitlement(
  deps: Deps,
  customerId: string,
  feature: string,
  amount: Amount,
): Promise<Entitlement> {
  if (amount < 0n) throw new DomainError("BAD_USER_INPUT", "amount must not be negative");
  // The same bound as one event's value: a check answers for what a track could be.
  if (amount > MAX_EVENT_QUANTITY)
    throw new DomainError("BAD_USER_INPUT", `amount must be at most ${formatDecimal(MAX_EVENT_QUANTITY)}`);
  const { wallet, plan } = await currentWallet(deps, customerId);
  const entitlement = evaluateEntitlement(wallet, plan, feature, amount);
  if (entitlement.reason !== "FEATURE_NOT_IN_PLAN" && entitlement.reason !== "NO_SUBSCRIPTION") return entitlement;
  // Not in the plan: is it a feature at all? A code no feature can have (bad characters) is not.
  const known = ID_PATTERN.test(feature) && (await findFeature(deps, feature));
  return known ? entitlement : { ...entitlement, reason: "UNKNOWN_FEATURE" };
}

/** Whether one more unit would be accepted: the entitlement a track's payload shows. */
export const unitEntitlement = (wallet: Wallet, plan: Plan | undefined, feature: string): Entitlement =>
  evaluateEntitlement(wallet, plan, feature, SCALE);

/** Every feature of the customer's plan, for the customer view. */
export async function listEntitlements(deps: Deps, customerId: string): Promise<Entitlement[]> {
  const { wallet, plan } = await currentWallet(deps, customerId);
  return (plan?.features ?? []).map((f) =>
    evaluateEntitlement(wallet, plan, f.feature, f.kind === "BOOLEAN" ? 0n : SCALE),
  );
}
