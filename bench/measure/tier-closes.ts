/**
 * Section 10: closeDuePeriods over due DAY subscriptions of a plan whose overage is
 * priced by GRADUATED tiers with a flat fee (each close bills 4 overage lines and the base fee),
 * against the same number on a plan with one overage price (1 overage line), each after an
 * unmeasured warm-up, in closes per second. Its own table, so `--only tier-closes` runs it alone.
 */
import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { createFeature } from "../../core/features";
import { parseMoney, units } from "../../core/money";
import { closeDuePeriods } from "../../core/periods/sweep";
import { createPlan } from "../../core/plans";
import { benchDeps, dueWalletItem, TABLE } from "../harness";
import { countRequests, emptyCounts, inParallel, perOp, type Counts } from "../lib";
import { log, pad } from "./context";

export type TierClosesRun = {
  closes: number;
  seconds: number;
  closesPerSec: number;
  requestsPerClose: Record<string, number>;
};
export type TierClosesResult = {
  due: number;
  linesPerInvoice: { plain: number; tiered: number };
  plain: TierClosesRun;
  tiered: TierClosesRun;
};

export async function measureTierCloses(endpoint: string, quick: boolean): Promise<TierClosesResult> {
  const table = `${TABLE}-tier-closes`;
  const deps = await benchDeps(endpoint, table);
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  const due = quick ? 500 : 2_000;
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const plan = (code: string, pricing: object) =>
    createPlan(deps, {
      code,
      name: code,
      model: "METERED",
      basePrice: units(1),
      interval: "DAY",
      features: [{ feature: "api_calls", included: units(100), ...pricing }],
    });
  const plain = await plan("closes-plain", { overagePrice: parseMoney("0.01") });
  const tiered = await plan("closes-tiered", {
    tiers: [
      { upTo: units(1_000), unitPrice: parseMoney("0.01") },
      { upTo: units(10_000), unitPrice: parseMoney("0.005"), flatFee: units(2) },
      { unitPrice: parseMoney("0.001") },
    ],
  });
  const seed = async (prefix: string, p: typeof plain, n: number) => {
    const start = new Date(Date.now() - 86_400_000 - 60_000);
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${pad(i)}`);
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 25) chunks.push(ids.slice(i, i + 25));
    await inParallel(chunks, 8, async (chunk) => {
      // 10,150 calls: 10,050 beyond included, in all three tiers.
      let pending = chunk.map((id) => ({ PutRequest: { Item: dueWalletItem(id, p, start, units(10_150)) } }));
      while (pending.length) {
        const out = await deps.db.raw.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    });
  };
  const run = async (prefix: string, p: typeof plain): Promise<TierClosesRun> => {
    await seed(prefix, p, due);
    counts = emptyCounts();
    const sweep = await closeDuePeriods(deps, { budgetMs: 240_000 });
    const seconds = sweep.durationMs / 1000;
    return {
      closes: sweep.closed,
      seconds,
      closesPerSec: sweep.closed / seconds,
      requestsPerClose: perOp(counts.requests, Math.max(1, sweep.closed)),
    };
  };
  log(`bench: closes of ${due} due DAY subscriptions, one overage price vs GRADUATED tiers...`);
  await run("warm-up", tiered); // a fresh DynamoDB Local's JVM runs slower at first
  const plainRun = await run("plain", plain);
  const tieredRun = await run("tiered", tiered);
  log(`  plain ${plainRun.closesPerSec.toFixed(0)}/s, tiered ${tieredRun.closesPerSec.toFixed(0)}/s`);
  return { due, linesPerInvoice: { plain: 2, tiered: 5 }, plain: plainRun, tiered: tieredRun };
}
