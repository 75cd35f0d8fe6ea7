/**
 * The closes one write can carry, computed in memory: starting from the wallet as read, each
 * period that has ended by `now` is renewed as a close renews it (oldest first), with its invoice
 * (the closed period's overage and the next period's base fee, less account credit: none when it
 * has no line) and its events. One write holds as many as fit one DynamoDB transaction (the wallet, the invoices, one
 * outbox item and the invoice counter: at most 100 items; the events well under an item's 400 KB).
 */
import type { BillingEvent, Deps } from "../deps";
import { activeSubscription, isDue, type Wallet, withoutHolds } from "../wallet";
import { pricingPlan, subscribedPlan } from "../usage/load";
import type { Invoice, InvoiceDraft } from "../invoices/invoice";
import { settleInvoice } from "../invoices/settle";
import { advanceLines, overageLines } from "../invoices/period-lines";
import { billBaseFee } from "../coupons/discount";
import {
  invoiceIssued,
  subscriptionCanceled,
  subscriptionPlanChanged,
  subscriptionRenewed,
  trialEnded,
  trialWillEnd,
} from "../events";
import { MAX_ITEMS } from "../db/group-commit";
import { renewWallet } from "./renew";
import { endedWallet, endPeriod, graceEndOf, issueDue } from "./grace";
import type { Plan } from "../plans/plan";
import type { Subscription } from "../wallet";

/** Invoices per write: the transaction's items less the wallet, the outbox item and the counter. */
const MAX_CLOSES = MAX_ITEMS - 3;
/** A rough bound on the events one outbox item holds (DynamoDB items stop at 400 KB). */
const MAX_EVENT_BYTES = 200_000;

export type PlannedCloses = {
  /** The wallet after them. */
  after: Wallet;
  drafts: InvoiceDraft[];
  /** Their events, in order, once the invoices have numbers. */
  eventsFor: (invoices: Invoice[]) => BillingEvent[];
  closes: number;
  /** Trial reminders (trial.will_end) among the steps: they close no period. */
  reminders: number;
  /** Whether another period is still due after these. */
  more: boolean;
};

type Close = { draft?: InvoiceDraft; lifecycle: BillingEvent[] };

/**
 * `graceMs`: the grace period for late events (default the deployment's, core/periods/grace.ts):
 * a period that ended less than that before `now` rolls without its invoice, which a later call
 * issues once the grace is over. Previews pass 0: they show the invoice the close will issue.
 */
export async function planCloses(
  deps: Deps,
  wallet: Wallet,
  now: Date,
  graceMs = deps.gracePeriodMs ?? 0,
): Promise<PlannedCloses> {
  const closes: Close[] = [];
  let current = wallet;
  let bytes = 0;
  let reminders = 0;
  const rollDue = () => {
    const sub = activeSubscription(current);
    return sub && isDue(sub, now) ? sub : undefined;
  };
  // An ended period's invoice is issued when its grace is over, or before the next step.
  const due = () => (current.ended && (issueDue(current, now) || rollDue()) ? current.subscription : rollDue());
  for (let sub = due(); sub && closes.length < MAX_CLOSES && bytes < MAX_EVENT_BYTES; sub = due()) {
    if (current.ended) {
      const endedSub = current.ended.subscription;
      const issued = issueEnded(current, await subscribedPlan(deps, endedSub), now);
      closes.push(issued.close);
      bytes += issued.bytes;
      current = issued.after;
      continue;
    }
    // A trial's reminder falls before its end: published once, by the write that finds it due.
    if (sub.trialReminderAt && Date.parse(sub.trialReminderAt) <= now.getTime()) {
      const { trialReminderAt, ...rest } = sub;
      current = { ...current, subscription: rest };
      closes.push({ lifecycle: [trialWillEnd(wallet.customerId, sub, trialReminderAt)] });
      reminders++;
      bytes += 1_000;
      continue;
    }
    // The closing period's plan as its add-ons extended it (its included units: core/add-ons).
    const plan = await subscribedPlan(deps, sub);
    const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
    const opened = renewWallet(current, plan, next);
    // The base fee is the renewed plan's, in advance, when the period it opens starts a billing cycle
    // (every period, unless the plan resets more often than it bills: core/periods/cycle.ts).
    const opens = activeSubscription(opened);
    const fee = next && opens ? billBaseFee(opens, opens.planCode === plan.code ? plan : next) : undefined;
    const after = fee ? { ...opened, subscription: fee.subscription } : opened;
    const renewed = activeSubscription(after);
    const graceEnd = graceEndOf(sub.periodEnd, graceMs, renewed);
    if (Date.parse(graceEnd) > now.getTime()) {
      // In its grace period: the new period starts now, the invoice waits for late usage.
      closes.push({ lifecycle: lifecycleEvents(wallet.customerId, sub, renewed) });
      bytes += 1_000;
      // Its counters as the close would bill them: open holds given back (they carry into the new period).
      // Its invoice bills, at the grace end, the base fee and the extra seats of the period this opens.
      const advance = renewed ? advanceLines(after, renewed.planCode === plan.code ? plan : next!) : [];
      current = { ...after, ended: endPeriod(withoutHolds(current), graceEnd, [...(fee?.lines ?? []), ...advance]) };
      continue;
    }
    const lines = [
      ...overageLines(current, plan, { start: sub.periodStart, end: sub.periodEnd }),
      ...(fee?.lines ?? []),
      // Extra seats of the period it opens, in advance (core/models/levels.ts).
      ...(renewed ? advanceLines(after, renewed.planCode === plan.code ? plan : next!) : []),
    ];
    const settled = settleInvoice(
      after,
      {
        customerId: wallet.customerId,
        currency: plan.currency,
        periodStart: sub.periodStart,
        periodEnd: sub.periodEnd,
        lines,
        createdAt: now.toISOString(),
      },
      new Date(sub.periodEnd),
    );
    const draft = settled.draft;
    closes.push({ ...(draft ? { draft } : {}), lifecycle: lifecycleEvents(wallet.customerId, sub, renewed) });
    bytes += 1_000 + 300 * lines.length;
    current = settled.wallet;
  }
  const drafts = closes.flatMap((c) => (c.draft ? [c.draft] : []));
  const eventsFor = (invoices: Invoice[]) => {
    let n = 0;
    return closes.flatMap((c) => [...(c.draft ? invoiceIssued(invoices[n++]!) : []), ...c.lifecycle]);
  };
  return { after: current, drafts, eventsFor, closes: closes.length - reminders, reminders, more: due() !== undefined };
}

/** What a period's end publishes: a trial's end, the renewal (and a scheduled plan taking over), or the cancellation. */
function lifecycleEvents(customerId: string, sub: Subscription, renewed: Subscription | undefined): BillingEvent[] {
  const trialOver = sub.trialing
    ? [trialEnded(customerId, sub, sub.periodEnd, renewed ? "CONVERTED" : "CANCELED")]
    : [];
  return renewed
    ? [
        ...trialOver,
        subscriptionRenewed(customerId, renewed, sub.periodEnd),
        ...(renewed.planCode !== sub.planCode
          ? [subscriptionPlanChanged(customerId, sub.planCode, renewed, "PERIOD_END")]
          : []),
      ]
    : [...trialOver, subscriptionCanceled(customerId, sub, sub.periodEnd)];
}

/**
 * The closing invoice of the wallet's ended period (./grace.ts), late usage included: its overage
 * as the close computes it and the base fee lines the roll computed, less account credit as the
 * close would have applied it. The wallet after it has no ended period.
 */
function issueEnded(wallet: Wallet, plan: Plan, now: Date) {
  const ended = wallet.ended!;
  const { subscription: sub } = ended;
  const lines = [
    ...overageLines(endedWallet(wallet.customerId, ended), plan, { start: sub.periodStart, end: sub.periodEnd }),
    ...(ended.baseFee ?? []),
  ];
  const { ended: _issued, ...rest } = wallet;
  const settled = settleInvoice(
    rest,
    {
      customerId: wallet.customerId,
      currency: plan.currency,
      periodStart: sub.periodStart,
      periodEnd: sub.periodEnd,
      lines,
      createdAt: now.toISOString(),
    },
    new Date(sub.periodEnd),
  );
  return {
    close: { ...(settled.draft ? { draft: settled.draft } : {}), lifecycle: [] } as Close,
    bytes: 1_000 + 300 * lines.length,
    after: settled.wallet,
  };
}
