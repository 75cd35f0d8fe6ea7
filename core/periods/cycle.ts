/**
 * Billing cycles and reset periods, pure. A plan bills its base fee once per `interval` (the
 * billing cycle) and renews its grants (credits, allowance, included units) and invoices overage
 * once per `resetInterval` (default: the interval). A YEAR plan with MONTH resets has cycles of 12
 * periods: the wallet's period is the month; the base fee is billed in advance at the start of each
 * year. The reset interval must divide the interval (MONTH or QUARTER in a YEAR, MONTH in a
 * QUARTER, DAY in a WEEK). Both clocks count from the subscription's anchor with the same
 * anniversary arithmetic, so the 12th month ends exactly when the year does.
 */
import type { Plan } from "../plans/plan";
import type { Subscription } from "../wallet";
import { addIntervals, type BillingInterval } from "./arithmetic";

const MONTHS: Partial<Record<BillingInterval, number>> = { MONTH: 1, QUARTER: 3, YEAR: 12 };
const DAYS: Partial<Record<BillingInterval, number>> = { DAY: 1, WEEK: 7 };

/** How many `reset` periods make one `interval`, or undefined when they do not divide it. */
export function periodsPerCycle(interval: BillingInterval, reset: BillingInterval): number | undefined {
  for (const unit of [MONTHS, DAYS]) {
    const whole = unit[interval];
    const part = unit[reset];
    if (whole !== undefined && part !== undefined) return whole % part === 0 ? whole / part : undefined;
  }
  return undefined;
}

export const resetIntervalOf = (plan: Plan): BillingInterval => plan.resetInterval ?? plan.interval;

/** Reset periods per billing cycle of `plan` (1 when it resets once per interval). */
export const cyclePeriods = (plan: Plan): number => periodsPerCycle(plan.interval, resetIntervalOf(plan)) ?? 1;

/** The `index`-th reset period's end, counted from `anchor`. */
export const periodEndAt = (plan: Plan, anchor: string, index: number): string =>
  addIntervals(new Date(anchor), resetIntervalOf(plan), index + 1).toISOString();

/** The billing cycle that holds the subscription's current period. */
export function billingCycle(plan: Plan, sub: Subscription): { start: string; end: string } {
  const n = cyclePeriods(plan);
  const first = Math.floor(sub.periodIndex / n) * n;
  const anchor = new Date(sub.anchor);
  return {
    start: addIntervals(anchor, resetIntervalOf(plan), first).toISOString(),
    end: addIntervals(anchor, resetIntervalOf(plan), first + n).toISOString(),
  };
}

/** Whether the subscription's current period is the last of its billing cycle. */
export const endsCycle = (plan: Plan, sub: Subscription): boolean => (sub.periodIndex + 1) % cyclePeriods(plan) === 0;
