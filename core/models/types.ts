/**
 * The shape every consumption model shares. A model prices one usage into a `Charge`: how much it
 * adds to usage, credits and spend, and the guards the wallet must satisfy to accept it. Guards are
 * the single source of truth for refusals: the entitlement check evaluates them on a wallet in
 * memory, and the write turns them into DynamoDB conditions, so the check and the write cannot
 * disagree.
 */
import type { Amount } from "../money";
import type { Plan, PlanFeature } from "../plans/plan";
import type { Wallet } from "../wallet";
import type { ModelPrice } from "../catalog/model-price";

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

/** What a customer sees of one metered feature; which fields are set depends on the model. */
export type FeatureView = { used: Amount; included?: Amount; remaining?: Amount; credits?: Amount; balance?: Amount };

/** What a closed period owes beyond its base fee: quantity x exact unit price, rounded on the invoice. */
export type OverageCharge = { description: string; feature?: string; quantity: Amount; unitPrice: Amount };

/** An exact fraction num / den, 0 <= num <= den, den > 0. */
export type Ratio = { num: bigint; den: bigint };

export interface ConsumptionStrategy {
  price(plan: Plan, feature: PlanFeature, usage: Usage): Charge;
  view(wallet: Wallet, plan: Plan, feature: PlanFeature): FeatureView;
  /** The period's overage at close. */
  overage(wallet: Wallet, plan: Plan): OverageCharge[];
  /**
   * The part of what the period granted that is still unused, as an exact fraction; undefined when
   * the plan grants nothing (then a proration credit goes by time alone).
   */
  grantLeft(wallet: Wallet, plan: Plan): Ratio | undefined;
}
