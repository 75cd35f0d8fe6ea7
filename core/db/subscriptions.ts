import type { BillingEvent } from "../deps";
import type { Invoice, InvoiceDraft } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { writeWithInvoice } from "./invoices";
import { periodUpdate } from "./wallets";
import { forgetWallet } from "./wallet-cache";

/**
 * Writes a period change of the wallet and, when given, its invoice (with the events to publish
 * for it: the outbox), in one transaction. `ok: false` when the wallet's condition failed: someone else
 * changed the subscription first, and nothing was written.
 */
export async function writePeriodChange(
  db: Db,
  before: Wallet,
  after: Wallet,
  invoice?: InvoiceDraft,
  eventsFor: (invoice: Invoice) => BillingEvent[] = () => [],
): Promise<{ ok: true; invoice?: Invoice } | { ok: false }> {
  const outcome = await writeWithInvoice(db, [{ Update: periodUpdate(db, before, after) }], invoice, eventsFor).finally(
    () => forgetWallet(db, after.customerId),
  );
  return outcome.ok ? outcome : { ok: false };
}
