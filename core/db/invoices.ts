/**
 * Invoice items and gapless numbering. A number is taken in the same transaction that writes the
 * invoice and what it bills: the counter moves from n to n+k only if it is still at n, so a
 * failed or lost transaction never burns a number. The last number is remembered per process to
 * save a read; a stale guess fails the counter's condition and is refreshed.
 *
 * Every invoice-bearing write meets the counter, so within one process they are group-committed:
 * the writes waiting while a transaction is in flight go out together in the next one (the
 * counter once, then each write's items and its invoices, up to DynamoDB's 100 items), numbered in
 * the order they arrived. A write whose own condition fails is answered and dropped from the
 * group; a write that meets another transaction on its own items is retried in a later group,
 * so one busy wallet does not hold the others back. A group that fails for any other reason (an
 * item DynamoDB refuses, an error of the request) is retried member by member, each alone, so one
 * customer's failure only ever fails that customer's write. This is a throughput measure (the
 * sweeper's closes share a transaction instead of queueing for the counter one by one);
 * correctness is the counter's condition, which also settles races between processes.
 *
 * A write may carry several invoices (a catch-up closing many periods at once, core/periods/close.ts).
 * Until their events are published, they are in the outbox (core/db/outbox.ts): on the invoice
 * itself when the write has one, in one outbox item when it has several or none.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, type TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException, type CancellationReason } from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import { DomainError } from "../errors";
import {
  invoiceNumber,
  issuedStatus,
  type Invoice,
  type InvoiceDraft,
  type InvoiceGrant,
  type InvoiceLine,
  type InvoiceReversal,
  type InvoiceStatus,
} from "../invoices/invoice";
import { backoff } from "../usage/retry";
import type { Db } from "./client";
import { big, getItem, type Item } from "./items";
import { ItemType, keys, TABLE, type Key } from "./keys";
import { outboxFields, outboxItem, outboxKeyOf } from "./outbox";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];
/** Written: the invoices (numbered) and the events to publish, held in `outbox` until they are. */
export type Written = { ok: true; invoices: Invoice[]; events: BillingEvent[]; outbox?: Key };
export type WriteOutcome = Written | { ok: false; reasons: CancellationReason[] };
export type EventsFor = (invoices: Invoice[]) => BillingEvent[];

const lastNumber = new Map<string, bigint>();

async function readCounter(db: Db): Promise<bigint> {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.table, Key: keys.invoiceCounter(), ConsistentRead: true }),
  );
  return big(Item?.last);
}

/**
 * Writes `items` and the invoices of `drafts` with the next numbers, and the events `eventsFor`
 * makes of them in the outbox, all in one transaction. Returns the cancellation reasons of `items`
 * when one of their conditions failed.
 */
export function writeWithInvoices(
  db: Db,
  items: TransactItem[],
  drafts: InvoiceDraft[],
  eventsFor: EventsFor = () => [],
): Promise<WriteOutcome> {
  if (!drafts.length) return writeAlone(db, items, eventsFor([]));
  return new Promise((resolve, reject) => {
    const queue = queues.get(db.table) ?? [];
    queues.set(db.table, queue);
    queue.push({ items, drafts, eventsFor, attempts: 0, resolve, reject });
    void drain(db, queue);
  });
}

/** An invoice-bearing write waiting for (or in) a group. */
type Pending = {
  items: TransactItem[];
  drafts: InvoiceDraft[];
  eventsFor: EventsFor;
  attempts: number;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
};

const queues = new Map<string, Pending[]>();
const draining = new Set<Pending[]>();
const COUNTER_ATTEMPTS = 20;
/** DynamoDB's limit on a transaction's items. */
export const MAX_ITEMS = 100;

/** The items a member adds to a transaction: its own, its invoices and, with several invoices, an outbox item. */
const sizeOf = (p: { items: unknown[]; drafts: unknown[] }) =>
  p.items.length + p.drafts.length + (p.drafts.length > 1 ? 1 : 0);

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
    if (size + sizeOf(next) > MAX_ITEMS && group.length) break;
    if (own.some((k) => touched.has(k))) {
      i++;
      continue;
    }
    for (const k of own) touched.add(k);
    size += sizeOf(next);
    group.push(next);
    queue.splice(i, 1);
  }
  return group;
}

function itemKey(item: TransactItem): string {
  const key = (item.Put?.Item ?? item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key) as Item;
  return `${String(key.pk)}\u0000${String(key.sk)}`;
}

/** A member's share of a group transaction: its items, its numbered invoices and their events. */
function memberItems(db: Db, m: Pending, first: bigint) {
  const invoices = m.drafts.map((d, i) => numbered(d, first + BigInt(i)));
  const events = m.eventsFor(invoices);
  const single = invoices.length === 1;
  const outbox = events.length ? (single ? keys.invoice(invoices[0]!.id) : outboxKeyOf(events)) : undefined;
  const items: TransactItem[] = [
    ...m.items,
    ...invoices.map((inv) => ({
      Put: {
        TableName: db.table,
        Item: invoiceItem(inv, single ? events : []),
        ConditionExpression: "attribute_not_exists(pk)",
      },
    })),
    ...(!single && events.length ? [{ Put: { TableName: db.table, Item: outboxItem(events) } }] : []),
  ];
  return { items, written: { ok: true as const, invoices, events, ...(outbox ? { outbox } : {}) } };
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
    let next = previous + 1n;
    const shares = members.map((m) => {
      const share = memberItems(db, m, next);
      next += BigInt(m.drafts.length);
      return share;
    });
    const taken = next - 1n - previous;
    const transactItems = shares.flatMap((s) => s.items);
    try {
      await db.doc.send(
        new TransactWriteCommand({ TransactItems: [...transactItems, counterUpdate(db, previous, taken)] }),
      );
      lastNumber.set(db.table, previous + taken);
      for (const [i, m] of members.entries()) m.resolve(shares[i]!.written);
      return;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons[transactItems.length]?.Code === "ConditionalCheckFailed") {
        lastNumber.delete(db.table); // another process took numbers: read the counter again
        continue;
      }
      const failed = (code: string) => (reasons: CancellationReason[]) => reasons.some((r) => r.Code === code);
      const retry: Pending[] = [];
      let at = 0;
      for (const [i, m] of members.entries()) {
        const own = reasons.slice(at, at + m.items.length);
        at += shares[i]!.items.length;
        if (failed("ConditionalCheckFailed")(own)) m.resolve({ ok: false, reasons: own });
        else if (failed("TransactionConflict")(own) && members.length > 1) requeue(db, m);
        else retry.push(m);
      }
      // Nothing of the members' own conditions failed: an item DynamoDB refused (e.g. a number
      // beyond its 38 digits), the request itself, or DynamoDB. Alone, a member fails for its own
      // reason only; in a group, it is retried member by member so the others still go through.
      if (retry.length === members.length && !failed("TransactionConflict")(reasons)) {
        if (members.length === 1) {
          members[0]!.reject(error);
          return;
        }
        for (const m of members) await commitGroup(db, [m]);
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

/** A write without an invoice: no counter, no group; its events, if any, in an outbox item. */
async function writeAlone(db: Db, items: TransactItem[], events: BillingEvent[]): Promise<WriteOutcome> {
  const all = events.length ? [...items, { Put: { TableName: db.table, Item: outboxItem(events) } }] : items;
  for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
    await backoff(attempt);
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: all }));
      return { ok: true, invoices: [], events, ...(events.length ? { outbox: outboxKeyOf(events) } : {}) };
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
  return { ...draft, id: number, number, status: issuedStatus(draft) };
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
  const grant = item.grant as Item | undefined;
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
