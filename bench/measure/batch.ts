/** Section 3: trackUsageBatch of 100 events, one customer at a time, then four customers at once. */
import { TRACK_BATCH } from "../harness";
import { perOp, perReported, runLoad, type Counts, type LoadResult, type ReportedPerOp } from "../lib";
import { type BenchContext, keyOf, log, pad } from "./context";

const EVENTS = 100;

export type BatchResult = {
  c1: LoadResult & { eventsPerSec: number };
  c4: LoadResult & { eventsPerSec: number };
  requestsPer100: Record<string, number>;
  itemsPer100: Record<string, number>;
  reportedPer100: ReportedPerOp;
  writes: Counts["transactions"];
  events: number;
  serverMsP50: number;
};

export async function measureBatch(ctx: BenchContext): Promise<BatchResult> {
  log("bench: trackUsageBatch of 100...");
  const { api } = ctx;
  let batchSeq = 0;
  const batchOf = (customerId: string) => {
    const b = batchSeq++;
    return {
      is: Array.from({ length: EVENTS }, (_, i) => ({
        customerId,
        feature: "api_calls",
        idempotencyKey: keyOf(`b${pad(b).slice(-4)}`, i),
      })),
    };
  };
  const sendBatch = async (customerId: string) => {
    const data = await api.gql(TRACK_BATCH, batchOf(customerId));
    const bad = (data.trackUsageBatch as { ok: boolean; errorCode?: string }[]).filter((r) => !r.ok);
    if (bad.length) throw new Error(`batch: ${bad.length} refused (${bad[0]!.errorCode})`);
  };
  await api.reset();
  const c1 = await runLoad(1, ctx.settings.runMs, () => sendBatch("c-batch-0"), 0);
  const stats = await api.stats();
  const c4 = await runLoad(4, ctx.settings.runMs, (n) => sendBatch(`c-batch-${n % 4}`), 0);
  return {
    c1: { ...c1, eventsPerSec: c1.opsPerSec * EVENTS },
    c4: { ...c4, eventsPerSec: c4.opsPerSec * EVENTS },
    requestsPer100: perOp(stats.requests, stats.graphqlRequests),
    itemsPer100: perOp(stats.items, stats.graphqlRequests),
    reportedPer100: perReported(stats.reported, stats.graphqlRequests),
    writes: stats.transactions,
    events: stats.graphqlRequests * EVENTS,
    serverMsP50: stats.serverMsP50,
  };
}
