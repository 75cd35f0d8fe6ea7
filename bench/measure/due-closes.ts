/**
 * The close sections' shared steps (add-ons, lifecycle-closes, tier-closes): customers whose DAY
 * period is over, seeded straight into the due index, and one timed sweeper run over them.
 */
import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { createCustomer } from "../../core/customers";
import type { Deps } from "../../core/deps";
import { closeDuePeriods } from "../../core/periods/sweep";
import type { createPlan } from "../../core/plans";
import type { Wallet } from "../../core/wallet";
import { dueWalletItem } from "../harness";
import { inParallel, perOp, type Counts } from "../lib";

export type CloseRun = {
  closes: number;
  seconds: number;
  closesPerSec: number;
  requestsPerClose: Record<string, number>;
};

export type DueCustomers = {
  table: string;
  /** Customers are `<prefix>-<i>`. */
  prefix: string;
  n: number;
  plan: Awaited<ReturnType<typeof createPlan>>;
  /** When their first period started (a day and a minute ago: due now). */
  start: Date;
  /** api_calls used in the period. */
  usage: bigint;
  /** Changes to each wallet before it is written (add-ons, a coupon, account credit). */
  adjust?: (wallet: Wallet) => Wallet;
  /** Also create each customer's profile (the sweeper reads it for the invoice's customer). */
  profiles?: boolean;
  /** How ids are numbered (default: plain). */
  id?: (i: number) => string;
};

/** Seeds the due customers 25 wallets to a BatchWriteItem, 8 batches at a time. */
export async function seedDue(deps: Deps, c: DueCustomers): Promise<void> {
  const ids = Array.from({ length: c.n }, (_, i) => `${c.prefix}-${c.id ? c.id(i) : i}`);
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 25) chunks.push(ids.slice(i, i + 25));
  await inParallel(chunks, 8, async (chunk) => {
    if (c.profiles) for (const id of chunk) await createCustomer(deps, { id });
    let pending = chunk.map((id) => ({
      PutRequest: { Item: dueWalletItem(id, c.plan, c.start, c.usage, c.adjust) },
    }));
    while (pending.length) {
      const out = await deps.db.raw.send(new BatchWriteItemCommand({ RequestItems: { [c.table]: pending } }));
      pending = (out.UnprocessedItems?.[c.table] ?? []) as typeof pending;
    }
  });
}

/**
 * One sweeper run until nothing is due, timed, with the DynamoDB requests it sent per close.
 * `resetCounts` starts the request counter afresh and returns the counts it fills.
 */
export async function timedSweep(deps: Deps, resetCounts: () => Counts): Promise<CloseRun> {
  const counts = resetCounts();
  const sweep = await closeDuePeriods(deps, { budgetMs: 240_000 });
  const seconds = sweep.durationMs / 1000;
  return {
    closes: sweep.closed,
    seconds,
    closesPerSec: sweep.closed / seconds,
    requestsPerClose: perOp(counts.requests, Math.max(1, sweep.closed)),
  };
}

/**
 * `customers` plain closes against as many whose wallets `adjust` changed (add-ons, a coupon and
 * account credit), each group seeded then swept alone, after an unmeasured warm-up sweep of up to
 * 200 adjusted ones (a fresh DynamoDB Local's JVM runs several times slower at first).
 */
export async function plainVersusAdjusted(
  deps: Deps,
  c: Omit<DueCustomers, "prefix" | "n" | "adjust"> & { customers: number; resetCounts: () => Counts },
  name: string,
  adjust: (wallet: Wallet) => Wallet,
): Promise<{ plain: CloseRun; adjusted: CloseRun }> {
  const { customers, resetCounts, ...due } = c;
  await seedDue(deps, { ...due, prefix: "warm-up", n: Math.min(200, customers), adjust });
  await timedSweep(deps, resetCounts);
  await seedDue(deps, { ...due, prefix: "plain", n: customers });
  const plain = await timedSweep(deps, resetCounts);
  await seedDue(deps, { ...due, prefix: name, n: customers, adjust });
  return { plain, adjusted: await timedSweep(deps, resetCounts) };
}
