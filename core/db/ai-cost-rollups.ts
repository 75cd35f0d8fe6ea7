/**
 * Reading AI cost rollup cells (written by core/db/rollups.ts): one Query per partition a report
 * needs, a few at a time, each read through its pages.
 */
import { AI_COST_FIELDS, type AiCostTotals } from "../ai-costs/rollup";
import type { CellRead } from "../ai-costs/plan";
import type { Db } from "./client";
import { big, queryAll, type Item } from "./items";
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

const toRow = (item: Item): CellRow => ({
  key: item.key as string,
  totals: Object.fromEntries(AI_COST_FIELDS.map((f) => [f, big(item[f])])) as AiCostTotals,
});
