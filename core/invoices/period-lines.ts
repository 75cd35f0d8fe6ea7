/**
 * The lines a period change bills (pure): the closed period's overage, as each consumption model
 * defines it, the next period's base fee, and the credit for unused time when a period is cut
 * short by an immediate change or cancellation.
 */
import { divRound, SCALE, type Amount } from "../money";
import { strategyFor } from "../models";
import type { Plan } from "../plans";
import type { Wallet } from "../wallet";
import { invoiceLine, type InvoiceLine } from "./invoice";

export function overageLines(wallet: Wallet, plan: Plan): InvoiceLine[] {
  return strategyFor(plan.model)
    .overage(wallet, plan)
    .map((o) => invoiceLine("OVERAGE", o.description, o.quantity, o.unitPrice, o.feature));
}

export function baseFeeLine(plan: Plan, period: { start: string; end: string }): InvoiceLine {
  return invoiceLine(
    "BASE_FEE",
    `${plan.name} (${period.start.slice(0, 10)} to ${period.end.slice(0, 10)})`,
    SCALE,
    plan.basePrice,
  );
}

/** A negative line crediting the base fee for the part of the period not used, pro rata by time. */
export function prorationLine(plan: Plan, period: { start: string; end: string }, at: Date): InvoiceLine | undefined {
  const total = BigInt(Date.parse(period.end) - Date.parse(period.start));
  const left = BigInt(Math.max(0, Date.parse(period.end) - at.getTime()));
  if (left === 0n || plan.basePrice === 0n) return undefined;
  const credit: Amount = divRound(plan.basePrice * left, total);
  return invoiceLine("PRORATION", `Unused time on ${plan.name} after ${at.toISOString().slice(0, 10)}`, SCALE, -credit);
}
