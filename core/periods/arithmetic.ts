/**
 * Billing period arithmetic, pure. Periods are anniversary-based in UTC: the n-th period of a
 * subscription anchored at `anchor` ends at anchor + n intervals, with the anchor's day of month
 * kept and clamped to the month's length (Jan 31 -> Feb 28/29 -> Mar 31; Feb 29 yearly -> Feb 28).
 * Computing every boundary from the anchor, never from the previous boundary, is what keeps the
 * anchor day from drifting after a short month.
 */
export const BillingInterval = { DAY: "DAY", WEEK: "WEEK", MONTH: "MONTH", QUARTER: "QUARTER", YEAR: "YEAR" } as const;
export type BillingInterval = (typeof BillingInterval)[keyof typeof BillingInterval];
export const BILLING_INTERVALS = Object.values(BillingInterval);

/** Days (DAY, WEEK) or months (MONTH, QUARTER, YEAR) in one interval. */
const LENGTH: Record<BillingInterval, { days: number } | { months: number }> = {
  DAY: { days: 1 },
  WEEK: { days: 7 },
  MONTH: { months: 1 },
  QUARTER: { months: 3 },
  YEAR: { months: 12 },
};

/** anchor + n intervals (days in UTC, so no daylight saving; months clamped to the anchor's day). */
export function addIntervals(anchor: Date, interval: BillingInterval, n: number): Date {
  const length = LENGTH[interval];
  if ("days" in length) return new Date(anchor.getTime() + n * length.days * 86_400_000);
  const months = n * length.months;
  const year = anchor.getUTCFullYear();
  const monthIndex = anchor.getUTCMonth() + months;
  const targetYear = year + Math.floor(monthIndex / 12);
  const targetMonth = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      targetYear,
      targetMonth,
      Math.min(anchor.getUTCDate(), lastDay),
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

export type Period = { index: number; start: Date; end: Date };

/** The `index`-th period (0-based) of a subscription anchored at `anchor`. */
export function periodAt(anchor: Date, interval: BillingInterval, index: number): Period {
  return { index, start: addIntervals(anchor, interval, index), end: addIntervals(anchor, interval, index + 1) };
}
