/**
 * Section 8: two customers on a DAY plan whose periods started CATCH_UP_PERIODS days ago (seeded
 * as wallets, real clock), caught up once by the sweeper and once lazily by a trackUsage, each
 * timed alone after an unmeasured warm-up catch-up: periods closed per second and DynamoDB
 * requests per period. Its own table, so `--only catch-up` runs it without the rest.
 */
import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { createCustomer } from "../../core/customers";
import { getWallet } from "../../core/db/wallets";
import { createFeature } from "../../core/features";
import { units } from "../../core/money";
import { closeDuePeriods } from "../../core/periods/sweep";
import { createPlan } from "../../core/plans";
import { trackUsage } from "../../core/usage/track";
import { benchDeps, dueWalletItem, TABLE } from "../harness";
import { countRequests, emptyCounts, perOp, type Counts } from "../lib";
import { log } from "./context";

/** Daily periods from 2026 to 2028 (a leap year). */
export const CATCH_UP_PERIODS = 365 + 365 + 366;

export type CatchUpRun = { seconds: number; periodsPerSec: number; requestsPerPeriod: Record<string, number> };

export type CatchUpResult = {
  periods: number;
  sweptPeriods: number;
  trackPeriods: number;
  sweep: CatchUpRun;
  track: CatchUpRun;
};

export async function measureCatchUp(endpoint: string): Promise<CatchUpResult> {
  const table = `${TABLE}-catch-up`;
  const deps = await benchDeps(endpoint, table);
  const { db } = deps;
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  log(`bench: catch-up of ${CATCH_UP_PERIODS} DAY periods...`);
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const daily = await createPlan(deps, {
    code: "catch-up-daily",
    name: "Catch-up daily",
    model: "METERED",
    basePrice: units(1),
    interval: "DAY",
    features: [{ feature: "api_calls", included: units(100), overagePrice: 10_000_000_000n }],
  });
  const behind = async (id: string, periods = CATCH_UP_PERIODS) => {
    const start = new Date(Date.now() - periods * 86_400_000 - 60_000);
    await createCustomer(deps, { id });
    const item = dueWalletItem(id, daily, start, units(150));
    await db.raw.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: item } }] } }));
  };
  const timed = async (what: () => Promise<unknown>): Promise<CatchUpRun> => {
    counts = emptyCounts();
    const t0 = performance.now();
    await what();
    const seconds = (performance.now() - t0) / 1000;
    return {
      seconds,
      periodsPerSec: CATCH_UP_PERIODS / seconds,
      requestsPerPeriod: perOp(counts.requests, CATCH_UP_PERIODS),
    };
  };
  let swept = 0;
  // A fresh DynamoDB Local (its JVM) runs several times slower at first: warm it up unmeasured.
  await behind("warm-up", 300);
  await closeDuePeriods(deps, { budgetMs: 240_000 });
  // Each customer seeded just before its run, so the sweeper finds only its own.
  await behind("behind-sweep");
  const sweep = await timed(async () => {
    swept = (await closeDuePeriods(deps, { budgetMs: 240_000 })).closed;
  });
  await behind("behind-track");
  const track = await timed(() =>
    trackUsage(deps, { customerId: "behind-track", feature: "api_calls", idempotencyKey: "catch-up-0" }),
  );
  const closedByTrack = (await getWallet(db, "behind-track"))!.subscription!.periodIndex;
  log(
    `  sweeper: ${swept} periods in ${sweep.seconds.toFixed(2)} s (${sweep.periodsPerSec.toFixed(0)}/s); track: ${closedByTrack} in ${track.seconds.toFixed(2)} s (${track.periodsPerSec.toFixed(0)}/s)`,
  );
  return { periods: CATCH_UP_PERIODS, sweptPeriods: swept, trackPeriods: closedByTrack, sweep, track };
}
