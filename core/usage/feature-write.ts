/**
 * The steps every write on one feature of the plan shares (adjustUsage, setSeats, adjustQuota):
 * load what it needs or the refusal without it, and answer a replayed key. A refusal is checked
 * against a stored event first, so a replay of an accepted key still answers as it did; the same
 * key under another request is IDEMPOTENCY_KEY_REUSED.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getFeature } from "../features";
import { featureUsages, type FeatureUsage } from "../models";
import { planFeatureOf, type Plan, type PlanFeature } from "../plans/plan";
import { activeSubscription, type Subscription, type Wallet } from "../wallet";
import { getEvent } from "../db/events";
import { currentWallet } from "./current";
import type { UsageEvent } from "./event";
import { keyReused } from "./refusals";

/** A write's request as its replay is checked: the key, and the hash of everything else it asked. */
export type FeatureRequest = { customerId: string; feature: string; idempotencyKey: string; requestHash: string };

/**
 * The current wallet (closed up to now), its subscription, the plan and the plan's feature, or the
 * refusal without them (NO_SUBSCRIPTION, FEATURE_NOT_IN_PLAN; NOT_FOUND for a feature that does not
 * exist), returned rather than thrown so the caller can `replayOr` it.
 */
export async function subscribedFeature(
  deps: Deps,
  customerId: string,
  featureCode: string,
): Promise<{ wallet: Wallet; plan: Plan; sub: Subscription; feature: PlanFeature; now: Date } | DomainError> {
  const { wallet, plan, now } = await currentWallet(deps, customerId, { close: true });
  const sub = activeSubscription(wallet);
  if (!sub || !plan) return new DomainError("NO_SUBSCRIPTION", `customer "${customerId}" has no active subscription`);
  const feature = planFeatureOf(plan, featureCode);
  if (feature) return { wallet, plan, sub, feature, now };
  await getFeature(deps, featureCode);
  return new DomainError("FEATURE_NOT_IN_PLAN", `plan "${plan.code}" does not include "${featureCode}"`);
}

/** Answers a replay of the key if it was accepted before, else refuses with `error`. */
export async function replayOr(deps: Deps, r: FeatureRequest, error: DomainError): Promise<FeatureUsage> {
  const existing = await getEvent(deps.db, r.customerId, r.idempotencyKey);
  if (existing) return replayed(deps, r, existing);
  throw error;
}

/**
 * A replay answers the feature as it is now; the plan may have changed since, and then it is the
 * feature's usage on the plan the customer is on now, or none.
 */
export async function replayed(deps: Deps, r: FeatureRequest, existing: UsageEvent): Promise<FeatureUsage> {
  if (existing.requestHash !== r.requestHash) throw keyReused(r.idempotencyKey);
  const { wallet, plan } = await currentWallet(deps, r.customerId);
  const usage = plan && featureUsages(wallet, plan).find((u) => u.feature === r.feature);
  return usage ?? { feature: r.feature, used: 0n };
}

/** The feature's usage as the write left it. */
export const usageOf = (wallet: Wallet, plan: Plan, feature: string): FeatureUsage =>
  featureUsages(wallet, plan).find((u) => u.feature === feature)!;
