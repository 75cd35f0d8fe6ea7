/**
 * The sparse, sharded work indexes in gsi1: every active subscription's wallet carries
 * gsi1pk = DUE#<shard> and gsi1sk = <periodEnd>#<customerId> (keys.due), a webhook delivery with an
 * attempt due carries WEBHOOKS_DUE#<shard> and <nextAttemptAt>#<deliveryId> (keys.webhookDue). What
 * is due by `now` is then a range query per shard; shards spread the index's write and read load.
 * The index holds keys only, so the ids come from the sort key and each item is read where it is
 * worked on.
 */
import { QueryCommand } from "./commands";
import type { Db } from "./client";
import { DUE_SHARDS, HOLD_DUE_SHARDS, keys, TABLE } from "./keys";

/** One work index: its shards' partition keys, and the id a sort key names. */
export type DueIndex = { shards: number; shard: (n: number) => string; idOf: (sortKey: string) => string };

const SUBSCRIPTIONS: DueIndex = { shards: DUE_SHARDS, shard: keys.dueShard, idOf: keys.customerOfDue };

const HOLDS: DueIndex = { shards: HOLD_DUE_SHARDS, shard: keys.holdDueShard, idOf: keys.reservationOfHoldDue };

/** Reservations whose hold expired by `now`, as "<customerId>#<idempotencyKey>" (core/reservations/expire.ts). */
export const listDueHolds = (db: Db, now: Date, pageSize = 100) => listDueIn(db, HOLDS, now, pageSize);

/** Customers due for a close at `now`, shard by shard, page by page; safe to share among workers. */
export const listDue = (db: Db, now: Date, pageSize = 100) => listDueIn(db, SUBSCRIPTIONS, now, pageSize);

/** The ids due in `due` by `now`, shard by shard, page by page; safe to share among workers. */
export function listDueIn(db: Db, due: DueIndex, now: Date, pageSize = 100): AsyncIterator<string> {
  const index = TABLE.dueIndex;
  const upTo = keys.dueUpTo(now);
  let shard = 0;
  let buffer: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  let fetching: Promise<void> | undefined;
  const fill = async () => {
    while (!buffer.length && shard < due.shards) {
      const page = await db.doc.send(
        new QueryCommand({
          TableName: db.table,
          IndexName: index.name,
          KeyConditionExpression: `${index.partitionKey} = :pk AND ${index.sortKey} <= :upTo`,
          ExpressionAttributeValues: { ":pk": due.shard(shard), ":upTo": upTo },
          Limit: pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      buffer = (page.Items ?? []).map((item) => due.idOf(item[index.sortKey] as string));
      startKey = page.LastEvaluatedKey;
      if (!startKey) shard++;
    }
  };
  return {
    async next() {
      while (!buffer.length && shard < due.shards) {
        fetching ??= fill().finally(() => (fetching = undefined));
        await fetching;
      }
      const value = buffer.shift();
      return value ? { done: false, value } : { done: true, value: undefined };
    },
  };
}
