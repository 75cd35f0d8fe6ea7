/**
 * What a period close does to the wallet, pure: the next period of the same plan, or of the plan
 * scheduled for this renewal (which starts a fresh anchor), or the end of a subscription that was
 * set to cancel at period end. Purchased credits and top-ups always carry over (see openPeriod).
 */
import type { Plan } from "../plans/plan";
import { afterTrial, NO_GRANT, openPeriod, type Subscription, type Wallet } from "../wallet";
import { levelsFor, periodGrant } from "../models";
import { endsCycle, periodEndAt } from "./cycle";
import { keptAddOns, withAddOns, withAttached } from "../add-ons/terms";

export function renewedSubscription(sub: Subscription, plan: Plan, nextPlan: Plan): Subscription {
  // The end of a trial, like a change of plan, starts the first paid period on a fresh anchor.
  if (nextPlan.code !== plan.code || sub.trialing) {
    const start = new Date(sub.periodEnd);
    return {
      planCode: nextPlan.code,
      status: "ACTIVE",
      anchor: sub.periodEnd,
      periodIndex: 0,
      periodStart: sub.periodEnd,
      periodEnd: periodEndAt(nextPlan, start.toISOString(), 0),
      cancelAtPeriodEnd: false,
      // A coupon stays with the subscription across plans (it discounts the plans it names).
      ...(sub.coupon ? { coupon: sub.coupon } : {}),
      ...(sub.trialEnd ? { trialEnd: sub.trialEnd } : {}),
    };
  }
  const index = sub.periodIndex + 1;
  return {
    ...sub,
    scheduledPlanCode: undefined,
    periodIndex: index,
    periodStart: sub.periodEnd,
    periodEnd: periodEndAt(plan, sub.anchor, index),
  };
}

/**
 * The wallet after closing its current period; `nextPlan` is undefined when the subscription ends.
 * Inside a billing cycle of several periods (core/periods/cycle.ts) the plan's base fee is paid
 * until the cycle ends, so the period renews on the same plan and a scheduled change or
 * cancellation waits, kept, for the cycle's last period.
 */
export function renewWallet(wallet: Wallet, plan: Plan, nextPlan: Plan | undefined): Wallet {
  const sub = wallet.subscription!;
  // A trial is a period of its own, outside any cycle: its end always renews (or ends) below.
  if (!sub.trialing && !endsCycle(plan, sub)) {
    const index = sub.periodIndex + 1;
    const next = withAttached(
      { ...sub, periodIndex: index, periodStart: sub.periodEnd, periodEnd: periodEndAt(plan, sub.anchor, index) },
      keptAddOns(sub, plan),
    );
    return openPeriod(wallet, periodGrant(withAddOns(plan, next)), next);
  }
  if (!nextPlan || sub.cancelAtPeriodEnd) {
    const ended: Subscription = {
      ...withAttached(afterTrial(sub), []),
      status: "CANCELED",
      cancelAtPeriodEnd: false,
      scheduledPlanCode: undefined,
    };
    return openPeriod(wallet, NO_GRANT, clean(ended));
  }
  // Add-ons detached, or that do not apply to the plan it renews into, end with the period (core/add-ons).
  const renewed = withAttached(clean(renewedSubscription(sub, plan, nextPlan)), keptAddOns(sub, nextPlan));
  return levelsFor(openPeriod(wallet, periodGrant(withAddOns(nextPlan, renewed)), renewed), nextPlan);
}

function clean(sub: Subscription): Subscription {
  const { scheduledPlanCode, ...rest } = sub;
  return scheduledPlanCode ? { ...rest, scheduledPlanCode } : rest;
}
