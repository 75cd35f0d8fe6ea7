/**
 * The outbox: billing events written in the same transaction as the change they announce and
 * published after the commit. An invoice carries its own events; a usage write that depletes
 * credits or turns a balance negative adds one small outbox item. Until published, both sit in
 * the sparse work index (gsi1, partition OUTBOX), where the sweeper finds what a crash left.
 */
import { DeleteCommand, QueryCommand, UpdateCommand } from "./commands";
import type { BillingEvent } from "../events/billing-event";
import type { Db } from "./client";
import { getItem, type Item } from "./items";
import { ItemType, keys, TABLE, type Key } from "./keys";

/** The attributes that put an item's events in the outbox (none for no events). */
export function outboxFields(events: BillingEvent[], time: string, id: string): Item {
  return events.length ? { outbox: JSON.stringify(events), ...keys.unpublished(time, id) } : {};
}

/** The outbox item of a usage write's events: named after the first (event ids are stable, so a rewrite is the same announcement). */
export const outboxKeyOf = (events: BillingEvent[]): Key => keys.outbox(events[0]!.id);

export function outboxItem(events: BillingEvent[]): Item {
  const first = events[0]!;
  return { ...outboxKeyOf(events), type: ItemType.OUTBOX, ...outboxFields(events, first.time, first.id) };
}

/** Items whose events are not published yet, oldest first. */
export async function listUnpublished(db: Db, limit = 100): Promise<{ key: Key; events: BillingEvent[] }[]> {
  const index = TABLE.dueIndex;
  const { Items } = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": keys.unpublishedPartition() },
      Limit: limit,
    }),
  );
  // The index holds keys only: read each item for its outbox (it may have been published meanwhile).
  const items = await Promise.all(
    (Items ?? []).map((item) => getItem(db, { pk: item.pk as string, sk: item.sk as string })),
  );
  return items
    .filter((item): item is Item => Boolean(item?.outbox))
    .map((item) => ({
      key: { pk: item.pk as string, sk: item.sk as string },
      events: JSON.parse(item.outbox as string) as BillingEvent[],
    }));
}

/** Takes published events out of the outbox: an outbox item is deleted, an invoice keeps everything else. */
export async function markPublished(db: Db, key: Key): Promise<void> {
  if (keys.isOutbox(key)) await db.doc.send(new DeleteCommand({ TableName: db.table, Key: key }));
  else
    await db.doc.send(
      new UpdateCommand({ TableName: db.table, Key: key, UpdateExpression: "REMOVE outbox, gsi1pk, gsi1sk" }),
    );
}
