/**
 * Coupons (the rules: ./coupon.ts): creating, archiving and listing them, and a subscription taking
 * or dropping one. Taking one counts a redemption in the same transaction as the subscription's
 * write (core/subscriptions/change.ts), conditioned on the coupon still taking redemptions, so
 * `maxRedemptions` is exact however many customers redeem at once. A coupon applied to a running
 * subscription discounts its next base fee (the current one is billed already); applying the coupon
 * it already holds changes nothing (no second redemption); another coupon replaces it. Removing it
 * gives no redemption back.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { requireWholeMinorUnits } from "../currencies";
import { IdSchema, parseInput } from "../validation";
import { getPlan } from "../db/plans";
import { archiveCouponItem, getCoupon, insertCoupon, listCoupons as listAll } from "../db/coupons";
import { activeSubscription, type Subscription } from "../wallet";
import { pricingPlan } from "../usage/load";
import { change } from "../subscriptions/change";
import { appliedCoupon, CreateCouponInputSchema, type Coupon, type CreateCouponInput } from "./coupon";
import { redeemableCoupon } from "./redeem";

export type { Coupon, AppliedCoupon, CreateCouponInput, CouponDuration } from "./coupon";

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);

export async function createCoupon(deps: Deps, input: CreateCouponInput): Promise<Coupon> {
  const p = parseInput(CreateCouponInputSchema, input);
  const currency = p.currency ?? "USD";
  if ((p.percentOffBps == null) === (p.amountOff == null))
    throw bad("exactly one of input.percentOffBps and input.amountOff is required");
  if (p.amountOff != null) requireWholeMinorUnits(p.amountOff, currency, "input.amountOff");
  if (p.duration === "REPEATING" && p.durationCycles == null)
    throw bad("input.durationCycles is required for a REPEATING coupon");
  if (p.duration !== "REPEATING" && p.durationCycles != null)
    throw bad(`input.durationCycles applies to REPEATING coupons only, not ${p.duration}`);
  const now = await deps.clock.now();
  if (p.expiresAt && p.expiresAt.getTime() <= now.getTime()) throw bad("input.expiresAt must be in the future");
  const planCodes = [...new Set(p.planCodes ?? [])];
  for (const code of planCodes)
    if (!(await getPlan(deps.db, code))) throw bad(`input.planCodes: plan "${code}" does not exist`);
  const coupon: Coupon = {
    code: p.code,
    name: p.name,
    currency,
    duration: p.duration,
    planCodes,
    redemptions: 0,
    archived: false,
    createdAt: now.toISOString(),
    ...(p.percentOffBps != null ? { percentOffBps: p.percentOffBps } : {}),
    ...(p.amountOff != null ? { amountOff: p.amountOff } : {}),
    ...(p.durationCycles != null ? { durationCycles: p.durationCycles } : {}),
    ...(p.maxRedemptions != null ? { maxRedemptions: p.maxRedemptions } : {}),
    ...(p.expiresAt ? { expiresAt: p.expiresAt.toISOString() } : {}),
  };
  await insertCoupon(deps.db, coupon);
  return coupon;
}

export async function findCoupon(deps: Deps, code: string): Promise<Coupon | undefined> {
  return getCoupon(deps.db, parseInput(IdSchema, code, "code"));
}

/** Ends new redemptions; subscriptions holding it keep their discount. Archiving twice is a no-op. */
export async function archiveCoupon(deps: Deps, code: string): Promise<Coupon> {
  if (!(await archiveCouponItem(deps.db, parseInput(IdSchema, code, "code"))))
    throw new DomainError("NOT_FOUND", `coupon "${code}" not found`);
  return (await getCoupon(deps.db, code))!;
}

export async function listCoupons(deps: Deps, includeArchived = false): Promise<Coupon[]> {
  return (await listAll(deps.db)).filter((c) => includeArchived || !c.archived);
}

function requireSubscription(customerId: string, sub: Subscription | undefined): Subscription {
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${customerId}" has no active subscription`);
  return sub;
}

export async function applyCoupon(deps: Deps, customerId: string, couponCode: string): Promise<Subscription> {
  const code = parseInput(IdSchema, couponCode, "couponCode");
  const after = await change(deps, customerId, async (wallet, now) => {
    const sub = requireSubscription(customerId, activeSubscription(wallet));
    if (sub.coupon?.code === code) return { after: wallet, events: [] };
    const coupon = await redeemableCoupon(deps, code, await pricingPlan(deps, sub.planCode), now);
    return {
      after: { ...wallet, subscription: { ...sub, coupon: appliedCoupon(coupon) } },
      events: [],
      redeem: coupon,
    };
  });
  return after.subscription!;
}

export async function removeCoupon(deps: Deps, customerId: string): Promise<Subscription> {
  const after = await change(deps, customerId, async (wallet) => {
    const sub = requireSubscription(customerId, activeSubscription(wallet));
    const { coupon: _removed, ...rest } = sub;
    return { after: { ...wallet, subscription: rest }, events: [] };
  });
  return after.subscription!;
}
