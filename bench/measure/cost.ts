/**
 * Section 7: capacity by AWS's rules from item sizes, and dollars per million tracked events,
 * single and batched. Pure arithmetic over what the other sections measured.
 */
import { TransactWriteItemsCommand, type ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { rawTrackInput } from "../harness";
import { kbUnits, type Counts, type ReportedPerOp } from "../lib";
import { type BenchContext, keyOf } from "./context";
import type { BatchResult } from "./batch";
import type { SingleTrackResult } from "./track";

/** AWS public on-demand prices (us-east-1), USD. */
export const PRICE = {
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  lambdaMemoryGb: 1, // stacks/api.ts: 1024 MB
  apiGatewayHttpRequest: 1.0 / 1e6,
};

export type WriteUnits = { total: number; puts: number; index: number; wallet: number };
export type UsdPerMillion = { dynamo: number; lambda: number; apiGateway: number; total: number };

export type CostResult = {
  prices: typeof PRICE;
  itemWcu: { event: number; eventTimelineIndex: number; walletUpdate: number; walletReadRru: number };
  single: {
    wcuPerEvent: number;
    wcuBreakdown: WriteUnits;
    rruPerEvent: number;
    requestsPerEvent: Record<string, number>;
    lambdaMs: number;
    usdPerMillion: UsdPerMillion;
    reportedPerEvent: ReportedPerOp;
  };
  batched: {
    wcuPerEvent: number;
    wcuBreakdown: WriteUnits;
    rruPerEvent: number;
    requestsPer100: Record<string, number>;
    lambdaMsPerBatch: number;
    usdPerMillion: UsdPerMillion;
    reportedPer100: ReportedPerOp;
  };
};

export function costPerEvent(
  single: SingleTrackResult,
  batch: BatchResult,
  items: { eventItemBytes: number; walletItemBytes: number },
): CostResult {
  const e = kbUnits(items.eventItemBytes);
  const w = kbUnits(items.walletItemBytes);
  const walletRead = Math.max(1, Math.ceil(items.walletItemBytes / 4096)); // strongly consistent: 1 RRU per 4 KB
  // From the transactions the server sent (bench/lib.ts countRequests): each put at 2 WCU per KB
  // plus its index entries at 1 WCU per KB; each wallet update at 2 WCU per KB of the wallet. The
  // due index (gsi1) is keys only and a track never changes its keys, so it costs a track nothing.
  const writeUnits = (t: Counts["transactions"], events: number): WriteUnits => {
    const puts = t.putWriteUnits / events;
    const index = t.indexWriteUnits / events;
    const wallet = (t.updates * 2 * w) / events;
    return { total: puts + index + wallet, puts, index, wallet };
  };
  const readsPerEvent = (single.requests.GetItem ?? 0) + (single.requests.Query ?? 0);
  const singleWrites = writeUnits(single.writes, single.events);
  const singleRru = readsPerEvent * walletRead;
  const b = batch.requestsPer100;
  const batchReads = (b.GetItem ?? 0) + (b.Query ?? 0);
  const batchWrites = writeUnits(batch.writes, batch.events);
  const batchRru = (batchReads * walletRead) / 100;
  const singleMs = Math.max(1, Math.ceil(single.serverMsP50));
  const batchMs = Math.max(1, Math.ceil(batch.serverMsP50));
  return {
    prices: PRICE,
    itemWcu: { event: 2 * e, eventTimelineIndex: e, walletUpdate: 2 * w, walletReadRru: walletRead },
    single: {
      wcuPerEvent: singleWrites.total,
      wcuBreakdown: singleWrites,
      rruPerEvent: singleRru,
      requestsPerEvent: single.requests,
      lambdaMs: singleMs,
      usdPerMillion: usdPerMillion(singleWrites.total, singleRru, singleMs, 1),
      reportedPerEvent: single.reported,
    },
    batched: {
      wcuPerEvent: batchWrites.total,
      wcuBreakdown: batchWrites,
      rruPerEvent: batchRru,
      requestsPer100: b,
      lambdaMsPerBatch: batchMs,
      usdPerMillion: usdPerMillion(batchWrites.total, batchRru, batchMs / 100, 1 / 100),
      reportedPer100: batch.reportedPer100,
    },
  };
}

/** DynamoDB, Lambda (arm64 at PRICE.lambdaMemoryGb) and API Gateway dollars per million events. */
function usdPerMillion(wcu: number, rru: number, lambdaMsPerEvent: number, requestsPerEvent: number): UsdPerMillion {
  const dynamo = wcu * PRICE.dynamoWriteRequestUnit * 1e6 + rru * PRICE.dynamoReadRequestUnit * 1e6;
  const lambda =
    requestsPerEvent * PRICE.lambdaRequest * 1e6 +
    (lambdaMsPerEvent / 1000) * PRICE.lambdaMemoryGb * PRICE.lambdaGbSecondArm * 1e6;
  const apiGateway = requestsPerEvent * PRICE.apiGatewayHttpRequest * 1e6;
  return { dynamo, lambda, apiGateway, total: dynamo + lambda + apiGateway };
}

/** Write units DynamoDB reported for one transaction: its table's and each index's. */
export type Reported = { total: number; table: number; indexes: Record<string, number> };

export type UnitsByItem = {
  /** The event's put alone, in a transaction of its own. */
  event: Reported;
  /** The wallet's update alone, in a transaction of its own. */
  wallet: Reported;
  /** The track's whole transaction (the event and the wallet). */
  whole: Reported;
};

/**
 * Where a single event's write units go, as DynamoDB Local reports them (ReturnConsumedCapacity
 * INDEXES): the track's own transaction replayed whole, and each of its two items alone in a
 * transaction of its own, for new keys of the hot customer.
 */
export async function measureUnitsByItem(ctx: BenchContext): Promise<UnitsByItem> {
  const send = async (items: NonNullable<ReturnType<typeof rawTrackInput>["TransactItems"]>): Promise<Reported> => {
    const out = await ctx.raw.send(
      new TransactWriteItemsCommand({ TransactItems: items, ReturnConsumedCapacity: "INDEXES" }),
    );
    const list: ConsumedCapacity[] = out.ConsumedCapacity ?? [];
    return {
      total: list.reduce((s, c) => s + (c.CapacityUnits ?? 0), 0),
      table: list.reduce((s, c) => s + (c.Table?.CapacityUnits ?? 0), 0),
      indexes: Object.fromEntries(
        list.flatMap((c) => Object.entries(c.GlobalSecondaryIndexes ?? {}).map(([k, v]) => [k, v.CapacityUnits ?? 0])),
      ),
    };
  };
  const input = (n: number) =>
    rawTrackInput(ctx.template, "c-hot", keyOf("units", n), ctx.periodStarts.get("c-hot")!).TransactItems!;
  return {
    whole: await send(input(0)),
    event: await send([input(1)[0]!]),
    wallet: await send([input(2)[1]!]),
  };
}
