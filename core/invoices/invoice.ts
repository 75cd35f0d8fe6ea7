/**
 * Invoices, pure: typed lines, each rounded once to the invoice currency's minor unit (JPY 0, USD
 * 2, KWD 3 digits: core/currencies.ts), half away from zero, by draftInvoice; the subtotal is the
 * sum of the rounded lines. Numbers are allocated when the invoice is written
 * (core/db/group-commit.ts), gapless, in the same transaction as what it bills.
 *
 * A total is never negative: a subtotal below zero (a proration credit larger than what the
 * invoice bills) is issued with total 0.00, and the rest, `creditedToAccount`, becomes an account
 * credit grant in the same transaction (core/invoices/settle.ts). An invoice with nothing to
 * collect (total 0.00) is issued PAID.
 */
import { divRound, multiply, roundToMinorUnit, SCALE, type Amount } from "../money";
import { minorUnitDigits } from "../currencies";

export const InvoiceLineKind = {
  BASE_FEE: "BASE_FEE",
  OVERAGE: "OVERAGE",
  CREDIT_PACK: "CREDIT_PACK",
  TOP_UP: "TOP_UP",
  PRORATION: "PRORATION",
  /** A coupon's discount of the base fee (core/coupons/discount.ts). */
  DISCOUNT: "DISCOUNT",
  /** Account credit applied to the invoice (core/invoices/settle.ts). */
  ACCOUNT_CREDIT: "ACCOUNT_CREDIT",
  /** Extra seats: in advance at renewal, pro rata when added mid-period (core/models/levels.ts). */
  SEATS: "SEATS",
  /** An add-on: in advance at renewal, pro rata when attached mid-period (core/add-ons/terms.ts). */
  ADD_ON: "ADD_ON",
} as const;
export type InvoiceLineKind = (typeof InvoiceLineKind)[keyof typeof InvoiceLineKind];
export type InvoiceStatus = "OPEN" | "PAID" | "VOID";

/** The period a line bills: a BASE_FEE the coming one, an OVERAGE the one that closed, a PRORATION the unused rest. */
export type LinePeriod = { start: string; end: string };

export type InvoiceLine = {
  kind: InvoiceLineKind;
  description: string;
  feature?: string;
  quantity: Amount;
  unitPrice: Amount;
  amount: Amount;
  periodStart?: string;
  periodEnd?: string;
};

/** What a CREDIT_PACK or TOP_UP invoice put in the wallet: what voiding it takes back. */
export type InvoiceGrant = { kind: "CREDIT_PACK"; credits: Amount } | { kind: "TOP_UP"; amount: Amount };

/**
 * A purchase the customer asked for (requestCreditPackPurchase, requestTopUp): what its invoice
 * grants when it is paid (core/invoices/status.ts), with what the purchase's event reports then.
 * Until then the wallet has nothing of it, so voiding it takes nothing back.
 */
export type GrantOnPayment = InvoiceGrant & { idempotencyKey: string; packCode?: string; price: Amount };

/**
 * What voiding a CREDIT_PACK or TOP_UP invoice took back (core/invoices/void.ts): all of the grant,
 * of which `unspent` was still there and `spent` had been used and is now owed.
 */
export type InvoiceReversal = { kind: InvoiceGrant["kind"]; granted: Amount; unspent: Amount; spent: Amount };

/** An invoice before it has a number. */
export type InvoiceDraft = {
  customerId: string;
  currency: string;
  periodStart?: string;
  periodEnd?: string;
  lines: InvoiceLine[];
  subtotal: Amount;
  total: Amount;
  /** What a subtotal below zero added to the customer's account credit (0 otherwise). */
  creditedToAccount: Amount;
  createdAt: string;
  /** What the invoice put in the wallet (at issue, or when paid for a `grantOnPayment` one). */
  grant?: InvoiceGrant;
  grantOnPayment?: GrantOnPayment;
};

export type Invoice = InvoiceDraft & {
  id: string;
  number: string;
  status: InvoiceStatus;
  reversal?: InvoiceReversal;
  /**
   * A voided invoice that had applied account credit (its ACCOUNT_CREDIT line): what the void gave
   * back, as the grant `void~<invoice id>` (core/invoices/void.ts `returnedCredit`).
   */
  accountCreditReturned?: Amount;
};

const periodOf = (period?: LinePeriod) => (period ? { periodStart: period.start, periodEnd: period.end } : {});

/** A line: quantity x exact unit price; its amount is rounded once, by draftInvoice, in the invoice's currency. */
export function invoiceLine(
  kind: InvoiceLineKind,
  description: string,
  quantity: Amount,
  unitPrice: Amount,
  feature?: string,
  period?: LinePeriod,
): InvoiceLine {
  return {
    kind,
    description,
    ...(feature ? { feature } : {}),
    quantity,
    unitPrice,
    amount: multiply(quantity, unitPrice),
    ...periodOf(period),
  };
}

/**
 * A line of one unit at an exact fraction of `price` (a proration): the fraction is taken to the
 * ledger unit (10^-12) and, like every line, rounded once to the currency's minor unit by draftInvoice.
 */
export function fractionLine(
  kind: InvoiceLineKind,
  description: string,
  price: Amount,
  fraction: { num: bigint; den: bigint },
  period?: LinePeriod,
): InvoiceLine {
  const exact = divRound(price * fraction.num, fraction.den);
  return { kind, description, quantity: SCALE, unitPrice: exact, amount: exact, ...periodOf(period) };
}

/** The invoice of these lines, each rounded once to the currency's minor unit. */
export function draftInvoice(fields: Omit<InvoiceDraft, "subtotal" | "total" | "creditedToAccount">): InvoiceDraft {
  const digits = minorUnitDigits(fields.currency);
  const lines = fields.lines.map((line) => ({ ...line, amount: roundToMinorUnit(line.amount, digits) }));
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0n);
  const total = subtotal < 0n ? 0n : subtotal;
  return { ...fields, lines, subtotal, total, creditedToAccount: total - subtotal };
}

/** Issued PAID when there is nothing to collect, OPEN otherwise. */
export const issuedStatus = (draft: InvoiceDraft): InvoiceStatus => (draft.total === 0n ? "PAID" : "OPEN");

export const invoiceNumber = (n: bigint) => `INV-${n.toString().padStart(6, "0")}`;
