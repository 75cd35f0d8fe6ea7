/**
 * Invoice items: one per invoice, in its customer's invoice timeline (newest first). Invoices are
 * written, numbered, by the writes that issue them (./group-commit.ts); afterwards only their
 * status moves (./invoice-status.ts).
 */
import { QueryCommand } from "./commands";
import type { BillingEvent } from "../events/billing-event";
import type {
  GrantOnPayment,
  Invoice,
  InvoiceGrant,
  InvoiceLine,
  InvoiceReversal,
  InvoiceStatus,
} from "../invoices/invoice";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys, TABLE } from "./keys";
import { outboxFields } from "./outbox";

/** The item of an invoice; `events` (when the invoice is the only one of its write) wait on it to be published. */
export function invoiceItem(invoice: Invoice, events: BillingEvent[]): Item {
  return {
    ...keys.invoice(invoice.id),
    ...keys.invoiceTimeline(invoice.customerId, invoice.createdAt, invoice.id),
    ...keys.invoiceListing(invoice.createdAt, invoice.id),
    type: ItemType.INVOICE,
    ...invoice,
    lines: invoice.lines.map((l) => ({ ...l })),
    ...outboxFields(events, invoice.createdAt, invoice.id),
  };
}

export function toInvoice(item: Item): Invoice {
  const grant = item.grant as Item | undefined;
  const onPayment = item.grantOnPayment as Item | undefined;
  const reversal = item.reversal as Item | undefined;
  return {
    id: item.id as string,
    number: item.number as string,
    customerId: item.customerId as string,
    status: item.status as InvoiceStatus,
    currency: item.currency as string,
    ...(item.periodStart ? { periodStart: item.periodStart as string } : {}),
    ...(item.periodEnd ? { periodEnd: item.periodEnd as string } : {}),
    lines: (item.lines as Item[]).map(
      (l): InvoiceLine => ({
        kind: l.kind as InvoiceLine["kind"],
        description: l.description as string,
        ...(l.feature ? { feature: l.feature as string } : {}),
        quantity: big(l.quantity),
        unitPrice: big(l.unitPrice),
        amount: big(l.amount),
        ...(l.periodStart ? { periodStart: l.periodStart as string, periodEnd: l.periodEnd as string } : {}),
      }),
    ),
    subtotal: big(item.subtotal),
    total: big(item.total),
    creditedToAccount: big(item.creditedToAccount),
    createdAt: item.createdAt as string,
    ...(grant ? { grant: toGrant(grant) } : {}),
    ...(onPayment ? { grantOnPayment: toGrantOnPayment(onPayment) } : {}),
    ...(reversal
      ? {
          reversal: {
            kind: reversal.kind as InvoiceReversal["kind"],
            granted: big(reversal.granted),
            unspent: big(reversal.unspent),
            spent: big(reversal.spent),
          },
        }
      : {}),
    ...(item.accountCreditReturned !== undefined ? { accountCreditReturned: big(item.accountCreditReturned) } : {}),
  };
}

const toGrant = (g: Item): InvoiceGrant =>
  g.kind === "CREDIT_PACK"
    ? { kind: "CREDIT_PACK", credits: big(g.credits) }
    : { kind: "TOP_UP", amount: big(g.amount) };

export async function getInvoice(db: Db, id: string): Promise<Invoice | undefined> {
  const item = await getItem(db, keys.invoice(id));
  return item && toInvoice(item);
}

/**
 * A customer's invoices, newest first: `limit` of them, after the invoice `after` when given. A
 * Query answers at most 1 MB, so it goes on from where the last one stopped until it has them.
 */
export async function listInvoices(
  db: Db,
  customerId: string,
  page: { limit?: number; after?: Invoice } = {},
): Promise<Invoice[]> {
  const index = TABLE.timelineIndex;
  const invoices: Invoice[] = [];
  let startKey: Record<string, unknown> | undefined = page.after && {
    ...keys.invoice(page.after.id),
    ...keys.invoiceTimeline(customerId, page.after.createdAt, page.after.id),
  };
  do {
    const { Items, LastEvaluatedKey } = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey} = :pk`,
        ExpressionAttributeValues: { ":pk": keys.invoiceTimelinePartition(customerId) },
        ScanIndexForward: false,
        ...(page.limit ? { Limit: page.limit - invoices.length } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    invoices.push(...(Items ?? []).map(toInvoice));
    startKey = LastEvaluatedKey;
  } while (startKey && (!page.limit || invoices.length < page.limit));
  return invoices;
}

const toGrantOnPayment = (g: Item): GrantOnPayment => ({
  ...toGrant(g),
  idempotencyKey: g.idempotencyKey as string,
  ...(g.packCode ? { packCode: g.packCode as string } : {}),
  price: big(g.price),
});
