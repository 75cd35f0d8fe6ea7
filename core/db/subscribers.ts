/**
 * A plan's subscribers, read from the sparse plan index (gsi4, keys only): every wallet whose
 * subscription renews into the plan carries gsi4pk = SUBSCRIBERS#<plan> and gsi4sk = <customerId>
 * (keys.subscriberOf, set by every period change in ./period-update.ts). The index is eventually
 * consistent: whoever acts on a listed customer reads its wallet first.
 */
import { QueryCommand } from "./commands";
import type { Db } from "./client";
import { keys, TABLE } from "./keys";

export type SubscriberPage = { customerIds: string[]; next?: Record<string, unknown> };

/** One page of the plan's subscribers in customer id order, from where the last page stopped. */
export async function subscribersPage(
  db: Db,
  planCode: string,
  start: Record<string, unknown> | undefined,
  pageSize: number,
): Promise<SubscriberPage> {
  const index = TABLE.planIndex;
  const page = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": keys.subscribersPartition(planCode) },
      Limit: pageSize,
      ExclusiveStartKey: start,
    }),
  );
  return {
    customerIds: (page.Items ?? []).map((item) => item[index.sortKey] as string),
    ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}),
  };
}
