/**
 * Invoice items and gapless numbering. A number is taken in the same transaction that writes the
 * invoice and what it bills: the counter moves from n-1 to n only if it is still at n-1, so a
 * failed or lost transaction never burns a number. The last number is remembered per process to
 * save a read; a stale guess fails the counter's condition and is refreshed.
 *
 * Within one process, invoice-bearing transactions take their turn one after another, so they
 * do not race each other for the counter (a performance measure: correctness is the counter's
 * condition, which also settles races between processes).
 *
 * Until its events are published, an invoice also sits in the sparse work index (gsi1, partition
 * OUTBOX), so the sweeper can publish what a crash left unpublished.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException, TransactionCanceledException, type CancellationReason } from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../deps";
import { DomainError } from "../errors";
import { invoiceNumber, type Invoice, type InvoiceDraft, type InvoiceLine, type InvoiceStatus } from "../invoices/invoice";
import { backoff } from "../usage/retry";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys, TABLE } from "./keys";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
export type WriteOutcome = { ok: true; invoice?: Invoice } | { ok: false; reasons: CancellationReason[] };

const OUTBOX = "OUTBOX";
const lastNumber = new Map<string, bigint>();

async function readCounter(db: Db): Promise<bigint> {
  const { Item } = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.invoiceCounter(), ConsistentRead: true }));
  return big(Item?.last);
}

/**
 * Writes `items` and, when given, the invoice with the next number, all in one transaction.
 * Returns the cancellation reasons of `items` when one of their conditions failed.
 */
export function writeWithInvoice(
  db: Db,
  items: TransactItem[],
  draft?: InvoiceDraft,
  eventsFor: (invoice: Invoice) => BillingEvent[] = () => [],
): Promise<WriteOutcome> {
  if (!draft) return write(db, items);
  const turn = (turns.get(db.table) ?? Promise.resolve()).then(() => write(db, items, draft, eventsFor));
  turns.set(db.table, turn.catch(() => undefined));
  return turn;
}

const turns = new Map<string, Promise<unknown>>();
const COUNTER_ATTEMPTS = 20;

async function write(db: Db, items: TransactItem[], draft?: InvoiceDraft, eventsFor: (invoice: Invoice) => BillingEvent[] = () => []): Promise<WriteOutcome> {
  for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const previous = draft ? (lastNumber.get(db.table) ?? (await readCounter(db))) : 0n;
    const invoice = draft ? numbered(draft, previous + 1n) : undefined;
    const invoiceItems: TransactItem[] = invoice ? [counterUpdate(db, previous), { Put: { TableName: db.table, Item: invoiceItem(invoice, eventsFor(invoice)), ConditionExpression: "attribute_not_exists(pk)" } }] : [];
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: [...items, ...invoiceItems] }));
      if (invoice) lastNumber.set(db.table, previous + 1n);
      return { ok: true, ...(invoice ? { invoice } : {}) };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const own = reasons.slice(0, items.length);
      if (own.some((r) => r.Code === "ConditionalCheckFailed")) return { ok: false, reasons: own };
      if (reasons[items.length]?.Code === "ConditionalCheckFailed") lastNumber.set(db.table, await readCounter(db));
      else if (!reasons.some((r) => r.Code === "TransactionConflict")) throw error;
    }
  }
  throw new DomainError("CONFLICT", "could not allocate an invoice number under contention; retry");
}

function numbered(draft: InvoiceDraft, n: bigint): Invoice {
  const number = invoiceNumber(n);
  return { ...draft, id: number, number, status: "OPEN" };
}

function counterUpdate(db: Db, previous: bigint): TransactItem {
  return {
    Update: {
      TableName: db.table,
      Key: keys.invoiceCounter(),
      UpdateExpression: "SET #last = :next, #type = :type",
      ConditionExpression: previous === 0n ? "attribute_not_exists(#last)" : "#last = :previous",
      ExpressionAttributeNames: { "#last": "last", "#type": "type" },
      ExpressionAttributeValues: { ":next": previous + 1n, ":type": ItemType.COUNTER, ...(previous === 0n ? {} : { ":previous": previous }) },
    },
  };
}

function invoiceItem(invoice: Invoice, events: BillingEvent[]): Item {
  return {
    ...keys.invoice(invoice.id),
    ...keys.invoiceTimeline(invoice.customerId, invoice.createdAt, invoice.id),
    type: ItemType.INVOICE,
    ...invoice,
    lines: invoice.lines.map((l) => ({ ...l })),
    ...(events.length ? { outbox: JSON.stringify(events), gsi1pk: OUTBOX, gsi1sk: `${invoice.createdAt}#${invoice.id}` } : {}),
  };
}

export function toInvoice(item: Item): Invoice {
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
      }),
    ),
    subtotal: big(item.subtotal),
    total: big(item.total),
    createdAt: item.createdAt as string,
  };
}

export async function getInvoice(db: Db, id: string): Promise<Invoice | undefined> {
  const item = await getItem(db, keys.invoice(id));
  return item && toInvoice(item);
}

/** A customer's invoices, newest first. */
export async function listInvoices(db: Db, customerId: string): Promise<Invoice[]> {
  const index = TABLE.timelineIndex;
  const { Items } = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": keys.invoiceTimelinePartition(customerId) },
      ScanIndexForward: false,
    }),
  );
  return (Items ?? []).map(toInvoice);
}

/** Moves an invoice from `from` to `to`; undefined when it was not in `from`. */
export async function setInvoiceStatus(db: Db, id: string, from: InvoiceStatus, to: InvoiceStatus): Promise<Invoice | undefined> {
  try {
    const { Attributes } = await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.invoice(id),
        UpdateExpression: "SET #status = :to",
        ConditionExpression: "#status = :from",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":from": from, ":to": to },
        ReturnValues: "ALL_NEW",
      }),
    );
    return toInvoice(Attributes as Item);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Invoices whose events are not published yet, oldest first. */
export async function listUnpublished(db: Db, limit = 100): Promise<{ id: string; events: BillingEvent[] }[]> {
  const index = TABLE.dueIndex;
  const { Items } = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": OUTBOX },
      Limit: limit,
    }),
  );
  // The index holds keys only: read each invoice for its outbox (it may have been published meanwhile).
  const invoices = await Promise.all((Items ?? []).map((item) => getItem(db, { pk: item.pk as string, sk: item.sk as string })));
  return invoices
    .filter((item): item is Item => Boolean(item?.outbox))
    .map((item) => ({ id: item.id as string, events: JSON.parse(item.outbox as string) as BillingEvent[] }));
}

export async function markPublished(db: Db, id: string): Promise<void> {
  await db.doc.send(
    new UpdateCommand({ TableName: db.table, Key: keys.invoice(id), UpdateExpression: "REMOVE outbox, gsi1pk, gsi1sk" }),
  );
}
