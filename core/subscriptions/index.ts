/**
 * Subscription lifecycle: subscribe (period 1 starts now, billed at once), plan changes and
 * cancellation, immediate or at period end. Each is computed here and written by ./change.ts: one
 * transaction conditioned on the wallet it read, retried on a fresh read when something else
 * wrote first. Purchased credits and top-ups survive every change, across models.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { activeSubscription, openPeriod, type Subscription } from "../wallet";
import { trialDaysFor, trialPeriod, type TrialOptions } from "./trial";
import { periodGrant } from "../models";
import { billBaseFee } from "../coupons/discount";
import { appliedCoupon } from "../coupons/coupon";
import { redeemableCoupon } from "../coupons/redeem";
import { IdSchema, parseInput } from "../validation";
import { subscriptionCreated, trialWillEnd } from "../events";
import { getCustomer } from "../db/customers";
import { billingCycle } from "../periods/cycle";
import { change } from "./change";
import { requireCurrencyFree } from "./currency";
import { cancellation } from "./cancellation";
import { firstPeriod, orderablePlan, planChange, type ChangeTiming } from "./plan-change";

export type { ChangeTiming } from "./plan-change";

export type SubscribeOptions = { couponCode?: string | null } & TrialOptions;

/**
 * Period 1 starts now and its base fee (less a coupon's discount) is invoiced at once; or a free
 * trial starts now (./trial.ts), which invoices nothing.
 */
export async function subscribe(
  deps: Deps,
  customerId: string,
  planCode: string,
  options: SubscribeOptions = {},
): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const couponCode = options.couponCode == null ? undefined : parseInput(IdSchema, options.couponCode, "couponCode");
  const after = await change(deps, customerId, async (wallet, now) => {
    if (activeSubscription(wallet))
      throw new DomainError("ALREADY_EXISTS", `customer "${customerId}" already has an active subscription`);
    // Read after the wallet: a deletion landing in between changed the wallet, so this write retries.
    if ((await getCustomer(deps.db, customerId))?.deletedAt)
      throw new DomainError("BAD_USER_INPUT", `customer "${customerId}" was deleted and cannot subscribe`);
    await requireCurrencyFree(deps, wallet, plan);
    const coupon = couponCode ? await redeemableCoupon(deps, couponCode, plan, now) : undefined;
    const held = coupon ? { coupon: appliedCoupon(coupon) } : {};
    const trialDays = trialDaysFor(plan, wallet, options);
    if (trialDays > 0) {
      // The trial grants the period's credits or allowance once, and bills nothing.
      const { sub: trial, remindNow } = trialPeriod(plan, now, trialDays);
      const sub = { ...trial, ...held };
      return {
        after: openPeriod(wallet, periodGrant(plan), sub),
        events: [
          subscriptionCreated(customerId, sub),
          ...(remindNow ? [trialWillEnd(customerId, sub, sub.periodStart)] : []),
        ],
        ...(coupon ? { redeem: coupon } : {}),
      };
    }
    // The first billing cycle's base fee, in advance (core/periods/cycle.ts), less a coupon's discount.
    const { lines, subscription: sub } = billBaseFee({ ...firstPeriod(plan, now), ...held }, plan);
    const cycle = billingCycle(plan, sub);
    return {
      after: openPeriod(wallet, periodGrant(plan), sub),
      invoice: { lines, currency: plan.currency, periodStart: cycle.start, periodEnd: cycle.end },
      events: [subscriptionCreated(customerId, sub)],
      ...(coupon ? { redeem: coupon } : {}),
    };
  });
  return after.subscription!;
}

/** Changes the plan now or at the period end: core/subscriptions/plan-change.ts, written by ./change.ts. */
export async function changePlan(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const after = await change(deps, customerId, (wallet, now) => planChange(deps, wallet, now, plan, timing));
  return after.subscription!;
}

/** Cancels now or at the period end: core/subscriptions/cancellation.ts, written by ./change.ts. */
export async function cancelSubscription(
  deps: Deps,
  customerId: string,
  timing: ChangeTiming,
  prorate = false,
): Promise<Subscription> {
  const after = await change(deps, customerId, (wallet, now) => cancellation(deps, wallet, now, timing, prorate));
  return after.subscription!;
}
