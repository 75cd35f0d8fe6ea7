/**
 * A subscription change, written: read the current wallet (ended periods closed first), compute the
 * change (pure but for the plans it loads), write it as one transaction conditioned on the wallet
 * it read (core/db/period-update.ts), and retry on a fresh read when something else wrote first.
 * A change whose invoice would have no line issues none; account credit is applied to it, and a
 * total below zero is issued as 0.00 with the rest granted as account credit, in the same write
 * (core/invoices/settle.ts).
 */
import type { BillingEvent, Deps } from "../deps";
import { DomainError } from "../errors";
import type { Wallet } from "../wallet";
import { currentWallet } from "../usage/current";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import type { Invoice, InvoiceDraft, InvoiceLine } from "../invoices/invoice";
import { settleInvoice } from "../invoices/settle";
import { invoiceIssued } from "../events";
import { publish } from "../events/publish";
import { writePeriodChange } from "../db/subscriptions";
import { redemption } from "../db/coupons";
import type { Coupon } from "../coupons/coupon";
import { refuseRedemption } from "../coupons/redeem";

export type Change = {
  after: Wallet;
  invoice?: { lines: InvoiceLine[]; currency: string; periodStart: string; periodEnd: string };
  events: BillingEvent[];
  /** A coupon the change redeems: counted in the same transaction, refused when it takes no more. */
  redeem?: Coupon;
};

/**
 * The invoice a change issues (none when it has no line) and the wallet after it: account credit
 * is applied (an ACCOUNT_CREDIT line), or a total below zero issued as 0.00 and the rest granted,
 * in the same write (core/invoices/settle.ts). Previews (./preview.ts) call this too, so they show
 * what the write would issue, DISCOUNT and ACCOUNT_CREDIT lines included.
 */
export function drafted(customerId: string, change: Change, now: Date): { draft?: InvoiceDraft; after: Wallet } {
  const { after, invoice } = change;
  const { draft, wallet: credited } = settleInvoice(after, {
    customerId,
    ...(invoice ?? { lines: [], currency: "" }),
    createdAt: now.toISOString(),
  });
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
    const { events, redeem } = computed;
    const eventsFor = (invoices: Invoice[]) => [...invoices.flatMap(invoiceIssued), ...events];
    const extra = redeem ? [redemption(deps.db, redeem)] : [];
    const written = await writePeriodChange(
      deps.db,
      wallet,
      credited,
      draft ? [draft] : [],
      eventsFor,
      undefined,
      extra,
    );
    if (!written.ok) {
      if (redeem && written.reasons[1]?.Code === "ConditionalCheckFailed") await refuseRedemption(deps, redeem.code);
      return RETRY;
    }
    await publish(deps, written.events, written.outbox);
    return credited;
  });
}
