/** Reading a customer's usage history cells (written by core/db/rollups.ts), newest period first. */
import { QueryCommand } from "./commands";
import type { Db } from "./client";
import { big, type Item } from "./items";
import { keys } from "./keys";

export type HistoryCell = {
  periodStart: string;
  feature: string;
  events: bigint;
  used: bigint;
  cost: bigint;
  credits: bigint;
};

/** The cells of the newest `periods` periods (each period's features together). */
export async function readUsageHistory(db: Db, customerId: string, periods: number): Promise<HistoryCell[]> {
  const cells: HistoryCell[] = [];
  const seen = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": keys.usageHistoryPartition(customerId) },
        ScanIndexForward: false,
        Limit: 200,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const cell = toCell(item);
      if (!seen.has(cell.periodStart) && seen.size === periods) return cells;
      seen.add(cell.periodStart);
      cells.push(cell);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return cells;
}

const toCell = (item: Item): HistoryCell => ({
  periodStart: item.periodStart as string,
  feature: item.feature as string,
  events: big(item.events),
  used: big(item.used),
  cost: big(item.cost),
  credits: big(item.credits),
});
