/**
 * The invoice a customer's period close would issue if it ran now (`upcomingInvoice`): the close's
 * own pure code (./catch-up.ts planCloses) run on the wallet as it stands, as of the period's end,
 * with nothing written. So it shows the usage so far as overage, the next period's base fee (or
 * the scheduled plan's), or nothing for a subscription ending at period end with no overage.
 */
import type { Deps } from "../deps";
import type { InvoiceDraft } from "../invoices/invoice";
import { activeSubscription, type Wallet } from "../wallet";
import { currentWallet } from "../usage/current";
import { planCloses } from "./catch-up";

export async function upcomingInvoice(deps: Deps, customerId: string): Promise<InvoiceDraft | undefined> {
  const { wallet } = await currentWallet(deps, customerId);
  return upcomingInvoiceOf(deps, wallet);
}

/** The close of the wallet's current period, computed; undefined without one or without a line. */
export async function upcomingInvoiceOf(deps: Deps, wallet: Wallet): Promise<InvoiceDraft | undefined> {
  const sub = activeSubscription(wallet);
  if (!sub) return undefined;
  // The current period's own close, whatever a grace period defers or an ended period still owes.
  const { ended: _ended, ...current } = wallet;
  const { drafts } = await planCloses(deps, current, new Date(sub.periodEnd), 0);
  return drafts[0];
}
