/**
 * A coupon's discount of a base fee, pure. The discount is a DISCOUNT line right after the plan's
 * BASE_FEE line: the exact percentage of the base price (rounded once, on the line), or the amount
 * off, at most the base price, so the pair never goes below zero. A coupon discounts a base fee only
 * when the plan is one of its `planCodes` (or it has none) and, for an amount, bills in its
 * currency; each base fee it discounts uses one of its `remainingCycles` (ONCE, REPEATING), and the
 * subscription drops it when none is left. `discounted` is what the period's base fee was
 * discounted by: a proration credits the unused part of what was billed, never of the full price.
 */
import { min } from "../money";
import type { Plan } from "../plans/plan";
import { fractionLine, invoiceLine, type InvoiceLine, type LinePeriod } from "../invoices/invoice";
import { SCALE } from "../money";
import type { Subscription } from "../wallet";
import { baseFeeLine } from "../invoices/period-lines";
import { billingCycle, cyclePeriods } from "../periods/cycle";
import type { AppliedCoupon } from "./coupon";

/** Whether the coupon discounts this plan's base fee. */
export const discounts = (coupon: AppliedCoupon, plan: Plan): boolean =>
  (coupon.planCodes.length === 0 || coupon.planCodes.includes(plan.code)) &&
  (coupon.amountOff === undefined || coupon.currency === plan.currency) &&
  (coupon.remainingCycles === undefined || coupon.remainingCycles > 0) &&
  plan.basePrice > 0n;

export type Discounted = {
  lines: InvoiceLine[];
  /** The coupon after this base fee (undefined: used up). */
  coupon?: AppliedCoupon;
  /** The exact discount of this base fee (0 when none). */
  discount: bigint;
};

/** The DISCOUNT line of `plan`'s base fee for `period`, if the coupon gives one. */
export function discountBaseFee(coupon: AppliedCoupon | undefined, plan: Plan, period: LinePeriod): Discounted {
  if (!coupon) return { lines: [], discount: 0n };
  if (!discounts(coupon, plan)) return { lines: [], coupon, discount: 0n };
  const description = `Coupon ${coupon.code}`;
  const line =
    coupon.percentOffBps !== undefined
      ? fractionLine(
          "DISCOUNT",
          description,
          -plan.basePrice,
          { num: BigInt(coupon.percentOffBps), den: 10_000n },
          period,
        )
      : invoiceLine("DISCOUNT", description, SCALE, -min(coupon.amountOff ?? 0n, plan.basePrice), undefined, period);
  const left = coupon.remainingCycles === undefined ? undefined : coupon.remainingCycles - 1;
  return {
    lines: [line],
    ...(left === undefined ? { coupon } : left > 0 ? { coupon: { ...coupon, remainingCycles: left } } : {}),
    discount: -line.amount,
  };
}

/**
 * The base fee of the billing cycle `sub`'s period starts (its plan's, in advance, over the whole
 * cycle: core/periods/cycle.ts), discounted by its coupon: the lines, and the subscription with its
 * coupon after them and the cycle's `baseDiscount` recorded. A period inside a cycle bills nothing
 * and keeps both (the cycle's fee was billed at its start).
 */
export function billBaseFee(sub: Subscription, plan: Plan): { lines: InvoiceLine[]; subscription: Subscription } {
  if (sub.periodIndex % cyclePeriods(plan) !== 0) return { lines: [], subscription: sub };
  const period = billingCycle(plan, sub);
  const { lines, coupon, discount } = discountBaseFee(sub.coupon, plan, period);
  const { coupon: _old, baseDiscount: _was, ...rest } = sub;
  return {
    lines: [baseFeeLine(plan, period), ...lines],
    subscription: { ...rest, ...(coupon ? { coupon } : {}), ...(discount > 0n ? { baseDiscount: discount } : {}) },
  };
}
