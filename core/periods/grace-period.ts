/**
 * The deployment's grace period for late events (BILLING_GRACE_PERIOD), pure: an ISO-8601
 * duration of days, hours, minutes and seconds (`PT0S`, `PT6H`, `P1DT12H`, `P3D`), at most `P3D`.
 * Weeks, months and years are refused: a month has no fixed length, and anything beyond 3 days
 * would hold a closing invoice back longer than a payment flow should wait.
 */

/** The longest grace period accepted: 3 days, in milliseconds. */
export const MAX_GRACE_MS = 3 * 86_400_000;

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;

/** The grace period in milliseconds; throws a configuration error naming the setting otherwise. */
export function parseGracePeriod(text: string, name = "BILLING_GRACE_PERIOD"): number {
  const value = text.trim();
  const match = DURATION.exec(value);
  const bad = (why: string) =>
    new Error(`configuration: ${name} must be an ISO-8601 duration of at most P3D (e.g. PT0S, PT6H, P1D); ${why}`);
  if (!match || value === "P" || value.endsWith("T")) throw bad(`got "${text}"`);
  const [, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000);
  if (ms > MAX_GRACE_MS) throw bad(`"${text}" is longer than 3 days`);
  return ms;
}
