/**
 * What attached add-ons do to a plan and to invoices (pure).
 *
 * - `withAddOns`: the plan as the subscription holding them prices it: each add-on's grant x
 *   quantity joins the pool of the plan's model (the model decides: `addOnGrant`), a BOOLEAN
 *   add-on adds its feature. Everything that prices, checks or closes a period reads this plan, so
 *   entitlement, quote, tracking, the close, upcomingInvoice and previews all see the add-ons.
 * - An add-on detached (`detaching`) still counts for the rest of the period it was paid for.
 * - Prices: in advance, per period (`renewalLines`); attached mid-period, pro rata for the rest of
 *   the period (`attachLine`); given back pro rata when the period is cut short by an immediate
 *   plan change or a prorated immediate cancel (`creditLines`), like extra seats.
 */
import { divRound, formatDecimal, multiply, SCALE, type Amount } from "../money";
import { strategyFor } from "../models";
import type { Ratio } from "../models/types";
import { planFeatureOf, type Plan } from "../plans/plan";
import { invoiceLine, type InvoiceLine, type LinePeriod } from "../invoices/invoice";
import type { Subscription } from "../wallet";
import type { AttachedAddOn } from "./add-on";

const units = (a: AttachedAddOn): Amount => BigInt(a.quantity) * SCALE;

/** `plan` with what the subscription's add-ons give (none: the plan itself). */
export function withAddOns(plan: Plan, sub: Pick<Subscription, "addOns"> | undefined): Plan {
  let extended = plan;
  for (const a of sub?.addOns ?? []) {
    if (a.grants === undefined) {
      if (!planFeatureOf(extended, a.feature))
        extended = { ...extended, features: [...extended.features, { feature: a.feature, kind: "BOOLEAN" }] };
    } else if (appliesTo(a, extended))
      extended = strategyFor(extended.model).addOnGrant(extended, a.feature, a.grants * BigInt(a.quantity));
  }
  return extended;
}

/**
 * Whether an add-on works on `plan`: a BOOLEAN one everywhere; a granting one where the plan prices
 * its feature as usage (METERED kind) and in the add-on's currency.
 */
export function appliesTo(a: Pick<AttachedAddOn, "feature" | "grants" | "currency">, plan: Plan): boolean {
  if (a.currency !== plan.currency) return false;
  if (a.grants === undefined) return true;
  return planFeatureOf(plan, a.feature)?.kind === "METERED";
}

/** The add-ons a period opening on `plan` keeps: those not detaching that still apply to it. */
export const keptAddOns = (sub: Subscription, plan: Plan): AttachedAddOn[] =>
  (sub.addOns ?? []).filter((a) => !a.detaching && appliesTo(a, plan)).map(({ detaching: _d, ...a }) => a);

/** `sub` with `addOns` (none: the field removed). */
export function withAttached(sub: Subscription, addOns: AttachedAddOn[]): Subscription {
  const { addOns: _old, ...rest } = sub;
  return addOns.length ? { ...rest, addOns } : rest;
}

/** The ADD_ON lines of a period opening with `sub`'s add-ons: price x quantity, in advance. */
export function renewalLines(sub: Subscription): InvoiceLine[] {
  const period: LinePeriod = { start: sub.periodStart, end: sub.periodEnd };
  return (sub.addOns ?? [])
    .filter((a) => a.price > 0n)
    .map((a) =>
      invoiceLine(
        "ADD_ON",
        `${a.name} (${period.start.slice(0, 10)} to ${period.end.slice(0, 10)})`,
        units(a),
        a.price,
        a.feature,
        period,
      ),
    );
}

/**
 * The ADD_ON line of an add-on attached with `left` of the period to run: quantity x price x time
 * left, exact to 10^-12 (one division) and rounded once, on the line; its unit price is one unit's
 * exact price for the rest of the period. None for a free add-on or no time left.
 */
export function attachLine(a: AttachedAddOn, left: Ratio, from: string, to: string): InvoiceLine | undefined {
  if (a.price === 0n || left.num === 0n) return undefined;
  return {
    kind: "ADD_ON",
    description: `${a.name} for ${from.slice(0, 10)} to ${to.slice(0, 10)} (${formatDecimal(a.price)} per period, pro rata)`,
    feature: a.feature,
    quantity: units(a),
    unitPrice: divRound(a.price * left.num, left.den),
    amount: divRound(multiply(units(a), a.price) * left.num, left.den),
    periodStart: from,
    periodEnd: to,
  };
}

/** Negative ADD_ON lines giving back what the add-ons paid for the rest of a period cut short at `at` (`left` of it). */
export function creditLines(sub: Subscription, left: Ratio, at: Date): InvoiceLine[] {
  if (left.num === 0n) return [];
  const from = at.toISOString();
  return (sub.addOns ?? [])
    .filter((a) => a.price > 0n)
    .map((a) => ({
      kind: "ADD_ON" as const,
      description: `Unused ${a.name} after ${from.slice(0, 10)}`,
      feature: a.feature,
      quantity: -units(a),
      unitPrice: divRound(a.price * left.num, left.den),
      amount: -divRound(multiply(units(a), a.price) * left.num, left.den),
      periodStart: from,
      periodEnd: sub.periodEnd,
    }));
}
