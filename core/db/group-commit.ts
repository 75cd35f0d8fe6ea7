/**
 * Writes that issue invoices: what they write, the invoices with their numbers, and the events to
 * publish, in one transaction with the invoice counter (./invoice-counter.ts).
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
import { TransactWriteCommand } from "./commands";
import {
  DynamoDBServiceException,
  TransactionCanceledException,
  type CancellationReason,
} from "@aws-sdk/client-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import { DomainError } from "../errors";
import { invoiceNumber, issuedStatus, type Invoice, type InvoiceDraft } from "../invoices/invoice";
import { Backoff, RETRY, withRetries } from "../retry";
import type { Db } from "./client";
import { counterUpdate, lastInvoiceNumber, numberGuessStale, numbersTaken } from "./invoice-counter";
import { invoiceItem } from "./invoices";
import type { Item } from "./items";
import { keys, type Key } from "./keys";
import { outboxItem, outboxKeyOf } from "./outbox";
import { failedWith, transact, type TransactItem } from "./transact";

/** Written: the invoices (numbered) and the events to publish, held in `outbox` until they are. */
export type Written = { ok: true; invoices: Invoice[]; events: BillingEvent[]; outbox?: Key };
export type WriteOutcome = Written | { ok: false; reasons: CancellationReason[] };
export type EventsFor = (invoices: Invoice[]) => BillingEvent[];
/**
 * The write's items once its invoices have numbers, for an item that records them (a purchase
 * request names its invoice, so a replay finds it). Only attribute values may differ from `items`:
 * the keys are what the group was chosen by.
 */
export type ItemsFor = (items: TransactItem[], invoices: Invoice[]) => TransactItem[];

/** DynamoDB's limit on a transaction's items. */
export const MAX_ITEMS = 100;
const ATTEMPTS = 20;
const contention = (what: string) => () => new DomainError("CONFLICT", `could not ${what} under contention; retry`);

/** An invoice-bearing write waiting for (or in) a group. */
type Pending = {
  items: TransactItem[];
  drafts: InvoiceDraft[];
  eventsFor: EventsFor;
  itemsFor?: ItemsFor;
  /** Its turns back in line after meeting another transaction. */
  requeued: Backoff;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
};

const queues = new Map<string, Pending[]>();
const draining = new Set<Pending[]>();

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
  itemsFor?: ItemsFor,
): Promise<WriteOutcome> {
  if (!drafts.length) return writeAlone(db, itemsFor ? itemsFor(items, []) : items, eventsFor([]));
  return new Promise((resolve, reject) => {
    const queue = queues.get(db.table) ?? [];
    queues.set(db.table, queue);
    const requeued = new Backoff({ attempts: ATTEMPTS, exhausted: contention("write") });
    queue.push({ items, drafts, eventsFor, ...(itemsFor ? { itemsFor } : {}), requeued, resolve, reject });
    void drain(db, queue);
  });
}

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
    ...(m.itemsFor ? m.itemsFor(m.items, invoices) : m.items),
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
  const attempt = async () => {
    const previous = await lastInvoiceNumber(db);
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
      numbersTaken(db, previous + taken);
      for (const [i, m] of members.entries()) m.resolve(shares[i]!.written);
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons[transactItems.length]?.Code === "ConditionalCheckFailed") {
        numberGuessStale(db);
        return RETRY;
      }
      const retry = unanswered(db, members, shares, reasons);
      // Nothing of the members' own conditions failed: an item DynamoDB refused (e.g. a number
      // beyond its 38 digits), the request itself, or DynamoDB. Alone, a member fails for its own
      // reason only; in a group, it is retried member by member so the others still go through,
      // but only when DynamoDB answered the refusal (nothing was written). A failure of unknown
      // outcome (the connection lost after sending, a timeout, DynamoDB's own 5xx) may have
      // committed the whole group: retried alone, each member would find its own write done and
      // decide again on it (a plan change answering "already on plan" BAD_USER_INPUT for the
      // change it just made: soak seed 80044). Every member fails with it instead, as a write
      // alone does, and its caller retries with its key.
      if (retry.length === members.length && !failedWith("TransactionConflict", reasons)) {
        if (members.length === 1 || !refusedByDynamo(error)) throw error;
        for (const m of members) await commitGroup(db, [m]);
        return true;
      }
      members = retry;
      return members.length ? RETRY : true;
    }
  };
  await withRetries({ attempts: ATTEMPTS, exhausted: contention("allocate an invoice number") }, attempt).catch(
    (error: unknown) => {
      for (const m of members) m.reject(error);
    },
  );
}

/**
 * Whether DynamoDB answered the request with a refusal of the client's (a 4xx: a validation error,
 * a throttle): nothing of it was written. Anything else (no answer, a timeout, a 5xx) has an
 * unknown outcome.
 */
const refusedByDynamo = (error: unknown): boolean =>
  error instanceof DynamoDBServiceException && error.$fault === "client";

/**
 * Answers the members a group's transaction failed for reasons of their own: a failed condition
 * (answered with its reasons) or, in a group, another transaction on their items (back in line).
 * Returns the others, to be retried.
 */
function unanswered(db: Db, members: Pending[], shares: { items: unknown[] }[], reasons: CancellationReason[]) {
  const retry: Pending[] = [];
  let at = 0;
  for (const [i, m] of members.entries()) {
    const own = reasons.slice(at, at + m.items.length);
    at += shares[i]!.items.length;
    if (failedWith("ConditionalCheckFailed", own)) m.resolve({ ok: false, reasons: own });
    else if (failedWith("TransactionConflict", own) && members.length > 1) requeue(db, m);
    else retry.push(m);
  }
  return retry;
}

/** A write that met another transaction on its own items goes back in line for a later group. */
function requeue(db: Db, pending: Pending): void {
  const queue = queues.get(db.table)!;
  pending.requeued.next().then(() => {
    queue.push(pending);
    void drain(db, queue);
  }, pending.reject);
}

/** A write without an invoice: no counter, no group; its events, if any, in an outbox item. */
function writeAlone(db: Db, items: TransactItem[], events: BillingEvent[]): Promise<WriteOutcome> {
  const all = events.length ? [...items, { Put: { TableName: db.table, Item: outboxItem(events) } }] : items;
  return withRetries({ attempts: ATTEMPTS, exhausted: contention("write") }, async () => {
    const cancelled = await transact(db, all);
    if (!cancelled)
      return { ok: true, invoices: [], events, ...(events.length ? { outbox: outboxKeyOf(events) } : {}) };
    const { reasons, error } = cancelled;
    if (failedWith("ConditionalCheckFailed", reasons)) return { ok: false, reasons };
    if (!failedWith("TransactionConflict", reasons)) throw error;
    return RETRY;
  });
}

function numbered(draft: InvoiceDraft, n: bigint): Invoice {
  const number = invoiceNumber(n);
  return { ...draft, id: number, number, status: issuedStatus(draft) };
}
