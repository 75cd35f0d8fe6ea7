/**
 * Pricing a usage with the plan's model and applying the charge to a wallet in memory: what the
 * entitlement check, quote and the write all start from, so they cannot disagree.
 */
import { MAX_SUM } from "../bounds";
import type { Plan, PlanFeature } from "../plans/plan";
import type { Wallet } from "../wallet";
import { strategyFor } from "./strategies";
import type { Charge, Guard, Usage, WalletDelta } from "./types";

/**
 * The charge the plan's model makes of a usage, plus the ceilings that keep the wallet's running
 * sums within core/bounds.ts: the feature's usage this period (the model's usageCeiling) and, for
 * money spent, the period's spend. In a free trial (`trial`), the model's trial guards too.
 */
export function priceUsage(plan: Plan, feature: PlanFeature, usage: Usage, options: { trial?: boolean } = {}): Charge {
  const strategy = strategyFor(plan.model);
  const priced = strategy.price(plan, feature, usage);
  // A free trial allows no overage: its guards join the model's own.
  const charge = options.trial
    ? { ...priced, guards: [...priced.guards, ...strategy.trialGuards(feature, priced)] }
    : priced;
  const ceilings: Guard[] = [
    {
      kind: "limit",
      feature: feature.feature,
      atMost: strategy.usageCeiling(feature) - charge.quantity,
      ceiling: true,
    },
    ...(charge.cost !== undefined
      ? [{ kind: "spent" as const, atMost: MAX_SUM - charge.cost, ceiling: true as const }]
      : []),
  ];
  return { ...charge, guards: [...charge.guards, ...ceilings] };
}

/** The wallet after the charge: exactly what the DynamoDB update does, in memory. */
export function applyCharge(wallet: Wallet, charge: Charge): Wallet {
  const add = (map: Record<string, bigint>, value: bigint | undefined) =>
    value === undefined ? map : { ...map, [charge.feature]: (map[charge.feature] ?? 0n) + value };
  const burn = charge.credits ?? 0n;
  const cost = charge.cost ?? 0n;
  return {
    ...wallet,
    usage: add(wallet.usage, charge.quantity),
    featureCredits: add(wallet.featureCredits, charge.credits),
    featureCost: add(wallet.featureCost, charge.cost),
    credits: wallet.credits - burn,
    creditsUsed: wallet.creditsUsed + burn,
    spent: wallet.spent + cost,
    balance: wallet.balance - cost,
  };
}

/** The sum of accepted charges, as the one delta their write adds to the wallet. */
export function deltaOf(charges: Charge[]): WalletDelta {
  const delta: WalletDelta = { usage: {}, featureCost: {}, featureCredits: {}, credits: 0n, cost: 0n };
  for (const c of charges) {
    delta.usage[c.feature] = (delta.usage[c.feature] ?? 0n) + c.quantity;
    if (c.cost !== undefined) delta.featureCost[c.feature] = (delta.featureCost[c.feature] ?? 0n) + c.cost;
    if (c.credits !== undefined) delta.featureCredits[c.feature] = (delta.featureCredits[c.feature] ?? 0n) + c.credits;
    delta.credits += c.credits ?? 0n;
    delta.cost += c.cost ?? 0n;
  }
  return delta;
}
