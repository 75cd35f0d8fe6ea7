/**
 * Invoices, pure: typed lines, each rounded once to the invoice currency's minor unit (JPY 0, USD
 * 2, KWD 3 digits: core/currencies.ts), half away from zero; subtotal and total are sums of the
 * rounded lines. Numbers are allocated when the
 * invoice is written (core/db/invoices.ts), gapless, in the same transaction as what it bills.
 */
import { multiply, roundToMinorUnit, type Amount } from "../money";
import { minorUnitDigits } from "../currencies";

export const InvoiceLineKind = {
  BASE_FEE: "BASE_FEE",
  OVERAGE: "OVERAGE",
  CREDIT_PACK: "CREDIT_PACK",
  TOP_UP: "TOP_UP",
  PRORATION: "PRORATION",
} as const;
export type InvoiceLineKind = (typeof InvoiceLineKind)[keyof typeof InvoiceLineKind];
export type InvoiceStatus = "OPEN" | "PAID" | "VOID";

export type InvoiceLine = {
  kind: InvoiceLineKind;
  description: string;
  feature?: string;
  quantity: Amount;
  unitPrice: Amount;
  amount: Amount;
};

/** An invoice before it has a number. */
export type InvoiceDraft = {
  customerId: string;
  currency: string;
  periodStart?: string;
  periodEnd?: string;
  lines: InvoiceLine[];
  subtotal: Amount;
  total: Amount;
  createdAt: string;
};

export type Invoice = InvoiceDraft & { id: string; number: string; status: InvoiceStatus };

/** A line: quantity x exact unit price; its amount is rounded once, by draftInvoice, in the invoice's currency. */
export function invoiceLine(
  kind: InvoiceLineKind,
  description: string,
  quantity: Amount,
  unitPrice: Amount,
  feature?: string,
): InvoiceLine {
  return {
    kind,
    description,
    ...(feature ? { feature } : {}),
    quantity,
    unitPrice,
    amount: multiply(quantity, unitPrice),
  };
}

/** The invoice of these lines, each rounded to the currency's minor unit. */
export function draftInvoice(fields: Omit<InvoiceDraft, "subtotal" | "total">): InvoiceDraft {
  const digits = minorUnitDigits(fields.currency);
  const lines = fields.lines.map((line) => ({ ...line, amount: roundToMinorUnit(line.amount, digits) }));
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0n);
  return { ...fields, lines, subtotal, total: subtotal };
}

export const invoiceNumber = (n: bigint) => `INV-${n.toString().padStart(6, "0")}`;
