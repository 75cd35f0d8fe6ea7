/**
 * Free trials, pure. A trial is the subscription's first period, `trialDays` x 24 hours from
 * subscribing, status TRIALING on the API: no base fee is invoiced; the period grants the plan's
 * credits or allowance once (as any period does); overage is blocked (each model's `trialGuards`:
 * METERED stops at the included units with LIMIT_REACHED, BALANCE at zero with
 * INSUFFICIENT_BALANCE). At its end the first paid period starts on a fresh anchor and its base fee
 * is invoiced by the close (the sweeper's, or lazily the next write's: exactly once, like any close).
 * `trial.will_end` is published 3 days before the end (by the sweeper: the subscription is due in
 * its index then), or at once when the trial is shorter; `trial.ended` at the end.
 *
 * How many days: `trialDays` given to subscribe (0 to 730), else the plan's `trialDays` for a
 * customer's first subscription only (a returning customer gets the plan's trial no more; an
 * explicit `trialDays` still gives one); `skipTrial` gives none. Cancelling during a trial invoices
 * nothing (there is no fee to prorate); an immediate plan change ends the trial and bills the new
 * plan's first period at once; one at period end takes effect when the trial ends.
 */
import { DomainError } from "../errors";
import type { Plan } from "../plans/plan";
import type { Subscription, Wallet } from "../wallet";

const DAY_MS = 86_400_000;
/** trial.will_end is published this long before the trial ends. */
export const TRIAL_REMINDER_MS = 3 * DAY_MS;

export type TrialOptions = { trialDays?: number | null; skipTrial?: boolean | null };

/** The days of trial a subscription to `plan` gets now. */
export function trialDaysFor(plan: Plan, wallet: Wallet, options: TrialOptions): number {
  if (
    options.trialDays != null &&
    (!Number.isInteger(options.trialDays) || options.trialDays < 0 || options.trialDays > 730)
  )
    throw new DomainError("BAD_USER_INPUT", "trialDays must be a whole number of days from 0 to 730");
  if (options.skipTrial) return 0;
  if (options.trialDays != null) return options.trialDays;
  return wallet.subscription ? 0 : plan.trialDays;
}

/** The trial period of a subscription starting now, and whether trial.will_end is due at once. */
export function trialPeriod(plan: Plan, now: Date, days: number): { sub: Subscription; remindNow: boolean } {
  const end = new Date(now.getTime() + days * DAY_MS).toISOString();
  const reminder = new Date(Date.parse(end) - TRIAL_REMINDER_MS);
  const remindNow = reminder.getTime() <= now.getTime();
  return {
    sub: {
      planCode: plan.code,
      status: "ACTIVE",
      anchor: now.toISOString(),
      periodIndex: 0,
      periodStart: now.toISOString(),
      periodEnd: end,
      cancelAtPeriodEnd: false,
      trialEnd: end,
      trialing: true,
      ...(remindNow ? {} : { trialReminderAt: reminder.toISOString() }),
    },
    remindNow,
  };
}
