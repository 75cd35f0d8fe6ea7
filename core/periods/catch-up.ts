/**
 * The closes one write can carry, computed in memory: starting from the wallet as read, each
 * period that has ended by `now` is renewed as a close renews it (oldest first), with its invoice
 * (the closed period's overage and the next period's base fee, less account credit: none when it
 * has no line) and its events. One write holds as many as fit one DynamoDB transaction (the wallet, the invoices, one
 * outbox item and the invoice counter: at most 100 items; the events well under an item's 400 KB).
 */
import type { BillingEvent, Deps } from "../deps";
import { activeSubscription, isDue, type Wallet } from "../wallet";
import { pricingPlan } from "../usage/load";
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

export async function planCloses(deps: Deps, wallet: Wallet, now: Date): Promise<PlannedCloses> {
  const closes: Close[] = [];
  let current = wallet;
  let bytes = 0;
  let reminders = 0;
  const due = () => {
    const sub = activeSubscription(current);
    return sub && isDue(sub, now) ? sub : undefined;
  };
  for (let sub = due(); sub && closes.length < MAX_CLOSES && bytes < MAX_EVENT_BYTES; sub = due()) {
    // A trial's reminder falls before its end: published once, by the write that finds it due.
    if (sub.trialReminderAt && Date.parse(sub.trialReminderAt) <= now.getTime()) {
      const { trialReminderAt, ...rest } = sub;
      current = { ...current, subscription: rest };
      closes.push({ lifecycle: [trialWillEnd(wallet.customerId, sub, trialReminderAt)] });
      reminders++;
      bytes += 1_000;
      continue;
    }
    const plan = await pricingPlan(deps, sub.planCode);
    const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
    const opened = renewWallet(current, plan, next);
    // The base fee is the renewed plan's, in advance, when the period it opens starts a billing cycle
    // (every period, unless the plan resets more often than it bills: core/periods/cycle.ts).
    const opens = activeSubscription(opened);
    const fee = next && opens ? billBaseFee(opens, opens.planCode === plan.code ? plan : next) : undefined;
    const after = fee ? { ...opened, subscription: fee.subscription } : opened;
    const renewed = activeSubscription(after);
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
    const trialOver = sub.trialing
      ? [trialEnded(wallet.customerId, sub, sub.periodEnd, renewed ? "CONVERTED" : "CANCELED")]
      : [];
    const lifecycle = renewed
      ? [
          ...trialOver,
          subscriptionRenewed(wallet.customerId, renewed, sub.periodEnd),
          ...(renewed.planCode !== sub.planCode
            ? [subscriptionPlanChanged(wallet.customerId, sub.planCode, renewed, "PERIOD_END")]
            : []),
        ]
      : [...trialOver, subscriptionCanceled(wallet.customerId, sub, sub.periodEnd)];
    closes.push({ ...(draft ? { draft } : {}), lifecycle });
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
