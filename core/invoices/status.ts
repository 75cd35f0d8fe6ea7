/**
 * Reading invoices and moving their status: OPEN -> PAID when the deploying company collected
 * payment, OPEN -> VOID to cancel one. Repeating a transition is a no-op; a paid invoice cannot be
 * voided and a void one cannot be paid (issue a new invoice instead). Each transition is published
 * (`invoice.paid`, `invoice.voided`) through the outbox, in the transaction that makes it. Voiding
 * a CREDIT_PACK or TOP_UP invoice also takes back what it granted, in that same transaction
 * (core/invoices/void.ts), and the invoice records what was taken back (`reversal`). Voiding an
 * invoice that applied account credit gives that credit back, exactly, in that same transaction: a
 * new grant without expiry (`void~<invoice id>`), recorded on the invoice (`accountCreditReturned`)
 * and in `invoice.voided` (why a new grant: core/invoices/void.ts `returnedCredit`). Paying a
 * purchase granted on payment (core/purchases/request.ts) adds its credits or funds to the wallet
 * in the transaction that marks it paid, with its purchase event (core/invoices/pay.ts); voiding
 * one takes nothing back, since nothing was granted. Paying and voiding race on the status: exactly
 * one of them happens.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { IdSchema, parseInput } from "../validation";
import { getInvoice as readInvoice, listInvoices } from "../db/invoices";
import { writeInvoiceStatus } from "../db/invoice-status";
import { invoicePaid, invoiceVoided } from "../events";
import { publish } from "../events/publish";
import { currentWallet } from "../usage/current";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import type { Invoice, InvoiceStatus } from "./invoice";
import { creditApplied, grantOf, returnedCredit, reverseGrant } from "./void";
import { applyGrant, grantEvent, grantOnPaymentOf } from "./pay";

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
  const exhausted = () =>
    new DomainError("CONFLICT", "the invoice or its customer's wallet changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const invoice = await findInvoice(deps, id);
    if (!invoice) throw new DomainError("NOT_FOUND", `invoice "${id}" not found`);
    if (invoice.status === to) return invoice;
    if (invoice.status !== "OPEN") {
      throw new DomainError("BAD_USER_INPUT", `invoice ${invoice.number} is ${invoice.status} and cannot become ${to}`);
    }
    // A void takes back from the wallet as it is now, a payment grants to it: ended periods closed
    // first, as any write does (so a credit a void returns is never applied by a late close to a
    // period that ended before the void).
    const taken = to === "VOID" ? grantOf(invoice) : undefined;
    const given = to === "PAID" ? grantOnPaymentOf(invoice) : undefined;
    const credits = to === "VOID" && creditApplied(invoice) > 0n;
    const wallet =
      taken || given || credits ? (await currentWallet(deps, invoice.customerId, { close: true })).wallet : undefined;
    const reversal = taken ? reverseGrant(wallet!, taken) : undefined;
    const grant = given ? applyGrant(wallet!, given) : undefined;
    const clock = await deps.clock.now();
    const now = clock.toISOString();
    const returnedGrant = credits ? returnedCredit(invoice, clock) : undefined;
    const returned = returnedGrant ? { wallet: wallet!, grant: returnedGrant } : undefined;
    const after: Invoice = {
      ...invoice,
      status: to,
      ...(reversal ? { reversal: reversal.record } : {}),
      ...(given ? { grant: given } : {}),
      ...(returnedGrant ? { accountCreditReturned: returnedGrant.amount } : {}),
    };
    const events =
      to === "PAID"
        ? [invoicePaid(after, now), ...(given ? [grantEvent(after, now)] : [])]
        : [invoiceVoided(after, now)];
    // Written, or retried on a fresh read: the status moved (answered above), or the wallet did.
    const written = await writeInvoiceStatus(deps.db, invoice, to, events, reversal, grant, returned);
    if (!written.ok) return RETRY;
    await publish(deps, events, written.outbox);
    return after;
  });
}

export const markInvoicePaid = (deps: Deps, id: string) => transition(deps, id, "PAID");
export const voidInvoice = (deps: Deps, id: string) => transition(deps, id, "VOID");
