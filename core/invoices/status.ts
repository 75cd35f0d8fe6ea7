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

export const findInvoice = (deps: Deps, id: string) => readInvoice(deps.db, parseInput(IdSchema, id));
export const customerInvoices = (deps: Deps, customerId: string) => listInvoices(deps.db, customerId);

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
