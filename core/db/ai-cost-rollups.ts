/**
 * Reading AI cost rollup cells (written by core/db/rollups.ts): one Query per partition a report
 * needs, a few at a time, each read through its pages.
 */
import { AI_COST_FIELDS, type AiCostTotals } from "../ai-costs/rollup";
import type { CellRead } from "../ai-costs/plan";
import type { Db } from "./client";
import { big, queryAll, type Item } from "./items";
import { QueryCommand } from "./commands";
import { keys } from "./keys";

const CONCURRENCY = 8;

export type CellRow = { key: string; totals: AiCostTotals };

export async function readCells(db: Db, reads: CellRead[]): Promise<CellRow[]> {
  const rows: CellRow[] = [];
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const read = reads[next++]!;
      const prefix = keys.aiCostRollupPrefix();
      const items = await queryAll(db, {
        ...(read.days
          ? {
              KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
              ExpressionAttributeValues: {
                ":pk": keys.aiCostRollupPartition(read.group, read.bucket),
                ":first": `${prefix}${read.days.first}`,
                ":last": `${prefix}${read.days.last}`,
              },
            }
          : {
              KeyConditionExpression: "pk = :pk",
              ExpressionAttributeValues: { ":pk": keys.aiCostRollupPartition(read.group, read.bucket) },
            }),
      });
      rows.push(...items.map(toRow));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, reads.length) }, worker));
  return rows;
}

/**
 * A page of cells: from each partition the report reads, the first `limit` cells (in key order)
 * whose key comes after `after`, so the smallest `limit` keys of their union are complete: a key
 * one partition did not return has `limit` smaller keys in that partition alone.
 */
export async function readCellsAfter(
  db: Db,
  reads: CellRead[],
  after: string | undefined,
  limit: number,
): Promise<CellRow[]> {
  const prefix = keys.aiCostRollupPrefix();
  const rows: CellRow[] = [];
  let next = 0;
  const worker = async () => {
    while (next < reads.length) {
      const read = reads[next++]!;
      const pk = keys.aiCostRollupPartition(read.group, read.bucket);
      const [first, last] = read.days ? [`${prefix}${read.days.first}`, `${prefix}${read.days.last}`] : [prefix];
      const start = after === undefined ? undefined : `${prefix}${after}`;
      if (start !== undefined && last !== undefined && start >= last) continue; // nothing after it here
      const page = await db.doc.send(
        new QueryCommand({
          TableName: db.table,
          ...(last === undefined
            ? {
                KeyConditionExpression: "pk = :pk AND begins_with(sk, :first)",
                ExpressionAttributeValues: { ":pk": pk, ":first": first },
              }
            : {
                KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
                ExpressionAttributeValues: { ":pk": pk, ":first": first, ":last": last },
              }),
          // A position, not necessarily a cell of this partition (a customer with no calls in it).
          ...(start !== undefined && start > first! ? { ExclusiveStartKey: { pk, sk: start } } : {}),
          Limit: limit,
        }),
      );
      rows.push(...(page.Items ?? []).map(toRow));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, reads.length) }, worker));
  return rows;
}

const toRow = (item: Item): CellRow => ({
  key: item.key as string,
  totals: Object.fromEntries(AI_COST_FIELDS.map((f) => [f, big(item[f])])) as AiCostTotals,
});
