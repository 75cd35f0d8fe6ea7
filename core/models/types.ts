/**
 * The shape every consumption model shares. A model prices one usage into a `Charge`: how much it
 * adds to usage, credits and spend, and the guards the wallet must satisfy to accept it. Guards are
 * the single source of truth for refusals: the entitlement check evaluates them on a wallet in
 * memory, and the write turns them into DynamoDB conditions, so the check and the write cannot
 * disagree. Everything else that differs between the models is a member of ConsumptionStrategy,
 * so no code outside core/models asks which model a plan has.
 */
import type { Amount } from "../money";
import type { ConsumptionModel, CreatePlanInput, Plan, PlanFeature, PlanFeatureInput } from "../plans/plan";
import type { FeatureKind } from "../features/feature";
import type { PurchaseKind } from "../purchases/purchase";
import type { PeriodGrant, Wallet, WalletView } from "../wallet";
import type { ModelPrice } from "../catalog/model-price";
import type { Threshold } from "../alerts/threshold";

export type TokenCounts = { input: bigint; output: bigint; cacheRead: bigint; cacheWrite: bigint };

/** What a usage event consumes: units, or for AI-model pricing, tokens of a resolved model. */
export type Usage = { quantity: Amount; tokens?: TokenCounts; aiModel?: ModelPrice };

/**
 * `ceiling` marks the guards that keep running sums within core/bounds.ts (usage per feature,
 * spend), as opposed to the plan's own rules (credits, blocking balance, hard limit).
 */
export type Guard =
  | { kind: "credits"; atLeast: Amount }
  | { kind: "balance"; atLeast: Amount }
  | { kind: "limit"; feature: string; atMost: Amount; ceiling?: true }
  | { kind: "spent"; atMost: Amount; ceiling: true };

/** The audit of an AI-model priced event: what was resolved and which prices applied. */
export type AiPricing = {
  modelId: string;
  marginBps: number;
  providerCost: Amount;
  unitPrices: { input: Amount; output: Amount; cacheRead: Amount; cacheWrite: Amount };
};

export type Charge = {
  feature: string;
  quantity: Amount;
  credits?: Amount;
  cost?: Amount;
  ai?: AiPricing;
  guards: Guard[];
};

/** What accepted charges add to the wallet, per feature and in total (one write's ADDs). */
export type WalletDelta = {
  usage: Record<string, Amount>;
  featureCost: Record<string, Amount>;
  featureCredits: Record<string, Amount>;
  credits: Amount;
  cost: Amount;
};

export const DenyReason = {
  NO_SUBSCRIPTION: "NO_SUBSCRIPTION",
  FEATURE_NOT_IN_PLAN: "FEATURE_NOT_IN_PLAN",
  INSUFFICIENT_CREDITS: "INSUFFICIENT_CREDITS",
  INSUFFICIENT_BALANCE: "INSUFFICIENT_BALANCE",
  LIMIT_REACHED: "LIMIT_REACHED",
  /** The entitlement check of a feature that does not exist (a typo): an answer, not an error. */
  UNKNOWN_FEATURE: "UNKNOWN_FEATURE",
} as const;
export type DenyReason = (typeof DenyReason)[keyof typeof DenyReason];

/** What an entitlement check shows of one metered feature; which fields are set depends on the model. */
export type FeatureView = {
  used: Amount;
  included?: Amount;
  remaining?: Amount;
  credits?: Amount;
  balance?: Amount;
  /** METERED: what the next unit is billed at now (0 within included; per package with packageSize). */
  unitPrice?: Amount;
  /** METERED with tiers: the 1-based tier the next unit beyond included falls in. */
  tier?: number;
};

/** A metered feature's usage this period (`customer.usage`); which fields are set depends on the model. */
export type FeatureUsage = {
  feature: string;
  used: Amount;
  included?: Amount;
  overage?: Amount;
  cost?: Amount;
  credits?: Amount;
  /** SEATS: seats now; QUOTA: the level now (./levels.ts). */
  current?: Amount;
  /** SEATS: seats paid for this period; QUOTA: the highest level this period. */
  peak?: Amount;
};

/** What a closed period owes beyond its base fee: quantity x exact unit price, rounded on the invoice. */
export type OverageCharge = { description: string; feature?: string; quantity: Amount; unitPrice: Amount };

/** An exact fraction num / den, 0 <= num <= den, den > 0. */
export type Ratio = { num: bigint; den: bigint };

/** A line a usage write crossed, announced as an event in the same transaction (core/usage/track.ts). */
export type Crossing = { kind: "CREDITS_DEPLETED" } | { kind: "BALANCE_NEGATIVE"; balance: Amount };

/** What an open reservation holds (core/reservations): units, and the credits or money they were priced at. */
export type Hold = { quantity: Amount; credits: Amount; amount: Amount };

/**
 * What a settle charges for the actual usage: `charge` is what is taken (the hold given back and
 * taken again, plus any extra, with the guards the extra needs), `capped` when the actual usage
 * cost more than the hold and what was available. The event records the actual usage's units
 * whatever `charge.quantity` counts (less only for METERED capped in a trial).
 */
export type Settlement = { charge: Charge; capped: boolean };

/** Plan-level inputs that belong to one model. */
export type PlanOption = "includedCredits" | "blockOnExhaustion";
/** The pricing fields of a plan feature's input. */
export type PlanFeatureField = Exclude<keyof PlanFeatureInput, "feature">;

export interface ConsumptionStrategy {
  readonly model: ConsumptionModel;

  // ---- the plan
  /** The plan-level inputs only this model takes (a plan of another model refuses them). */
  readonly planOptions: readonly PlanOption[];
  /** This model's own terms of a new plan, defaults filled in. */
  planTerms(input: CreatePlanInput): Pick<Plan, "includedCredits">;
  /** The pricing fields this model's metered features take (anything else is refused). */
  readonly featureFields: readonly PlanFeatureField[];
  /** A metered plan feature from its input, checked (BAD_USER_INPUT); `at` is its path in the input. */
  validateFeature(input: PlanFeatureInput, on: { kind: FeatureKind; at: string; currency: string }): PlanFeature;

  // ---- a usage
  price(plan: Plan, feature: PlanFeature, usage: Usage): Charge;
  /**
   * What a free trial adds to a charge's guards: a trial bills nothing, so it allows no overage
   * (METERED: nothing beyond the included units, LIMIT_REACHED; BALANCE: nothing beyond the
   * balance, INSUFFICIENT_BALANCE; CREDITS never owes overage).
   */
  trialGuards(feature: PlanFeature, charge: Charge): Guard[];
  /** The most one feature's usage may reach in a period (core/bounds.ts). */
  usageCeiling(feature: PlanFeature): Amount;
  /** The money `charge` would add to the customer's bill (what `quote` answers), if any. */
  addedCost(wallet: Wallet, feature: PlanFeature, charge: Charge): Amount | undefined;
  /**
   * What settling a reservation that holds `held` charges for the `actual` usage (priced like a
   * track) on `wallet` (where `held` is not available any more): models that block on exhaustion
   * charge only what the hold and what is available cover; the others charge it all. In a free
   * trial (`trial`) every model blocks: only what is left of the trial's grant is charged
   * (METERED: units up to the included ones; BALANCE: down to a zero balance), `capped`.
   */
  settle(wallet: Wallet, plan: Plan, actual: Charge, held: Hold, trial: boolean): Settlement;
  /** What a usage write taking the wallet from `before` to `after` crossed. */
  crossings(before: Wallet, after: Wallet): Crossing[];
  /** The built-in thresholds of this model on the wallet's current period (core/alerts). */
  thresholds(plan: Plan, wallet: Wallet, periodStart: string): Threshold[];

  // ---- what the customer sees
  entitlementView(wallet: Wallet, plan: Plan, feature: PlanFeature): FeatureView;
  usageView(wallet: Wallet, feature: PlanFeature): FeatureUsage;
  walletView(wallet: Wallet): WalletView;

  // ---- periods
  /** What each period of the plan grants into the wallet's pools (core/wallet.ts openPeriod). */
  grant(plan: Plan): PeriodGrant;
  /**
   * The plan with an add-on's `grant` into this model's pool (core/add-ons): included units of the
   * METERED `feature`, plan credits, or allowance money.
   */
  addOnGrant(plan: Plan, feature: string, grant: Amount): Plan;
  /**
   * The part of what the period granted that is still unused, as an exact fraction; undefined when
   * the plan grants nothing (then a proration credit goes by time alone).
   */
  grantLeft(wallet: Wallet, plan: Plan): Ratio | undefined;
  /** The period's overage at close. */
  overage(wallet: Wallet, plan: Plan): OverageCharge[];

  // ---- purchases
  /** The purchases this model's usage can spend: only those are sold to a customer on it. */
  readonly sells: readonly PurchaseKind[];
}
