/**
 * The one place the magnitudes the engine accepts are decided. DynamoDB stores a Number with at
 * most 38 significant digits; amounts are integers at 10^-12 (core/money.ts), so 10^26 of a
 * currency unit is the absolute ceiling. Everything a customer can reach stays far below it:
 *
 * | what | bound | at 10^-12 |
 * |---|---|---|
 * | a price: base price, overage / unit price, pack price, one top-up, credits per unit | 10^9 | 22 digits |
 * | one event's quantity (`value`, or its token count), an entitlement `amount` | 10^12 units | 25 digits |
 * | a plan's or pack's quantity: `included`, `limit`, `includedCredits`, pack credits | 10^15 | 28 digits |
 * | every running sum: a feature's usage in a period, spend, credits, top-ups, one invoice line | 10^18 | 31 digits |
 *
 * A price times a quantity is then at most 10^21, and an invoice of a hundred lines at 10^18
 * keeps 5 digits to spare. The first three bounds are checked at the edge (BAD_USER_INPUT); the
 * running sums are checked by the write that moves them, in its DynamoDB condition (LIMIT_REACHED):
 * no extra read, no extra transaction.
 */
import { SCALE, type Amount } from "./money";

/** Prices and rates (money or credits per unit), a base fee, a pack price, one top-up. */
export const MAX_PRICE: Amount = 10n ** 9n * SCALE;
/** One usage event's quantity, and the `amount` of an entitlement check. */
export const MAX_EVENT_QUANTITY: Amount = 10n ** 12n * SCALE;
/** A plan's included units, hard limit and included credits; a credit pack's credits. */
export const MAX_QUANTITY: Amount = 10n ** 15n * SCALE;
/** Every running sum a customer can reach: usage per feature and period, spend, credits, top-ups, an invoice line. */
export const MAX_SUM: Amount = 10n ** 18n * SCALE;

/**
 * The most a METERED feature's usage may reach in one period: its overage, usage beyond
 * `included` times `overagePrice`, must itself stay within MAX_SUM.
 */
export function meteredUsageCeiling(included: Amount, overagePrice: Amount): Amount {
  if (overagePrice <= 0n) return MAX_SUM;
  const byOverage = included + (MAX_SUM * SCALE) / overagePrice;
  return byOverage < MAX_SUM ? byOverage : MAX_SUM;
}
