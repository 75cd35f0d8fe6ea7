/**
 * The lines a period change bills (pure): the closed period's overage, as each consumption model
 * defines it, the next period's base fee, and the credit for the unused base fee when a period is
 * cut short by an immediate plan change (or a cancellation asked to prorate). Each line names the
 * period it bills.
 */
import { SCALE } from "../money";
import { levelAdvance, levelOverage, seatCredits, strategyFor } from "../models";
import { periodLeft } from "../models/levels";
import type { Ratio } from "../models/types";
import type { Plan } from "../plans/plan";
import type { Wallet } from "../wallet";
import { fractionLine, invoiceLine, type InvoiceLine, type LinePeriod } from "./invoice";
import { creditLines, renewalLines } from "../add-ons/terms";

/** The overage of `period` (the closed one, or its part up to an immediate change). */
export function overageLines(wallet: Wallet, plan: Plan, period: LinePeriod): InvoiceLine[] {
  return [...strategyFor(plan.model).overage(wallet, plan), ...levelOverage(wallet, plan)].map((o) =>
    invoiceLine("OVERAGE", o.description, o.quantity, o.unitPrice, o.feature, period),
  );
}

/**
 * What a period opening on `wallet` (already renewed) bills in advance beyond the base fee: extra
 * seats (core/models/levels.ts) and its add-ons (core/add-ons/terms.ts).
 */
export function advanceLines(wallet: Wallet, plan: Plan): InvoiceLine[] {
  const sub = wallet.subscription;
  if (!sub) return [];
  const period = { start: sub.periodStart, end: sub.periodEnd };
  return [
    ...levelAdvance(wallet, plan).map((o) =>
      invoiceLine("SEATS", o.description, o.quantity, o.unitPrice, o.feature, period),
    ),
    ...renewalLines(sub),
  ];
}

export function baseFeeLine(plan: Plan, period: LinePeriod): InvoiceLine {
  return invoiceLine(
    "BASE_FEE",
    `${plan.name} (${period.start.slice(0, 10)} to ${period.end.slice(0, 10)})`,
    SCALE,
    plan.basePrice,
    undefined,
    period,
  );
}

/**
 * Negative SEATS lines giving back the extra seats paid for the rest of a period cut short at `at`
 * (core/models/levels.ts), and negative ADD_ON lines for its add-ons (core/add-ons/terms.ts).
 */
export function seatCreditLines(wallet: Wallet, plan: Plan, at: Date): InvoiceLine[] {
  const sub = wallet.subscription;
  const end = sub?.periodEnd ?? at.toISOString();
  const addOns = sub ? creditLines(sub, periodLeft(wallet, at), at) : [];
  return [...seatLines(wallet, plan, at, end), ...addOns];
}

function seatLines(wallet: Wallet, plan: Plan, at: Date, end: string): InvoiceLine[] {
  return seatCredits(wallet, plan, at).map((c) => ({
    kind: "SEATS" as const,
    description: `Unused extra seats of ${c.feature} after ${at.toISOString().slice(0, 10)}`,
    feature: c.feature,
    quantity: c.quantity,
    unitPrice: c.unitPrice,
    amount: c.amount,
    periodStart: at.toISOString(),
    periodEnd: end,
  }));
}

/** The smaller of two exact fractions. */
const least = (a: Ratio, b: Ratio | undefined): Ratio => (b && b.num * a.den < a.num * b.den ? b : a);

/**
 * The part of the base fee a period cut short at `at` gives back: basePrice x min(time left, grant
 * left), both exact fractions, rounded once on the line. Grant left is what the period granted and
 * is still unused (the model decides: plan credits, allowance, included units); a plan that grants
 * nothing goes by time alone. So a customer who used up the grant gets nothing back, and one who
 * used half of it gets at most half.
 *
 * When the base fee pays for a billing `cycle` of several periods (a YEAR plan with MONTH resets,
 * core/periods/cycle.ts), the periods after the current one are given back whole, by time, and
 * the current one by the rule above: (time after the period + period x min(...)) / cycle.
 */
export function prorationFraction(plan: Plan, wallet: Wallet, period: LinePeriod, at: Date, cycle = period): Ratio {
  const total = BigInt(Date.parse(period.end) - Date.parse(period.start));
  const left = BigInt(Math.max(0, Math.min(Date.parse(period.end) - at.getTime(), Number(total))));
  const time: Ratio = total > 0n ? { num: left, den: total } : { num: 0n, den: 1n };
  const current = least(time, strategyFor(plan.model).grantLeft(wallet, plan));
  const whole = BigInt(Date.parse(cycle.end) - Date.parse(cycle.start));
  if (whole <= total) return current;
  const after = BigInt(Math.max(0, Date.parse(cycle.end) - Date.parse(period.end)));
  return { num: after * current.den + total * current.num, den: whole * current.den };
}

/**
 * A negative line crediting the unused base fee (prorationFraction) of what the cycle's base fee
 * billed (the base price less a coupon's discount of it); none when there is nothing to credit.
 */
export function prorationLine(
  plan: Plan,
  wallet: Wallet,
  period: LinePeriod,
  at: Date,
  cycle = period,
): InvoiceLine | undefined {
  const fraction = prorationFraction(plan, wallet, period, at, cycle);
  // What the cycle's base fee billed: a coupon's discount of it is not credited back.
  const billed = plan.basePrice - (wallet.subscription?.baseDiscount ?? 0n);
  if (fraction.num === 0n || billed <= 0n) return undefined;
  return fractionLine("PRORATION", `Unused ${plan.name} after ${at.toISOString().slice(0, 10)}`, -billed, fraction, {
    start: at.toISOString(),
    end: cycle.end,
  });
}
