/**
 * The one place a consumption model is chosen, and the model-independent parts: evaluating a
 * charge's guards on a wallet, and applying a charge to a wallet in memory.
 */
import { MAX_SUM, meteredUsageCeiling } from "../bounds";
import type { ConsumptionModel, Plan, PlanFeature } from "../plans/plan";
import type { Wallet } from "../wallet";
import { balance } from "./balance";
import { credits } from "./credits";
import { metered } from "./metered";
import type { Charge, ConsumptionStrategy, DenyReason, Guard, Usage } from "./types";

const STRATEGIES: Record<ConsumptionModel, ConsumptionStrategy> = {
  METERED: metered,
  CREDITS: credits,
  BALANCE: balance,
};

export const strategyFor = (model: ConsumptionModel): ConsumptionStrategy => STRATEGIES[model];

/**
 * The charge the plan's model makes of a usage, plus the ceilings that keep the wallet's running
 * sums within core/bounds.ts: the feature's usage this period (for METERED also its overage in
 * money) and, for money spent, the period's spend. What the entitlement check, quote and the
 * write all price with, so they cannot disagree.
 */
export function priceUsage(plan: Plan, feature: PlanFeature, usage: Usage): Charge {
  const charge = strategyFor(plan.model).price(plan, feature, usage);
  const usageCeiling =
    plan.model === "METERED" ? meteredUsageCeiling(feature.included ?? 0n, feature.overagePrice ?? 0n) : MAX_SUM;
  const ceilings: Guard[] = [
    { kind: "limit", feature: feature.feature, atMost: usageCeiling - charge.quantity, ceiling: true },
    ...(charge.cost !== undefined
      ? [{ kind: "spent" as const, atMost: MAX_SUM - charge.cost, ceiling: true as const }]
      : []),
  ];
  return { ...charge, guards: [...charge.guards, ...ceilings] };
}

/** The reasons a guard refuses with; each is also the error code of a refused track. */
type GuardDenial = "INSUFFICIENT_CREDITS" | "INSUFFICIENT_BALANCE" | "LIMIT_REACHED";
const DENIAL: Record<Guard["kind"], GuardDenial & DenyReason> = {
  credits: "INSUFFICIENT_CREDITS",
  balance: "INSUFFICIENT_BALANCE",
  limit: "LIMIT_REACHED",
  spent: "LIMIT_REACHED",
};

/** The first guard of the charge the wallet fails, as a deny reason; null when it would be accepted. */
export function denial(wallet: Wallet, charge: Charge): GuardDenial | null {
  for (const guard of charge.guards) {
    const holds =
      guard.kind === "credits"
        ? wallet.credits >= guard.atLeast
        : guard.kind === "balance"
          ? wallet.balance >= guard.atLeast
          : guard.kind === "spent"
            ? wallet.spent <= guard.atMost
            : (wallet.usage[guard.feature] ?? 0n) <= guard.atMost;
    if (!holds) return DENIAL[guard.kind];
  }
  return null;
}

/** Whether the charge would take one of the wallet's running sums beyond core/bounds.ts. */
export const beyondBounds = (wallet: Wallet, charge: Charge): boolean =>
  denial(wallet, { ...charge, guards: charge.guards.filter((g) => "ceiling" in g && g.ceiling) }) !== null;

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

export type { Charge, DenyReason, Guard } from "./types";
