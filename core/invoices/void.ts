/**
 * What voiding an invoice does to the wallet (pure). An invoice that applied account credit gives
 * it back (`returnedCredit`, below). A CREDIT_PACK or TOP_UP invoice is taken back: it was never
 * paid, so everything it granted leaves the wallet: the part still unspent simply goes, and the
 * part already spent stays owed, as negative purchased credits (a pack) or a top-up pool below
 * zero (a top-up). A debt nets against what the customer has: the period's unused plan credits or
 * allowance repay it first; a money debt still owed at the close is billed as overage, a credit
 * debt carries until the next grant or pack fills it (core/wallet.ts). Purchased credits and
 * top-ups are fungible: what was spent is counted against the voided purchase only as far as the
 * rest of its pool does not cover it. A coupon cycle the invoice's DISCOUNT used is not given back:
 * it counts billing cycles, and the cycle passed whether or not the invoice is collected
 * (docs/billing-periods.md, "Coupons").
 */
import { min, max, type Amount } from "../money";
import type { CreditGrant } from "../account-credit/grant";
import { purchasedCreditsLeft, topUpsLeft, withoutHolds, type Wallet } from "../wallet";
import type { WalletReversal } from "../db/invoice-status";
import { parseQuantity } from "../money";
import type { Invoice, InvoiceGrant } from "./invoice";

/**
 * What the invoice granted: recorded on it since grants were (for a purchase granted on payment,
 * nothing before it is paid); for a pack or top-up invoice issued
 * before, read from its line (a top-up's amount is its line's; a pack's credits are in its
 * description, "<name> (<credits> credits)").
 */
export function grantOf(invoice: Invoice): InvoiceGrant | undefined {
  if (invoice.grant) return invoice.grant;
  // Granted only when paid: an unpaid one put nothing in the wallet, and its line is no record of a grant.
  if (invoice.grantOnPayment) return undefined;
  const [line] = invoice.lines;
  if (invoice.lines.length !== 1 || !line) return undefined;
  if (line.kind === "TOP_UP") return { kind: "TOP_UP", amount: line.amount };
  const credits = line.kind === "CREDIT_PACK" ? /\(([0-9.]+) credits\)$/.exec(line.description)?.[1] : undefined;
  return credits ? { kind: "CREDIT_PACK", credits: parseQuantity(credits) } : undefined;
}

export function reverseGrant(wallet: Wallet, grant: InvoiceGrant): WalletReversal {
  if (grant.kind === "CREDIT_PACK") {
    // What open reservations hold is not spent (core/README.md, "Reservations").
    const unspent = min(grant.credits, max(0n, purchasedCreditsLeft(withoutHolds(wallet))));
    return {
      wallet,
      record: { kind: grant.kind, granted: grant.credits, unspent, spent: grant.credits - unspent },
      add: { credits: -grant.credits, purchasedCredits: -grant.credits },
    };
  }
  const unspent = min(grant.amount, topUpsLeft(withoutHolds(wallet)));
  return {
    wallet,
    record: { kind: grant.kind, granted: grant.amount, unspent, spent: grant.amount - unspent },
    add: { topUps: -grant.amount, balance: -grant.amount },
  };
}

/** The account credit an invoice applied: what its ACCOUNT_CREDIT line took (0 when none). */
export const creditApplied = (invoice: Invoice): Amount =>
  -invoice.lines.filter((l) => l.kind === "ACCOUNT_CREDIT").reduce((s, l) => s + l.amount, 0n);

/** The id of the grant a void returns ("~" is never in a client's ID: no grantAccountCredit key collides). */
export const returnedCreditId = (invoice: Invoice) => `void~${invoice.id}`;

/**
 * What voiding an invoice that applied account credit gives back (pure): exactly the credit its
 * ACCOUNT_CREDIT line took, as one new grant in the invoice's currency, without expiry, created
 * now; undefined when it took none.
 *
 * A new grant, not the original grants' `remaining` restored: a grant's remaining only ever falls,
 * which is what lets the mid-period invoices take from a grant on condition that its remaining is
 * unchanged (core/db/credit-taken.ts: no ABA); the grants it came from may also be used up and
 * dropped since, and an invoice does not record which grants it took from. Without expiry: the
 * credit paid part of an invoice that is now cancelled, so it is money owed to the customer again,
 * as Stripe's customer balance is when a void returns it; handing it back with an expiry that may
 * already have passed would take from the customer by a void what the void exists to undo.
 *
 * `creditedToAccount` (a subtotal below zero credited to the account) is never taken back: such an
 * invoice has total 0.00 and is issued PAID, and a PAID invoice cannot be voided.
 */
export function returnedCredit(invoice: Invoice, now: Date): CreditGrant | undefined {
  const amount = creditApplied(invoice);
  if (amount <= 0n) return undefined;
  return {
    id: returnedCreditId(invoice),
    amount,
    remaining: amount,
    currency: invoice.currency,
    reason: `Account credit returned by voiding ${invoice.number}`,
    createdAt: now.toISOString(),
  };
}
