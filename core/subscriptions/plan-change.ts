/**
 * What a plan change does, computed once for `changePlan`, `previewPlanChange` and
 * `migrateSubscribers` (pure but for the plans it loads): the wallet after it, the invoice it
 * issues now (IMMEDIATE) and its events. A preview runs this same code on the wallet as read, so
 * it shows exactly the lines the change would invoice.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import type { Plan } from "../plans/plan";
import { getPlan } from "../plans";
import { billingCycle, periodEndAt } from "../periods/cycle";
import { activeSubscription, inTrial, openPeriod, type Subscription, type Wallet } from "../wallet";
import { subscribedPlan } from "../usage/load";
import { levelsFor, periodGrant } from "../models";
import { advanceLines, overageLines, prorationLine, seatCreditLines } from "../invoices/period-lines";
import { billBaseFee } from "../coupons/discount";
import { subscriptionPlanChanged, trialEnded } from "../events";
import type { Change } from "./change";
import { requireSameCurrency } from "./currency";
import { keptAddOns, withAddOns, withAttached } from "../add-ons/terms";

export type ChangeTiming = "IMMEDIATE" | "PERIOD_END";

/** Period 1 of `plan`, starting now. */
export function firstPeriod(plan: Plan, now: Date): Subscription {
  return {
    planCode: plan.code,
    status: "ACTIVE",
    anchor: now.toISOString(),
    periodIndex: 0,
    periodStart: now.toISOString(),
    periodEnd: periodEndAt(plan, now.toISOString(), 0),
    cancelAtPeriodEnd: false,
  };
}

export const period = (s: Subscription) => ({ start: s.periodStart, end: s.periodEnd });

/** A plan that takes new subscriptions (not archived). */
export async function orderablePlan(deps: Deps, code: string): Promise<Plan> {
  const plan = await getPlan(deps, code);
  if (plan.archived)
    throw new DomainError("BAD_USER_INPUT", `plan "${code}" is archived and takes no new subscriptions`);
  return plan;
}

export function requireActive(wallet: Wallet): Subscription {
  const sub = activeSubscription(wallet);
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${wallet.customerId}" has no active subscription`);
  return sub;
}

/**
 * IMMEDIATE: the current period closes now with its overage and a credit for its unused base fee
 * (basePrice x min(time left, grant left): core/invoices/period-lines.ts), and the new plan starts
 * a full period, billed on the same invoice. PERIOD_END: the new plan is scheduled for the next
 * renewal (changing to the current plan clears a scheduled change or cancel). Any plan of the same
 * currency may be chosen, in another group or of another model too (plan groups only narrow what
 * the portal offers).
 */
export async function planChange(
  deps: Deps,
  wallet: Wallet,
  now: Date,
  plan: Plan,
  timing: ChangeTiming,
): Promise<Change> {
  const sub = requireActive(wallet);
  const current = await subscribedPlan(deps, sub);
  requireSameCurrency(current, plan);
  if (timing === "PERIOD_END") {
    const { scheduledPlanCode: _dropped, ...rest } = sub;
    const scheduled: Subscription =
      plan.code === sub.planCode
        ? { ...rest, cancelAtPeriodEnd: false }
        : { ...rest, cancelAtPeriodEnd: false, scheduledPlanCode: plan.code };
    return { after: { ...wallet, subscription: scheduled }, events: [] };
  }
  if (plan.code === sub.planCode)
    throw new DomainError("BAD_USER_INPUT", `customer "${wallet.customerId}" is already on plan "${plan.code}"`);
  // The coupon stays with the subscription; it discounts the new base fee if it names the plan.
  const kept = { ...(sub.coupon ? { coupon: sub.coupon } : {}), ...(sub.trialEnd ? { trialEnd: sub.trialEnd } : {}) };
  // Add-ons that apply to the new plan move with it (billed for its first period below); the others end now.
  const fee = billBaseFee(withAttached({ ...firstPeriod(plan, now), ...kept }, keptAddOns(sub, plan)), plan);
  const next = fee.subscription;
  const used = { start: sub.periodStart, end: now.toISOString() };
  // A trial billed no fee: nothing to credit back. Changing plan now ends it.
  const proration = inTrial(sub)
    ? undefined
    : prorationLine(current, wallet, period(sub), now, billingCycle(current, sub));
  const lines = [
    ...overageLines(wallet, current, used),
    ...(proration ? [proration] : []),
    // The extra seats paid for the rest of the period, given back (a trial paid none).
    ...(inTrial(sub) ? [] : seatCreditLines(wallet, current, now)),
    ...fee.lines,
  ];
  const after = levelsFor(openPeriod(wallet, periodGrant(withAddOns(plan, next)), next), plan);
  // The new plan's extra seats and add-ons for its first period, in advance like a renewal's (none in a trial).
  if (!inTrial(next)) lines.push(...advanceLines(after, plan));
  return {
    after,
    invoice: { lines, currency: plan.currency, periodStart: used.start, periodEnd: used.end },
    events: [
      ...(inTrial(sub) ? [trialEnded(wallet.customerId, sub, now.toISOString(), "CONVERTED")] : []),
      subscriptionPlanChanged(wallet.customerId, sub.planCode, next, "IMMEDIATE"),
    ],
  };
}
