/** Dates as the operator reads them: UTC (billing periods are UTC), no locale surprises. */

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function date(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : "—";
}

/** Whole days from `now` until `end`, rounded up (a period ending in 3 hours has 1 day left). */
export function daysLeft(now: string, end: string): number {
  const ms = Date.parse(end) - Date.parse(now);
  return ms <= 0 ? 0 : Math.ceil(ms / 86_400_000);
}
