/**
 * A subscription invoice settled against the customer's account credit, pure: the lines are
 * drafted (each rounded once); a subtotal above zero takes account credit of its currency, soonest
 * expiring first, as one ACCOUNT_CREDIT line of whole minor units, at most the subtotal; a subtotal
 * below zero is issued as 0.00 and the rest becomes a new grant without expiry. Expired and
 * used-up grants are dropped. The wallet returned carries the grants after it, to be written in the
 * same transaction as the invoice.
 *
 * Every subscription invoice takes account credit: subscribe, plan changes, cancels, closes, and
 * the mid-period invoices of added seats and attached add-ons (`settleMidPeriod`). A credit pack or
 * a top-up is paid in full: it buys value the customer can spend at once (prepaid usage, not a
 * subscription charge), and voiding its invoice takes back what it granted, which would otherwise
 * have to hand account credit back too. Voiding a subscription invoice gives back the credit its
 * ACCOUNT_CREDIT line took, as a new grant (core/invoices/void.ts `returnedCredit`).
 */
import { creditLeft, liveGrants, takeCredit, usableCredit, type CreditGrant } from "../account-credit/grant";
import { minorUnitDigits } from "../currencies";
import { min, SCALE, type Amount } from "../money";
import type { Wallet } from "../wallet";
import { draftInvoice, invoiceLine, type InvoiceDraft } from "./invoice";

export type InvoiceFields = Omit<InvoiceDraft, "subtotal" | "total" | "creditedToAccount">;

/** `amount` down to a whole minor unit of the currency. */
const wholeMinorUnits = (amount: bigint, currency: string) => {
  const unit = 10n ** BigInt(12 - minorUnitDigits(currency));
  return (amount / unit) * unit;
};

/**
 * `at`: the instant whose live grants apply, the invoice's creation by default; a period close
 * settles at the period's end (core/periods/catch-up.ts), so a close that runs late, lazily, takes
 * the same grants as one on time.
 */
export function settleInvoice(
  wallet: Wallet,
  fields: InvoiceFields,
  at = new Date(fields.createdAt),
): { draft?: InvoiceDraft; wallet: Wallet } {
  const kept = liveGrants(wallet.creditGrants, at);
  if (!fields.lines.length) return { wallet: withGrants(wallet, kept) };
  const draft = draftInvoice(fields);
  if (draft.subtotal > 0n) {
    const applied = min(draft.subtotal, wholeMinorUnits(usableCredit(kept, fields.currency, at), fields.currency));
    if (applied === 0n) return { draft, wallet: withGrants(wallet, kept) };
    const line = invoiceLine("ACCOUNT_CREDIT", "Account credit applied", SCALE, -applied);
    return {
      draft: draftInvoice({ ...fields, lines: [...fields.lines, line] }),
      wallet: withGrants(wallet, takeCredit(kept, fields.currency, applied, at)),
    };
  }
  if (draft.creditedToAccount === 0n) return { draft, wallet: withGrants(wallet, kept) };
  const remainder: CreditGrant = {
    id: `remainder~${wallet.version}~${fields.periodStart ?? fields.createdAt}`,
    amount: draft.creditedToAccount,
    remaining: draft.creditedToAccount,
    currency: fields.currency,
    reason: `Remainder of an invoice below zero${fields.periodStart ? ` (period from ${fields.periodStart.slice(0, 10)})` : ""}`,
    createdAt: fields.createdAt,
  };
  return { draft, wallet: withGrants(wallet, [...kept, remainder]) };
}

const withGrants = (wallet: Wallet, grants: CreditGrant[]): Wallet => ({
  ...wallet,
  creditGrants: grants,
  accountCredit: creditLeft(grants),
});

/** What an invoice's ACCOUNT_CREDIT line took from each grant: its `remaining` as read, and after. */
export type CreditTaken = {
  applied: Amount;
  grants: { id: string; was: Amount; left: Amount }[];
  /** A wallet that holds its credit as a sum only (core/db/wallets.ts): every grant after it, and the sum as read. */
  whole?: { was: Amount; grants: CreditGrant[] };
};

/**
 * A mid-period invoice (added seats, an attached add-on) settled against account credit, like a
 * subscription invoice: its draft, and what it takes from each grant. Those writes are conditioned
 * on a level or an add-on entry, not on the wallet's version, so the grants taken are written by
 * core/db/credit-taken.ts on condition that each one's `remaining` is still what was read: two
 * invoices racing for one grant cannot both spend it.
 */
export function settleMidPeriod(wallet: Wallet, fields: InvoiceFields): { draft: InvoiceDraft; taken?: CreditTaken } {
  const { draft, wallet: after } = settleInvoice(wallet, fields);
  if (!draft) throw new Error("a mid-period invoice has lines");
  const at = new Date(fields.createdAt);
  const left = new Map(after.creditGrants.map((g) => [g.id, g.remaining]));
  const grants = liveGrants(wallet.creditGrants, at)
    .map((g) => ({ id: g.id, was: g.remaining, left: left.get(g.id) ?? 0n }))
    .filter((g) => g.left !== g.was);
  if (!grants.length) return { draft };
  const applied = grants.reduce((s, g) => s + g.was - g.left, 0n);
  const whole = wallet.creditGrants.some((g) => g.storedAsSum)
    ? { was: wallet.accountCredit, grants: after.creditGrants }
    : undefined;
  return { draft, taken: { applied, grants, ...(whole ? { whole } : {}) } };
}
