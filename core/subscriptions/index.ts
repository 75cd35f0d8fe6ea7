/**
 * Subscription lifecycle: subscribe (period 1 starts now, billed at once), plan changes and
 * cancellation, immediate or at period end. Each is computed here and written by ./change.ts: one
 * transaction conditioned on the wallet it read, retried on a fresh read when something else
 * wrote first. Purchased credits and top-ups survive every change, across models.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import type { Plan } from "../plans/plan";
import { getPlan } from "../plans";
import { addIntervals } from "../periods/arithmetic";
import { activeSubscription, NO_GRANT, openPeriod, type Subscription, type Wallet } from "../wallet";
import { pricingPlan } from "../usage/load";
import { periodGrant } from "../models";
import { baseFeeLine, overageLines, prorationLine } from "../invoices/period-lines";
import { subscriptionCanceled, subscriptionCreated, subscriptionPlanChanged } from "../events";
import { change } from "./change";
import { requireCurrencyFree, requireSameCurrency } from "./currency";

export type ChangeTiming = "IMMEDIATE" | "PERIOD_END";

function firstPeriod(plan: Plan, now: Date): Subscription {
  return {
    planCode: plan.code,
    status: "ACTIVE",
    anchor: now.toISOString(),
    periodIndex: 0,
    periodStart: now.toISOString(),
    periodEnd: addIntervals(now, plan.interval, 1).toISOString(),
    cancelAtPeriodEnd: false,
  };
}

const period = (s: Subscription) => ({ start: s.periodStart, end: s.periodEnd });

async function orderablePlan(deps: Deps, code: string): Promise<Plan> {
  const plan = await getPlan(deps, code);
  if (plan.archived)
    throw new DomainError("BAD_USER_INPUT", `plan "${code}" is archived and takes no new subscriptions`);
  return plan;
}

export async function subscribe(deps: Deps, customerId: string, planCode: string): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const after = await change(deps, customerId, async (wallet, now) => {
    if (activeSubscription(wallet))
      throw new DomainError("ALREADY_EXISTS", `customer "${customerId}" already has an active subscription`);
    await requireCurrencyFree(deps, wallet, plan);
    const sub = firstPeriod(plan, now);
    return {
      after: openPeriod(wallet, periodGrant(plan), sub),
      invoice: {
        lines: [baseFeeLine(plan, period(sub))],
        currency: plan.currency,
        periodStart: sub.periodStart,
        periodEnd: sub.periodEnd,
      },
      events: [subscriptionCreated(customerId, sub)],
    };
  });
  return after.subscription!;
}

function requireActive(wallet: Wallet): Subscription {
  const sub = activeSubscription(wallet);
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${wallet.customerId}" has no active subscription`);
  return sub;
}

/**
 * IMMEDIATE: the current period closes now with its overage and a credit for its unused base fee
 * (basePrice x min(time left, grant left): core/invoices/period-lines.ts), and the new plan starts
 * a full period, billed on the same invoice. PERIOD_END: the new plan is scheduled for the next
 * renewal (changing to the current plan clears a scheduled change or cancel).
 */
export async function changePlan(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const after = await change(deps, customerId, async (wallet, now) => {
    const sub = requireActive(wallet);
    const current = await pricingPlan(deps, sub.planCode);
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
      throw new DomainError("BAD_USER_INPUT", `customer "${customerId}" is already on plan "${planCode}"`);
    const next = firstPeriod(plan, now);
    const used = { start: sub.periodStart, end: now.toISOString() };
    const proration = prorationLine(current, wallet, period(sub), now);
    const lines = [
      ...overageLines(wallet, current, used),
      ...(proration ? [proration] : []),
      baseFeeLine(plan, period(next)),
    ];
    return {
      after: openPeriod(wallet, periodGrant(plan), next),
      invoice: { lines, currency: plan.currency, periodStart: used.start, periodEnd: used.end },
      events: [subscriptionPlanChanged(customerId, sub.planCode, next, "IMMEDIATE")],
    };
  });
  return after.subscription!;
}

/**
 * PERIOD_END (default): the subscription runs to the end of the period, whose final invoice has
 * overage only. IMMEDIATE: it ends now; the final invoice has the overage so far and, only when
 * asked with `prorate`, a credit for the unused base fee (the same proration as an immediate plan
 * change). `prorate` has no effect at PERIOD_END: no time is left unused.
 */
export async function cancelSubscription(
  deps: Deps,
  customerId: string,
  timing: ChangeTiming,
  prorate = false,
): Promise<Subscription> {
  const after = await change(deps, customerId, async (wallet, now) => {
    const sub = requireActive(wallet);
    if (timing === "PERIOD_END") {
      const { scheduledPlanCode: _dropped, ...rest } = sub;
      return { after: { ...wallet, subscription: { ...rest, cancelAtPeriodEnd: true } }, events: [] };
    }
    const current = await pricingPlan(deps, sub.planCode);
    const proration = prorate ? prorationLine(current, wallet, period(sub), now) : undefined;
    const { scheduledPlanCode: _dropped, ...rest } = sub;
    const ended: Subscription = { ...rest, status: "CANCELED", cancelAtPeriodEnd: false, periodEnd: now.toISOString() };
    return {
      after: openPeriod(wallet, NO_GRANT, ended),
      invoice: {
        lines: [
          ...overageLines(wallet, current, { start: sub.periodStart, end: now.toISOString() }),
          ...(proration ? [proration] : []),
        ],
        currency: current.currency,
        periodStart: sub.periodStart,
        periodEnd: now.toISOString(),
      },
      events: [subscriptionCanceled(customerId, sub, now.toISOString())],
    };
  });
  return after.subscription!;
}
