/**
 * Section 5: closeDuePeriods over `settings.closes` subscriptions whose DAY period has ended,
 * seeded by BatchWrite in the wallet's own shape, against the raw transaction rate at c8.
 */
import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { closeDuePeriods } from "../../core/periods/sweep";
import { dueWalletItem, TABLE } from "../harness";
import { inParallel, perOp } from "../lib";
import { units } from "../../core/money";
import { type BenchContext, log, pad } from "./context";

export type ClosesResult = Awaited<ReturnType<typeof closeDuePeriods>> & {
  due: number;
  seedSeconds: number;
  closesPerSec: number;
  ratioToRawTx: number;
  rawTxPerSecC8: number;
  requestsPerClose: Record<string, number>;
  itemsPerClose: Record<string, number>;
};

export async function measureCloses(ctx: BenchContext, rawTxPerSecC8: number): Promise<ClosesResult> {
  const due = ctx.settings.closes;
  log(`bench: seeding ${due} due subscriptions...`);
  const seedStarted = performance.now();
  const start = new Date(Date.now() - 86_400_000 - 60_000);
  const dueIds = Array.from({ length: due }, (_, i) => `due-${pad(i)}`);
  const chunks: string[][] = [];
  for (let i = 0; i < dueIds.length; i += 25) chunks.push(dueIds.slice(i, i + 25));
  await inParallel(chunks, 8, async (ids) => {
    let pending = ids.map((id) => ({ PutRequest: { Item: dueWalletItem(id, ctx.daily, start, units(10_150)) } }));
    while (pending.length) {
      const out = await ctx.raw.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: pending } }));
      pending = (out.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
    }
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`bench: seeded in ${seedSeconds.toFixed(1)} s; closing...`);
  const counts = ctx.countFromNow();
  const sweep = await closeDuePeriods(ctx.deps, { budgetMs: 240_000 });
  const closesPerSec = sweep.closed / (sweep.durationMs / 1000);
  log(`  ${sweep.closed} closes in ${(sweep.durationMs / 1000).toFixed(1)} s: ${closesPerSec.toFixed(0)}/s`);
  return {
    due,
    seedSeconds,
    ...sweep,
    closesPerSec,
    ratioToRawTx: closesPerSec / rawTxPerSecC8,
    rawTxPerSecC8,
    requestsPerClose: perOp(counts.requests, Math.max(1, sweep.closed)),
    itemsPerClose: perOp(counts.items, Math.max(1, sweep.closed)),
  };
}
