import type { InvoiceDraft } from "../invoices/invoice";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { writeWithInvoices, type EventsFor, type Written } from "./group-commit";
import { periodUpdate, type LeaseChange } from "./period-update";
import { forgetWallet } from "./wallet-cache";
import type { TransactItem } from "./transact";
import type { CancellationReason } from "@aws-sdk/client-dynamodb";

/**
 * Writes a period change of the wallet (one period or several closed at once) and its invoices,
 * with the events to publish for them (the outbox), in one transaction. `ok: false` when the
 * wallet's condition failed: someone else changed the subscription first, and nothing was written
 * (`reasons`, in the order of the wallet and then `extra`: what else the write conditions on, e.g.
 * a coupon's redemption).
 */
export async function writePeriodChange(
  db: Db,
  before: Wallet,
  after: Wallet,
  drafts: InvoiceDraft[],
  eventsFor: EventsFor = () => [],
  lease?: LeaseChange,
  extra: TransactItem[] = [],
): Promise<Written | { ok: false; reasons: CancellationReason[] }> {
  const outcome = await writeWithInvoices(
    db,
    [{ Update: periodUpdate(db, before, after, lease) }, ...extra],
    drafts,
    eventsFor,
  ).finally(() => forgetWallet(db, after.customerId));
  return outcome;
}
