/**
 * Usage event items and the usage transaction: the events (each new only if its idempotency key
 * is unused) and the wallet update, all or nothing. A cancelled transaction is reported back with
 * what made it fail, read from the cancellation reasons themselves (no extra read).
 *
 * The customer's event timeline (`customer.events`, newest recorded first) is the timeline index
 * (gsi2). A transaction of one event puts the event itself in it (1 index write unit). A
 * transaction of several events puts one page item in it instead, which names its events in
 * order: a few bytes per event instead of a full index write each, which keeps a batched event
 * near the 2 write units its own transactional put costs. Events are ordered by when they were
 * recorded, ties broken in recording order (db/recording-order.ts; a batch's events share one
 * entry, in the batch's order); each keeps its own `timestamp`, which is what periods and pricing
 * use.
 */
import { QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { BillingEvent } from "../events/billing-event";
import type { UsageEvent } from "../usage/event";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { batchGet, big, getItem, int, type Item } from "./items";
import { encodeEventCursor, ItemType, keys, TABLE, type EventCursor, type Key } from "./keys";
import { outboxItem, outboxKeyOf } from "./outbox";
import { nextRecordingOrder } from "./recording-order";
import { toWallet } from "./wallets";
import { usageUpdate, type UsageUpdate } from "./usage-update";

/** Events are kept (and keys deduplicated) for this long; DynamoDB's TTL removes them after. */
export const EVENT_RETENTION_DAYS = 400;

const expiresAt = (recordedAt: string) => Math.floor(Date.parse(recordedAt) / 1000) + EVENT_RETENTION_DAYS * 86_400;

/** An event's item; with an `order` it is in the timeline itself (a transaction of one event). */
function eventItem(event: UsageEvent, order?: string): Item {
  const { properties, ai, ...rest } = event;
  return {
    ...keys.event(event.customerId, event.idempotencyKey),
    ...(order ? keys.eventTimeline(event.customerId, event.recordedAt, order, event.idempotencyKey) : {}),
    type: ItemType.EVENT,
    ...rest,
    ...(properties !== undefined ? { properties: JSON.stringify(properties) } : {}),
    ...(ai ? { ai: { ...ai, unitPrices: { ...ai.unitPrices } } } : {}),
    [TABLE.ttlAttribute]: expiresAt(event.recordedAt),
  };
}

/** The timeline entry of a transaction's several events: their keys, in order. Kept as long as they are. */
function pageItem(customerId: string, events: UsageEvent[], order: string): Item {
  const first = events[0]!;
  return {
    ...keys.eventPage(customerId, first.idempotencyKey),
    ...keys.eventTimeline(customerId, first.recordedAt, order, first.idempotencyKey),
    type: ItemType.EVENT_PAGE,
    events: events.map((e) => e.idempotencyKey),
    [TABLE.ttlAttribute]: expiresAt(first.recordedAt),
  };
}

export function toEvent(item: Item): UsageEvent {
  const ai = item.ai as Item | undefined;
  const prices = (ai?.unitPrices ?? {}) as Item;
  const tokens = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const;
  return {
    idempotencyKey: item.idempotencyKey as string,
    customerId: item.customerId as string,
    feature: item.feature as string,
    value: big(item.value),
    ...(item.model ? { model: item.model as string } : {}),
    ...Object.fromEntries(tokens.filter((k) => item[k] !== undefined).map((k) => [k, int(item[k])])),
    ...(item.cost !== undefined ? { cost: big(item.cost) } : {}),
    ...(item.credits !== undefined ? { credits: big(item.credits) } : {}),
    ...(ai
      ? {
          ai: {
            modelId: ai.modelId as string,
            marginBps: int(ai.marginBps),
            providerCost: big(ai.providerCost),
            unitPrices: {
              input: big(prices.input),
              output: big(prices.output),
              cacheRead: big(prices.cacheRead),
              cacheWrite: big(prices.cacheWrite),
            },
          },
        }
      : {}),
    ...(item.properties !== undefined ? { properties: JSON.parse(item.properties as string) } : {}),
    timestamp: item.timestamp as string,
    periodStart: item.periodStart as string,
    planCode: item.planCode as string,
    requestHash: item.requestHash as string,
    recordedAt: item.recordedAt as string,
  };
}

export type UsageWriteResult =
  /** Written; `outbox`: the item holding the events it announces until they are published. */
  | { ok: true; outbox?: Key }
  /** Some events' keys were used before: their stored events, by position in the batch. */
  | { ok: false; duplicates: Map<number, UsageEvent> }
  /** The wallet's condition failed: the wallet as it is now. */
  | { ok: false; wallet: Wallet }
  /** Another transaction held an item; retrying is safe. */
  | { ok: false; conflict: true };

/** One usage transaction: the events, what they do to the wallet (usageUpdate), what they announce. */
export type UsageWrite = UsageUpdate & {
  events: UsageEvent[];
  /** Events this write announces (depletions): into the outbox in the same transaction. */
  announces?: BillingEvent[];
};

export async function writeUsage(db: Db, write: UsageWrite): Promise<UsageWriteResult> {
  const { customerId, events, announces = [] } = write;
  const paged = events.length > 1;
  const order = nextRecordingOrder();
  const puts = events.map((event) => ({
    Put: {
      TableName: db.table,
      Item: eventItem(event, paged ? undefined : order),
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  }));
  // The page needs no condition of its own: its first event's condition makes its key new.
  const page = paged ? [{ Put: { TableName: db.table, Item: pageItem(customerId, events, order) } }] : [];
  const outbox = announces.length ? [{ Put: { TableName: db.table, Item: outboxItem(announces) } }] : [];
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [...puts, { Update: usageUpdate(db, write) }, ...page, ...outbox],
      }),
    );
    return { ok: true, ...(announces.length ? { outbox: outboxKeyOf(announces) } : {}) };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const old = (i: number) => unmarshall(reasons[i]?.Item as Record<string, AttributeValue>, { wrapNumbers: true });
    const duplicates = new Map<number, UsageEvent>();
    events.forEach((_, i) => {
      if (reasons[i]?.Code === "ConditionalCheckFailed" && reasons[i]?.Item) duplicates.set(i, toEvent(old(i)));
    });
    if (duplicates.size) return { ok: false, duplicates };
    const walletReason = reasons[events.length];
    if (walletReason?.Code === "ConditionalCheckFailed" && walletReason.Item)
      return { ok: false, wallet: toWallet(old(events.length)) };
    if (reasons.some((r) => r.Code === "TransactionConflict")) return { ok: false, conflict: true };
    throw error;
  }
}

export async function getEvent(db: Db, customerId: string, idempotencyKey: string): Promise<UsageEvent | undefined> {
  const item = await getItem(db, keys.event(customerId, idempotencyKey));
  return item && toEvent(item);
}

/** A page of the timeline: the event itself (a single event), or the key of an event named by a page item. */
type Entry = { cursor: string } & ({ item: Item } | { idempotencyKey: string });

/**
 * A customer's events, newest recorded first, `first` at a time after the cursor `from` (one of
 * this customer's: decodeEventCursor).
 */
export async function listEvents(
  db: Db,
  customerId: string,
  first: number,
  from?: EventCursor,
): Promise<{ events: { event: UsageEvent; cursor: string }[]; hasNextPage: boolean }> {
  const index = TABLE.timelineIndex;
  const entries: Entry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey} = :pk${from ? ` AND ${index.sortKey} ${from.position === undefined ? "<" : "<="} :sk` : ""}`,
        ExpressionAttributeValues: {
          ":pk": keys.eventTimelinePartition(customerId),
          ...(from ? { ":sk": from.sk } : {}),
        },
        ScanIndexForward: false,
        Limit: first + 1 - entries.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const sk = item[index.sortKey] as string;
      const resumed = from?.position !== undefined && sk === from.sk;
      if (item.type !== ItemType.EVENT_PAGE) {
        if (!resumed) entries.push({ item, cursor: encodeEventCursor({ customerId, sk }) });
        continue;
      }
      // A page's events, newest (last in the batch) first; after a cursor inside it, those before it.
      const named = item.events as string[];
      const end = resumed ? Math.min(from.position!, named.length) : named.length;
      for (let i = end - 1; i >= 0; i--)
        entries.push({ idempotencyKey: named[i]!, cursor: encodeEventCursor({ customerId, sk, position: i }) });
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey && entries.length <= first);

  const shown = entries.slice(0, first);
  const fetched = await getEvents(
    db,
    customerId,
    shown.flatMap((e) => ("idempotencyKey" in e ? [e.idempotencyKey] : [])),
  );
  return {
    // An event past its retention may be gone before its page is (TTL deletes items one by one).
    events: shown.flatMap((e) => {
      const event = "item" in e ? toEvent(e.item) : fetched.get(e.idempotencyKey);
      return event ? [{ event, cursor: e.cursor }] : [];
    }),
    hasNextPage: entries.length > first,
  };
}

/** Events by key, strongly consistent (a page is visible only once its events are written). */
export async function getEvents(
  db: Db,
  customerId: string,
  idempotencyKeys: string[],
): Promise<Map<string, UsageEvent>> {
  const items = await batchGet(
    db,
    idempotencyKeys.map((k) => keys.event(customerId, k)),
  );
  return new Map(items.map((item) => [item.idempotencyKey as string, toEvent(item)]));
}
