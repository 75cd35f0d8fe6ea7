/**
 * A subscription change, written: read the current wallet (ended periods closed first), compute the
 * change (pure but for the plans it loads), write it as one transaction conditioned on the wallet
 * it read (core/db/period-update.ts), and retry on a fresh read when something else wrote first.
 * A change whose invoice would have no line issues none; a total below zero is issued as 0.00 and
 * the rest is added to the customer's account credit in the same write.
 */
import type { BillingEvent, Deps } from "../deps";
import { DomainError } from "../errors";
import type { Wallet } from "../wallet";
import { currentWallet } from "../usage/current";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { draftInvoice, type Invoice, type InvoiceDraft, type InvoiceLine } from "../invoices/invoice";
import { invoiceIssued } from "../events";
import { publish } from "../events/publish";
import { writePeriodChange } from "../db/subscriptions";

export type Change = {
  after: Wallet;
  invoice?: { lines: InvoiceLine[]; currency: string; periodStart: string; periodEnd: string };
  events: BillingEvent[];
};

/**
 * The invoice a change issues (none when it has no line) and the wallet after it: a total below
 * zero is issued as 0.00 and the rest is owed to the customer, in the same write. Previews
 * (./preview.ts) call this too, so they show what the write would issue.
 */
export function drafted(customerId: string, change: Change, now: Date): { draft?: InvoiceDraft; after: Wallet } {
  const { after, invoice } = change;
  const draft = invoice?.lines.length
    ? draftInvoice({ customerId, ...invoice, createdAt: now.toISOString() })
    : undefined;
  const credited = { ...after, accountCredit: after.accountCredit + (draft?.creditedToAccount ?? 0n) };
  return { ...(draft ? { draft } : {}), after: credited };
}

/**
 * Reads the current wallet, computes the change (pure), writes it; retries when beaten to it. A
 * computation that answers `undefined` (nothing to change) writes nothing and returns the wallet.
 */
export async function change(
  deps: Deps,
  customerId: string,
  compute: (wallet: Wallet, now: Date) => Promise<Change | undefined>,
): Promise<Wallet> {
  const exhausted = () => new DomainError("CONFLICT", "the subscription changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const { wallet, now } = await currentWallet(deps, customerId, { close: true });
    const computed = await compute(wallet, now);
    if (!computed) return wallet;
    const { draft, after: credited } = drafted(customerId, computed, now);
    const { events } = computed;
    const eventsFor = (invoices: Invoice[]) => [...invoices.flatMap(invoiceIssued), ...events];
    const written = await writePeriodChange(deps.db, wallet, credited, draft ? [draft] : [], eventsFor);
    if (!written.ok) return RETRY;
    await publish(deps, written.events, written.outbox);
    return credited;
  });
}
