/**
 * Reading invoices and moving their status: OPEN -> PAID when the deploying company collected
 * payment, OPEN -> VOID to cancel one. Repeating a transition is a no-op; a paid invoice cannot be
 * voided and a void one cannot be paid (issue a new invoice instead).
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { IdSchema, parseInput } from "../validation";
import { getInvoice as readInvoice, listInvoices, setInvoiceStatus } from "../db/invoices";
import type { Invoice, InvoiceStatus } from "./invoice";

export const findInvoice = (deps: Deps, id: string) => readInvoice(deps.db, parseInput(IdSchema, id, "id"));

/**
 * An invoice as a customer token may see it: its own, or undefined exactly as for an invoice that
 * does not exist (so a token learns nothing about other customers' invoice numbers).
 */
export async function findInvoiceOf(deps: Deps, id: string, customerId: string | undefined) {
  const invoice = await findInvoice(deps, id);
  return customerId === undefined || invoice?.customerId === customerId ? invoice : undefined;
}

export const MAX_INVOICES_PER_PAGE = 100;

/**
 * A customer's invoices, newest first: `first` (1 to 100) of them, after the invoice `after` (an
 * id from the previous page; the list ends when a page is shorter than `first`).
 */
export async function customerInvoices(
  deps: Deps,
  customerId: string,
  first = MAX_INVOICES_PER_PAGE,
  after?: string | null,
): Promise<Invoice[]> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_INVOICES_PER_PAGE)
    throw new DomainError("BAD_USER_INPUT", `first must be between 1 and ${MAX_INVOICES_PER_PAGE}`);
  const from = after ? await findInvoiceOf(deps, after, customerId) : undefined;
  if (after && !from) throw new DomainError("BAD_USER_INPUT", "after is not an invoice of this customer");
  return listInvoices(deps.db, customerId, { limit: first, after: from });
}

async function transition(deps: Deps, id: string, to: InvoiceStatus): Promise<Invoice> {
  const invoice = await findInvoice(deps, id);
  if (!invoice) throw new DomainError("NOT_FOUND", `invoice "${id}" not found`);
  if (invoice.status === to) return invoice;
  if (invoice.status !== "OPEN") {
    throw new DomainError("BAD_USER_INPUT", `invoice ${invoice.number} is ${invoice.status} and cannot become ${to}`);
  }
  return (await setInvoiceStatus(deps.db, invoice.id, "OPEN", to)) ?? transition(deps, id, to);
}

export const markInvoicePaid = (deps: Deps, id: string) => transition(deps, id, "PAID");
export const voidInvoice = (deps: Deps, id: string) => transition(deps, id, "VOID");
