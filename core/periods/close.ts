/**
 * Closing a billing period for one customer: one transaction, conditioned on the period it
 * closes, that renews the wallet and writes the invoice (the closed period's overage and the next
 * period's base fee). Running it twice, late, or concurrently with tracking bills once: the
 * loser's condition fails, nothing of it is written, and it reads the winner's result.
 */
import { keys } from "../db/keys";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { backoff, MAX_ATTEMPTS } from "../usage/retry";
import { activeSubscription, type Wallet } from "../wallet";
import { pricingPlan, loadWallet } from "../usage/load";
import { writePeriodChange } from "../db/subscriptions";
import { draftInvoice, type Invoice } from "../invoices/invoice";
import { baseFeeLine, overageLines } from "../invoices/period-lines";
import { invoiceCreated, publish, subscriptionCanceled, subscriptionRenewed } from "../events";
import { renewWallet } from "./renew";

/** Closes every ended period of the wallet (oldest first) and returns the wallet as it is now. */
export async function closeIfDue(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  return (await closeDue(deps, wallet, now)).wallet;
}

/** The same, also counting the closes this call wrote (not those another writer won). */
export async function closeDue(deps: Deps, wallet: Wallet, now: Date): Promise<{ wallet: Wallet; closed: number }> {
  let current = wallet;
  let lost = 0;
  let closed = 0;
  for (
    let sub = activeSubscription(current);
    sub && Date.parse(sub.periodEnd) <= now.getTime();
    sub = activeSubscription(current)
  ) {
    const result = await closePeriod(deps, current, now);
    if (result.written) closed++;
    // A wallet written meanwhile (a track, a purchase) makes the close retry on a fresh read.
    else if (
      result.wallet.subscription?.periodStart === sub.periodStart &&
      result.wallet.subscription.status === sub.status
    ) {
      if (++lost >= MAX_ATTEMPTS)
        throw new DomainError("CONFLICT", "the billing period could not be closed under contention; retry");
      await backoff(lost);
    }
    current = result.wallet;
  }
  return { wallet: current, closed };
}

/** Closes the wallet's current period; returns the wallet after it, whoever closed it. */
export async function closePeriod(
  deps: Deps,
  wallet: Wallet,
  now: Date,
): Promise<{ wallet: Wallet; written: boolean }> {
  const sub = wallet.subscription!;
  const plan = await pricingPlan(deps, sub.planCode);
  const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
  const after = renewWallet(wallet, plan, next);
  const renewed = activeSubscription(after);
  const lines = [
    ...overageLines(wallet, plan),
    ...(next && renewed ? [baseFeeLine(next, { start: renewed.periodStart, end: renewed.periodEnd })] : []),
  ];
  const draft = draftInvoice({
    customerId: wallet.customerId,
    currency: plan.currency,
    periodStart: sub.periodStart,
    periodEnd: sub.periodEnd,
    lines,
    createdAt: now.toISOString(),
  });
  const lifecycle = renewed
    ? subscriptionRenewed(wallet.customerId, renewed, sub.periodEnd)
    : subscriptionCanceled(wallet.customerId, sub, sub.periodEnd);
  const events = (invoice: Invoice) => [invoiceCreated(invoice), lifecycle];
  const written = await writePeriodChange(deps.db, wallet, after, draft, events);
  if (!written.ok) return { wallet: await loadWallet(deps, wallet.customerId), written: false };
  await publish(deps, events(written.invoice!), keys.invoice(written.invoice!.id));
  return { wallet: after, written: true };
}
