/**
 * A customer's event timeline (`customer.events`), newest recorded first, read from the timeline
 * index: an event written alone is its own entry, a batch transaction's events are named by one
 * page item (./events.ts). A cursor can point inside a page, so a listing resumes mid-batch.
 */
import { QueryCommand } from "./commands";
import type { UsageEvent } from "../usage/event";
import type { Db } from "./client";
import { getEvents, toEvent } from "./events";
import type { Item } from "./items";
import { encodeEventCursor, ItemType, keys, TABLE, type EventCursor } from "./keys";

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
  const entries = await timelineEntries(db, customerId, first + 1, from);
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

/** At least `wanted` entries after `from` (fewer at the timeline's end), a page item's events one by one. */
async function timelineEntries(db: Db, customerId: string, wanted: number, from?: EventCursor): Promise<Entry[]> {
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
        Limit: wanted - entries.length,
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
  } while (startKey && entries.length < wanted);
  return entries;
}
