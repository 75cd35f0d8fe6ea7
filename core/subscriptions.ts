/**
 * Subscription lifecycle: subscribe (period 1 starts now, billed at once), plan changes and
 * cancellation, immediate or at period end. Each change is one transaction conditioned on the
 * wallet it read (core/db/wallets.ts periodUpdate), retried on a fresh read when something else
 * wrote first. Purchased credits and top-ups survive every change, across models. A change whose
 * invoice would have no line (cancelling a free plan) issues none.
 */
import type { BillingEvent, Deps } from "./deps";
import { DomainError } from "./errors";
import type { Plan } from "./plans/plan";
import { getPlan } from "./plans";
import { addIntervals } from "./periods/arithmetic";
import {
  activeSubscription,
  NO_GRANT,
  openPeriod,
  purchasedCreditsLeft,
  topUpsLeft,
  type Subscription,
  type Wallet,
} from "./wallet";
import { formatDecimal, formatMoney } from "./money";
import { listInvoices } from "./db/invoices";
import { currentWallet } from "./usage/current";
import { pricingPlan } from "./usage/load";
import { periodGrant } from "./models";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "./retry";
import { draftInvoice, type Invoice, type InvoiceLine } from "./invoices/invoice";
import { baseFeeLine, overageLines, prorationLine } from "./invoices/period-lines";
import { invoiceIssued, subscriptionCanceled, subscriptionCreated, subscriptionPlanChanged } from "./events";
import { publish } from "./events/publish";
import { writePeriodChange } from "./db/subscriptions";

export type ChangeTiming = "IMMEDIATE" | "PERIOD_END";

type Change = {
  after: Wallet;
  invoice?: { lines: InvoiceLine[]; currency: string; periodStart: string; periodEnd: string };
  events: BillingEvent[];
};

/** Reads the current wallet, computes the change (pure), writes it; retries when beaten to it. */
async function change(
  deps: Deps,
  customerId: string,
  compute: (wallet: Wallet, now: Date) => Promise<Change>,
): Promise<Wallet> {
  const exhausted = () => new DomainError("CONFLICT", "the subscription changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const { wallet, now } = await currentWallet(deps, customerId, { close: true });
    const { after, invoice, events } = await compute(wallet, now);
    const draft = invoice?.lines.length
      ? draftInvoice({ customerId, ...invoice, createdAt: now.toISOString() })
      : undefined;
    // A total below zero is issued as 0.00; the rest is owed to the customer, in the same write.
    const credited = { ...after, accountCredit: after.accountCredit + (draft?.creditedToAccount ?? 0n) };
    const eventsFor = (invoices: Invoice[]) => [...invoices.flatMap(invoiceIssued), ...events];
    const written = await writePeriodChange(deps.db, wallet, credited, draft ? [draft] : [], eventsFor);
    if (!written.ok) return RETRY;
    await publish(deps, written.events, written.outbox);
    return credited;
  });
}

function firstPeriod(plan: Plan, now: Date): Subscription {
  return {
    planCode: plan.code,
    status: "ACTIVE",
    anchor: now.toISOString(),
    periodIndex: 0,
    periodStart: now.toISOString(),
    periodEnd: addIntervals(now, plan.interval, 1).toISOString(),
    cancelAtPeriodEnd: false,
  };
}

const period = (s: Subscription) => ({ start: s.periodStart, end: s.periodEnd });

async function orderablePlan(deps: Deps, code: string): Promise<Plan> {
  const plan = await getPlan(deps, code);
  if (plan.archived)
    throw new DomainError("BAD_USER_INPUT", `plan "${code}" is archived and takes no new subscriptions`);
  return plan;
}

export async function subscribe(deps: Deps, customerId: string, planCode: string): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const after = await change(deps, customerId, async (wallet, now) => {
    if (activeSubscription(wallet))
      throw new DomainError("ALREADY_EXISTS", `customer "${customerId}" already has an active subscription`);
    await requireCurrencyFree(deps, wallet, plan);
    const sub = firstPeriod(plan, now);
    return {
      after: openPeriod(wallet, periodGrant(plan), sub),
      invoice: {
        lines: [baseFeeLine(plan, period(sub))],
        currency: plan.currency,
        periodStart: sub.periodStart,
        periodEnd: sub.periodEnd,
      },
      events: [subscriptionCreated(customerId, sub)],
    };
  });
  return after.subscription!;
}

/**
 * A wallet holds one currency at a time (there are no exchange rates, and amounts are never
 * converted by relabelling them). A resubscription in another currency than the customer's last
 * plan is refused while anything of the old currency is left: purchased credits or top-ups (or
 * a debt of them left by a voided purchase), account credit, or an OPEN invoice. Once they are used up, paid or voided, any currency is fine.
 */
async function requireCurrencyFree(deps: Deps, wallet: Wallet, plan: Plan): Promise<void> {
  const last = wallet.subscription && (await pricingPlan(deps, wallet.subscription.planCode));
  if (!last || last.currency === plan.currency) return;
  const credits = purchasedCreditsLeft(wallet);
  const topUps = topUpsLeft(wallet);
  const open = (await listInvoices(deps.db, wallet.customerId)).filter(
    (i) => i.status === "OPEN" && i.currency !== plan.currency,
  );
  const left = [
    ...(credits !== 0n ? [`${formatDecimal(credits)} purchased credits`] : []),
    ...(topUps !== 0n ? [`${formatMoney(topUps)} ${last.currency} of top-ups`] : []),
    ...(wallet.accountCredit !== 0n ? [`${formatMoney(wallet.accountCredit)} ${last.currency} of account credit`] : []),
    ...(open.length
      ? [`${open.length} open ${last.currency} invoice(s) (${open.map((i) => i.number).join(", ")})`]
      : []),
  ];
  if (left.length)
    throw new DomainError(
      "BAD_USER_INPUT",
      `plan "${plan.code}" bills in ${plan.currency}, but customer "${wallet.customerId}" still holds ${left.join(" and ")}: ` +
        `it can resubscribe in ${last.currency} only, until they are used up, paid or voided`,
    );
}

/** A subscription keeps its currency: a plan change to another currency would mix two on one invoice. */
function requireSameCurrency(current: Plan, next: Plan): void {
  if (current.currency !== next.currency)
    throw new DomainError(
      "BAD_USER_INPUT",
      `plan "${next.code}" bills in ${next.currency}, the subscription in ${current.currency}: a subscription keeps its currency (cancel it and subscribe anew)`,
    );
}

function requireActive(wallet: Wallet): Subscription {
  const sub = activeSubscription(wallet);
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${wallet.customerId}" has no active subscription`);
  return sub;
}

/**
 * IMMEDIATE: the current period closes now with its overage and a credit for its unused base fee
 * (basePrice x min(time left, grant left): core/invoices/period-lines.ts), and the new plan starts
 * a full period, billed on the same invoice. PERIOD_END: the new plan is scheduled for the next
 * renewal (changing to the current plan clears a scheduled change or cancel).
 */
export async function changePlan(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<Subscription> {
  const plan = await orderablePlan(deps, planCode);
  const after = await change(deps, customerId, async (wallet, now) => {
    const sub = requireActive(wallet);
    const current = await pricingPlan(deps, sub.planCode);
    requireSameCurrency(current, plan);
    if (timing === "PERIOD_END") {
      const { scheduledPlanCode: _dropped, ...rest } = sub;
      const scheduled: Subscription =
        plan.code === sub.planCode
          ? { ...rest, cancelAtPeriodEnd: false }
          : { ...rest, cancelAtPeriodEnd: false, scheduledPlanCode: plan.code };
      return { after: { ...wallet, subscription: scheduled }, events: [] };
    }
    if (plan.code === sub.planCode)
      throw new DomainError("BAD_USER_INPUT", `customer "${customerId}" is already on plan "${planCode}"`);
    const next = firstPeriod(plan, now);
    const used = { start: sub.periodStart, end: now.toISOString() };
    const proration = prorationLine(current, wallet, period(sub), now);
    const lines = [
      ...overageLines(wallet, current, used),
      ...(proration ? [proration] : []),
      baseFeeLine(plan, period(next)),
    ];
    return {
      after: openPeriod(wallet, periodGrant(plan), next),
      invoice: { lines, currency: plan.currency, periodStart: used.start, periodEnd: used.end },
      events: [subscriptionPlanChanged(customerId, sub.planCode, next, "IMMEDIATE")],
    };
  });
  return after.subscription!;
}

/**
 * PERIOD_END (default): the subscription runs to the end of the period, whose final invoice has
 * overage only. IMMEDIATE: it ends now; the final invoice has the overage so far and, only when
 * asked with `prorate`, a credit for the unused base fee (the same proration as an immediate plan
 * change). `prorate` has no effect at PERIOD_END: no time is left unused.
 */
export async function cancelSubscription(
  deps: Deps,
  customerId: string,
  timing: ChangeTiming,
  prorate = false,
): Promise<Subscription> {
  const after = await change(deps, customerId, async (wallet, now) => {
    const sub = requireActive(wallet);
    if (timing === "PERIOD_END") {
      const { scheduledPlanCode: _dropped, ...rest } = sub;
      return { after: { ...wallet, subscription: { ...rest, cancelAtPeriodEnd: true } }, events: [] };
    }
    const current = await pricingPlan(deps, sub.planCode);
    const proration = prorate ? prorationLine(current, wallet, period(sub), now) : undefined;
    const { scheduledPlanCode: _dropped, ...rest } = sub;
    const ended: Subscription = { ...rest, status: "CANCELED", cancelAtPeriodEnd: false, periodEnd: now.toISOString() };
    return {
      after: openPeriod(wallet, NO_GRANT, ended),
      invoice: {
        lines: [
          ...overageLines(wallet, current, { start: sub.periodStart, end: now.toISOString() }),
          ...(proration ? [proration] : []),
        ],
        currency: current.currency,
        periodStart: sub.periodStart,
        periodEnd: now.toISOString(),
      },
      events: [subscriptionCanceled(customerId, sub, now.toISOString())],
    };
  });
  return after.subscription!;
}
