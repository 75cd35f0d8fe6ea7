/**
 * The due index: every active subscription's wallet carries gsi1pk = DUE#<shard> and
 * gsi1sk = <periodEnd>#<customerId> (see keys.due), so wallets whose period ended by `now` are a
 * range query per shard. Shards spread the index's write and read load. The index holds keys
 * only, so the customers come from the sort key and each wallet is then read where it is closed.
 */
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Db } from "./client";
import { DUE_SHARDS, keys, TABLE } from "./keys";

/** Customers due for a close at `now`, shard by shard, page by page; safe to share among workers. */
export function listDue(db: Db, now: Date, pageSize = 100): AsyncIterator<string> {
  const index = TABLE.dueIndex;
  const upTo = keys.dueUpTo(now);
  let shard = 0;
  let buffer: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  let fetching: Promise<void> | undefined;
  const fill = async () => {
    while (!buffer.length && shard < DUE_SHARDS) {
      const page = await db.doc.send(
        new QueryCommand({
          TableName: db.table,
          IndexName: index.name,
          KeyConditionExpression: `${index.partitionKey} = :pk AND ${index.sortKey} <= :upTo`,
          ExpressionAttributeValues: { ":pk": keys.dueShard(shard), ":upTo": upTo },
          Limit: pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      buffer = (page.Items ?? []).map((item) => keys.customerOfDue(item[index.sortKey] as string));
      startKey = page.LastEvaluatedKey;
      if (!startKey) shard++;
    }
  };
  return {
    async next() {
      while (!buffer.length && shard < DUE_SHARDS) {
        fetching ??= fill().finally(() => (fetching = undefined));
        await fetching;
      }
      const value = buffer.shift();
      return value ? { done: false, value } : { done: true, value: undefined };
    },
  };
}
