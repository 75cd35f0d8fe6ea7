/**
 * The delivery rules as pure functions (no clock, no database): Svix's retry schedule, what an
 * attempt's outcome makes of a delivery, and what it makes of its endpoint's health.
 *
 * A delivery is attempted at once, then retried 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
 * after each failure (8 attempts over about 27.6 hours); a 2xx answer is success, anything else
 * (3xx included: redirects are not followed), a timeout or a refused address is a failure.
 * Times are the deployment clock's, so under a test clock `advanceClock` walks the schedule.
 * `redeliverWebhook` starts a fresh schedule.
 *
 * A receiver answering 429 Too Many Requests or 503 Service Unavailable with `Retry-After` is
 * honoured within the schedule: the next attempt comes no sooner than the schedule says (a short
 * Retry-After does not make us send faster) and no later than the schedule's longest step, 10 h (a
 * long one cannot park a delivery for days); the number of attempts stays the schedule's.
 *
 * An endpoint that keeps failing without a single success for 5 days is disabled, and so is one
 * answering 410 Gone (the Standard Webhooks convention for "never send here again").
 */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;
export const ATTEMPTS_PER_SCHEDULE = RETRY_DELAYS_MS.length + 1;
/** The longest step of the schedule: a Retry-After never delays an attempt beyond it. */
export const MAX_RETRY_DELAY_MS = Math.max(...RETRY_DELAYS_MS);
export const DISABLE_AFTER_MS = 5 * 86_400_000;
export const ATTEMPT_TIMEOUT_MS = 10_000;

export type DeliveryStatus = "PENDING" | "SUCCEEDED" | "FAILED";

/** What one attempt came to: an HTTP status, or an error without one (timeout, refused, network). */
export type AttemptResult = {
  status?: number;
  error?: string;
  /** The start of the response body, at most EXCERPT_BYTES. */
  excerpt?: string;
  /** The response's Retry-After, as a delay from when it was received (see parseRetryAfter). */
  retryAfterMs?: number;
  durationMs: number;
};

/**
 * A Retry-After header as a delay in ms: delta-seconds (`120`), or an HTTP-date, measured from
 * `nowMs` (the real time it was received). Anything else is ignored (undefined).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The wait before the next attempt: the schedule's, stretched by a 429/503 Retry-After up to the longest step. */
function retryDelay(step: number, result: AttemptResult): number | undefined {
  const scheduled = RETRY_DELAYS_MS[step];
  const asked = result.status === 429 || result.status === 503 ? result.retryAfterMs : undefined;
  if (scheduled === undefined || asked === undefined) return scheduled;
  return Math.max(scheduled, Math.min(asked, MAX_RETRY_DELAY_MS));
}

export const succeeded = (r: AttemptResult) => r.status !== undefined && r.status >= 200 && r.status < 300;

/** `step`: attempts made in the current schedule before this one. */
export function afterAttempt(
  step: number,
  result: AttemptResult,
  now: Date,
): { status: DeliveryStatus; step: number; nextAttemptAt?: string } {
  if (succeeded(result)) return { status: "SUCCEEDED", step: step + 1 };
  // 410 Gone: the receiver asks never to be sent this again (its endpoint is disabled too).
  const delay = result.status === 410 ? undefined : retryDelay(step, result);
  if (delay === undefined) return { status: "FAILED", step: step + 1 };
  return { status: "PENDING", step: step + 1, nextAttemptAt: new Date(now.getTime() + delay).toISOString() };
}

export type HealthChange =
  | { kind: "none" }
  | { kind: "recovered" }
  | { kind: "failing"; since: string }
  | { kind: "disable"; failingSince: string; reason: string };

/** What an attempt's result makes of its endpoint, given when it started failing (if it is). */
export function healthAfter(failingSince: string | undefined, result: AttemptResult, now: Date): HealthChange {
  if (succeeded(result)) return failingSince ? { kind: "recovered" } : { kind: "none" };
  const since = failingSince ?? now.toISOString();
  if (result.status === 410) return { kind: "disable", failingSince: since, reason: "the endpoint answered 410 Gone" };
  if (!failingSince) return { kind: "failing", since };
  if (now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_MS)
    return {
      kind: "disable",
      failingSince,
      reason: `no successful delivery since ${failingSince} (5 days)`,
    };
  return { kind: "none" };
}
