/**
 * What a cancellation does, computed (pure but for the plan it loads), for `cancelSubscription`
 * and `deleteCustomer`. PERIOD_END: the subscription runs to the end of the period, whose final
 * invoice has overage only. IMMEDIATE: it ends now; the final invoice has the overage so far and,
 * only when asked with `prorate`, a credit for the unused base fee (the same proration as an
 * immediate plan change). `prorate` has no effect at PERIOD_END: no time is left unused.
 */
import type { Deps } from "../deps";
import { afterTrial, inTrial, NO_GRANT, openPeriod, type Subscription, type Wallet } from "../wallet";
import { subscribedPlan } from "../usage/load";
import { billingCycle } from "../periods/cycle";
import { overageLines, prorationLine, seatCreditLines } from "../invoices/period-lines";
import { subscriptionCanceled, trialEnded } from "../events";
import type { Change } from "./change";
import { period, requireActive, type ChangeTiming } from "./plan-change";

export async function cancellation(
  deps: Deps,
  wallet: Wallet,
  now: Date,
  timing: ChangeTiming,
  prorate: boolean,
): Promise<Change> {
  const sub = requireActive(wallet);
  if (timing === "PERIOD_END") {
    const { scheduledPlanCode: _dropped, ...rest } = sub;
    return { after: { ...wallet, subscription: { ...rest, cancelAtPeriodEnd: true } }, events: [] };
  }
  const current = await subscribedPlan(deps, sub);
  // A trial billed no fee: cancelling it invoices nothing (its overage is blocked, so none).
  const proration =
    prorate && !inTrial(sub) ? prorationLine(current, wallet, period(sub), now, billingCycle(current, sub)) : undefined;
  // Its add-ons end with it (given back pro rata with `prorate`, by seatCreditLines).
  const { scheduledPlanCode: _dropped, addOns: _ended, ...rest } = afterTrial(sub);
  const ended: Subscription = { ...rest, status: "CANCELED", cancelAtPeriodEnd: false, periodEnd: now.toISOString() };
  return {
    after: openPeriod(wallet, NO_GRANT, ended),
    invoice: {
      lines: [
        ...overageLines(wallet, current, { start: sub.periodStart, end: now.toISOString() }),
        ...(proration ? [proration] : []),
        ...(prorate && !inTrial(sub) ? seatCreditLines(wallet, current, now) : []),
      ],
      currency: current.currency,
      periodStart: sub.periodStart,
      periodEnd: now.toISOString(),
    },
    events: [
      ...(inTrial(sub) ? [trialEnded(wallet.customerId, sub, now.toISOString(), "CANCELED")] : []),
      subscriptionCanceled(wallet.customerId, sub, now.toISOString()),
    ],
  };
}
