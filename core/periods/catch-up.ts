/**
 * The closes one write can carry, computed in memory: starting from the wallet as read, each
 * period that has ended by `now` is renewed as a close renews it (oldest first), with its invoice
 * (the closed period's overage and the next period's base fee; none when it has no line) and its
 * events. One write holds as many as fit one DynamoDB transaction (the wallet, the invoices, one
 * outbox item and the invoice counter: at most 100 items; the events well under an item's 400 KB).
 */
import type { BillingEvent, Deps } from "../deps";
import { activeSubscription, type Wallet } from "../wallet";
import { pricingPlan } from "../usage/load";
import { draftInvoice, type Invoice, type InvoiceDraft } from "../invoices/invoice";
import { baseFeeLine, overageLines } from "../invoices/period-lines";
import { invoiceIssued, subscriptionCanceled, subscriptionPlanChanged, subscriptionRenewed } from "../events";
import { MAX_ITEMS } from "../db/group-commit";
import { renewWallet } from "./renew";
import { billingCycle, cyclePeriods } from "./cycle";
import type { Plan } from "../plans/plan";
import type { Subscription } from "../wallet";

/**
 * The base fee a close bills: the renewed plan's, in advance, when the period it opens starts a
 * billing cycle (every period, unless the plan resets more often than it bills: core/periods/cycle.ts).
 */
function baseFee(renewed: Subscription | undefined, plan: Plan, next: Plan | undefined) {
  if (!renewed || !next) return [];
  const billed = renewed.planCode === plan.code ? plan : next;
  return renewed.periodIndex % cyclePeriods(billed) === 0 ? [baseFeeLine(billed, billingCycle(billed, renewed))] : [];
}

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
  /** Whether another period is still due after these. */
  more: boolean;
};

type Close = { draft?: InvoiceDraft; lifecycle: BillingEvent[] };

export async function planCloses(deps: Deps, wallet: Wallet, now: Date): Promise<PlannedCloses> {
  const closes: Close[] = [];
  let current = wallet;
  let bytes = 0;
  const due = () => {
    const sub = activeSubscription(current);
    return sub && Date.parse(sub.periodEnd) <= now.getTime() ? sub : undefined;
  };
  for (let sub = due(); sub && closes.length < MAX_CLOSES && bytes < MAX_EVENT_BYTES; sub = due()) {
    const plan = await pricingPlan(deps, sub.planCode);
    const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
    const after = renewWallet(current, plan, next);
    const renewed = activeSubscription(after);
    const lines = [
      ...overageLines(current, plan, { start: sub.periodStart, end: sub.periodEnd }),
      ...baseFee(renewed, plan, next),
    ];
    const draft = lines.length
      ? draftInvoice({
          customerId: wallet.customerId,
          currency: plan.currency,
          periodStart: sub.periodStart,
          periodEnd: sub.periodEnd,
          lines,
          createdAt: now.toISOString(),
        })
      : undefined;
    const lifecycle = renewed
      ? [
          subscriptionRenewed(wallet.customerId, renewed, sub.periodEnd),
          ...(renewed.planCode !== sub.planCode
            ? [subscriptionPlanChanged(wallet.customerId, sub.planCode, renewed, "PERIOD_END")]
            : []),
        ]
      : [subscriptionCanceled(wallet.customerId, sub, sub.periodEnd)];
    closes.push({ ...(draft ? { draft } : {}), lifecycle });
    bytes += 1_000 + 300 * lines.length;
    current = { ...after, accountCredit: after.accountCredit + (draft?.creditedToAccount ?? 0n) };
  }
  const drafts = closes.flatMap((c) => (c.draft ? [c.draft] : []));
  const eventsFor = (invoices: Invoice[]) => {
    let n = 0;
    return closes.flatMap((c) => [...(c.draft ? invoiceIssued(invoices[n++]!) : []), ...c.lifecycle]);
  };
  return { after: current, drafts, eventsFor, closes: closes.length, more: due() !== undefined };
}
