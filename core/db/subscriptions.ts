import type { InvoiceDraft } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { writeWithInvoices, type EventsFor, type Written } from "./group-commit";
import { periodUpdate, type LeaseChange } from "./period-update";
import { forgetWallet } from "./wallet-cache";

/**
 * Writes a period change of the wallet (one period or several closed at once) and its invoices,
 * with the events to publish for them (the outbox), in one transaction. `ok: false` when the
 * wallet's condition failed: someone else changed the subscription first, and nothing was written.
 */
export async function writePeriodChange(
  db: Db,
  before: Wallet,
  after: Wallet,
  drafts: InvoiceDraft[],
  eventsFor: EventsFor = () => [],
  lease?: LeaseChange,
): Promise<Written | { ok: false }> {
  const outcome = await writeWithInvoices(
    db,
    [{ Update: periodUpdate(db, before, after, lease) }],
    drafts,
    eventsFor,
  ).finally(() => forgetWallet(db, after.customerId));
  return outcome.ok ? outcome : { ok: false };
}
