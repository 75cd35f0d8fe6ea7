/**
 * Billing period arithmetic, pure. Periods are anniversary-based in UTC: the n-th period of a
 * subscription anchored at `anchor` ends at anchor + n intervals, with the anchor's day of month
 * kept and clamped to the month's length (Jan 31 -> Feb 28/29 -> Mar 31; Feb 29 yearly -> Feb 28).
 * Computing every boundary from the anchor, never from the previous boundary, is what keeps the
 * anchor day from drifting after a short month.
 */
export const BillingInterval = { DAY: "DAY", MONTH: "MONTH", YEAR: "YEAR" } as const;
export type BillingInterval = (typeof BillingInterval)[keyof typeof BillingInterval];

/** anchor + n intervals. */
export function addIntervals(anchor: Date, interval: BillingInterval, n: number): Date {
  if (interval === "DAY") return new Date(anchor.getTime() + n * 86_400_000);
  const months = interval === "MONTH" ? n : n * 12;
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
