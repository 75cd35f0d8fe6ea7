/**
 * Invoice items and gapless numbering. A number is taken in the same transaction that writes the
 * invoice and what it bills: the counter moves from n to n+k only if it is still at n, so a
 * failed or lost transaction never burns a number. The last number is remembered per process to
 * save a read; a stale guess fails the counter's condition and is refreshed.
 *
 * Every invoice-bearing write meets the counter, so within one process they are group-committed:
 * the writes waiting while a transaction is in flight go out together in the next one (the
 * counter once, then each write's items and its invoice, up to DynamoDB's 100 items), numbered in
 * the order they arrived. A write whose own condition fails is answered and dropped from the
 * group; a write that meets another transaction on its own items is retried in a later group,
 * so one busy wallet does not hold the others back. This is a throughput measure (the sweeper's
 * closes share a transaction instead of queueing for the counter one by one); correctness is the
 * counter's condition, which also settles races between processes.
 *
 * Until its events are published, an invoice is in the outbox (core/db/outbox.ts).
 */
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  type CancellationReason,
} from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../deps";
import { DomainError } from "../errors";
import {
  invoiceNumber,
  type Invoice,
  type InvoiceDraft,
  type InvoiceLine,
  type InvoiceStatus,
} from "../invoices/invoice";
import { backoff } from "../usage/retry";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys, TABLE } from "./keys";
import { outboxFields } from "./outbox";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
export type WriteOutcome = { ok: true; invoice?: Invoice } | { ok: false; reasons: CancellationReason[] };

const lastNumber = new Map<string, bigint>();

async function readCounter(db: Db): Promise<bigint> {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.invoiceCounter(), ConsistentRead: true }),
  );
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
  if (!draft) return writeAlone(db, items);
  return new Promise((resolve, reject) => {
    const queue = queues.get(db.table) ?? [];
    queues.set(db.table, queue);
    queue.push({ items, draft, eventsFor, attempts: 0, resolve, reject });
    void drain(db, queue);
  });
}

/** An invoice-bearing write waiting for (or in) a group. */
type Pending = {
  items: TransactItem[];
  draft: InvoiceDraft;
  eventsFor: (invoice: Invoice) => BillingEvent[];
  attempts: number;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
};

const queues = new Map<string, Pending[]>();
const draining = new Set<Pending[]>();
const COUNTER_ATTEMPTS = 20;
/** DynamoDB's limit on a transaction's items. */
const MAX_ITEMS = 100;

/** Sends the queue's writes, a group per transaction, until it is empty; one drain per queue at a time. */
async function drain(db: Db, queue: Pending[]): Promise<void> {
  if (draining.has(queue)) return;
  draining.add(queue);
  try {
    while (queue.length) {
      const group = takeGroup(queue);
      // commitGroup answers every member; this only catches what it did not expect.
      await commitGroup(db, group).catch((error: unknown) => {
        for (const m of group) m.reject(error);
      });
    }
  } finally {
    draining.delete(queue);
  }
}

/** The oldest writes that fit in one transaction and touch distinct items (DynamoDB refuses two operations on one item). */
function takeGroup(queue: Pending[]): Pending[] {
  const group: Pending[] = [];
  const touched = new Set<string>();
  let size = 1; // the counter
  for (let i = 0; i < queue.length && size < MAX_ITEMS; ) {
    const next = queue[i]!;
    const own = next.items.map(itemKey);
    if (size + own.length + 1 > MAX_ITEMS) break;
    if (own.some((k) => touched.has(k))) {
      i++;
      continue;
    }
    for (const k of own) touched.add(k);
    size += own.length + 1;
    group.push(next);
    queue.splice(i, 1);
  }
  return group;
}

function itemKey(item: TransactItem): string {
  const key = (item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key) as Item;
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

/**
 * One transaction for the group: numbers previous+1.. in the group's order. Each member is
 * answered exactly once: written, refused by its own condition, or failed.
 */
async function commitGroup(db: Db, group: Pending[]): Promise<void> {
  let members = group;
  let attempt = 0;
  while (members.length) {
    if (attempt++ === COUNTER_ATTEMPTS) {
      for (const m of members)
        m.reject(new DomainError("CONFLICT", "could not allocate an invoice number under contention; retry"));
      return;
    }
    await backoff(attempt - 1);
    const previous = lastNumber.get(db.table) ?? (await readCounter(db).catch((error: unknown) => error));
    if (typeof previous !== "bigint") {
      for (const m of members) m.reject(previous);
      return;
    }
    const invoices = members.map((m, i) => numbered(m.draft, previous + BigInt(i) + 1n));
    const transactItems = members.flatMap((m, i) => [
      ...m.items,
      {
        Put: {
          TableName: db.table,
          Item: invoiceItem(invoices[i]!, m.eventsFor(invoices[i]!)),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ]);
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [...transactItems, counterUpdate(db, previous, BigInt(members.length))],
        }),
      );
      lastNumber.set(db.table, previous + BigInt(members.length));
      for (const [i, m] of members.entries()) m.resolve({ ok: true, invoice: invoices[i]! });
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        for (const m of members) m.reject(error);
        return;
      }
      const reasons = error.CancellationReasons ?? [];
      if (reasons[transactItems.length]?.Code === "ConditionalCheckFailed") {
        lastNumber.delete(db.table); // another process took numbers: read the counter again
        continue;
      }
      const failed = (code: string) => (reasons: CancellationReason[]) => reasons.some((r) => r.Code === code);
      const retry: Pending[] = [];
      let at = 0;
      for (const m of members) {
        const own = reasons.slice(at, at + m.items.length);
        at += m.items.length + 1;
        if (failed("ConditionalCheckFailed")(own)) m.resolve({ ok: false, reasons: own });
        else if (failed("TransactionConflict")(own) && members.length > 1) requeue(db, m);
        else retry.push(m);
      }
      // Nothing of the members' own failed: the counter, an invoice or DynamoDB itself did.
      if (retry.length === members.length && !failed("TransactionConflict")(reasons)) {
        for (const m of members) m.reject(error);
        return;
      }
      members = retry;
    }
  }
}

/** A write that met another transaction on its own items goes back in line for a later group. */
function requeue(db: Db, pending: Pending): void {
  if (++pending.attempts === COUNTER_ATTEMPTS) {
    pending.reject(new DomainError("CONFLICT", "could not write under contention; retry"));
    return;
  }
  const queue = queues.get(db.table)!;
  void backoff(pending.attempts).then(() => {
    queue.push(pending);
    void drain(db, queue);
  });
}

/** A write without an invoice: no counter, no group. */
async function writeAlone(db: Db, items: TransactItem[]): Promise<WriteOutcome> {
  for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
    await backoff(attempt);
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return { ok: false, reasons };
      if (!reasons.some((r) => r.Code === "TransactionConflict")) throw error;
    }
  }
  throw new DomainError("CONFLICT", "could not write under contention; retry");
}

function numbered(draft: InvoiceDraft, n: bigint): Invoice {
  const number = invoiceNumber(n);
  return { ...draft, id: number, number, status: "OPEN" };
}

function counterUpdate(db: Db, previous: bigint, taken: bigint): TransactItem {
  return {
    Update: {
      TableName: db.table,
      Key: keys.invoiceCounter(),
      UpdateExpression: "SET #last = :next, #type = :type",
      ConditionExpression: previous === 0n ? "attribute_not_exists(#last)" : "#last = :previous",
      ExpressionAttributeNames: { "#last": "last", "#type": "type" },
      ExpressionAttributeValues: {
        ":next": previous + taken,
        ":type": ItemType.COUNTER,
        ...(previous === 0n ? {} : { ":previous": previous }),
      },
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
    ...outboxFields(events, invoice.createdAt, invoice.id),
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

/** Moves an invoice from `from` to `to`; undefined when it was not in `from`. */
export async function setInvoiceStatus(
  db: Db,
  id: string,
  from: InvoiceStatus,
  to: InvoiceStatus,
): Promise<Invoice | undefined> {
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
