/**
 * Sections 1 and 2: the raw TransactWriteItems a track sends against trackUsage over HTTP, at
 * concurrency 1, 8 and 32, for one hot customer and spread over MIX customers; the budget line
 * (concurrency 8, one customer) twice more, interleaved, for the noise; and the steady state of a
 * single track: its DynamoDB requests, capacity and the server's time and CPU; and the size of the
 * wallet item tracking leaves, for the capacity arithmetic.
 */
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { keys } from "../../core/db/keys";
import { TABLE, type ServerStats } from "../harness";
import { itemBytes, perOp, perReported, runLoad, type Counts, type LoadResult, type ReportedPerOp } from "../lib";
import { type BenchContext, keyOf, log, mixOf } from "./context";

/** The rows' concurrencies (measureTrack runs them in this order). */
export const CONCURRENCIES = [1, 8, 32] as const;

export type TrackRow = {
  rawHot: LoadResult;
  apiHot: LoadResult;
  apiHotStats: ServerStats;
  rawMix: LoadResult;
  apiMix: LoadResult;
  apiMixStats: ServerStats;
};

export type TrackResults = Record<`c${(typeof CONCURRENCIES)[number]}`, TrackRow> & {
  /** The c8 row's runs and two more, interleaved: raw and API ops/s, and API / raw. */
  c8Repeats: Repeats;
  /** The c1 row's runs and two more, interleaved (budget item 3 reads their medians). */
  c1Repeats: Repeats;
};

/** One customer's raw and API runs at one concurrency, the row's and two more, interleaved. */
export type Repeats = {
  raw: number[];
  api: number[];
  ratio: number[];
  /** The API's p50 latency less the raw p50, ms, per pair. */
  p50Added: number[];
};

export type SingleTrackResult = {
  events: number;
  requests: Record<string, number>;
  reported: ReportedPerOp;
  writes: Counts["transactions"];
  serverMsP50: number;
  serverMsMean: number;
  cpuMsPerRequest: number;
};

export async function measureTrack(ctx: BenchContext): Promise<TrackResults> {
  log("bench: raw TransactWriteItems vs trackUsage...");
  const { api } = ctx;
  const { runMs } = ctx.settings;
  // A new key prefix per run, so no run replays another's events.
  let seq = 0;
  const rawHot = (c: number) => runLoad(c, runMs, (n) => ctx.rawTx("c-hot", keyOf(`r${c}h${seq}`, n)));
  const rawMix = (c: number) => runLoad(c, runMs, (n) => ctx.rawTx(mixOf(n), keyOf(`r${c}m${seq}`, n)));
  const apiHot = (c: number) => runLoad(c, runMs, (n) => ctx.gqlTrack("c-hot", keyOf(`g${c}h${seq}`, n)));
  const apiMix = (c: number) => runLoad(c, runMs, (n) => ctx.gqlTrack(mixOf(n), keyOf(`g${c}m${seq}`, n)));
  const row = async (c: number): Promise<TrackRow> => {
    seq++;
    const rawHotRun = await rawHot(c);
    await api.reset();
    const apiHotRun = await apiHot(c);
    const apiHotStats = await api.stats();
    const rawMixRun = await rawMix(c);
    await api.reset();
    const apiMixRun = await apiMix(c);
    const apiMixStats = await api.stats();
    log(
      `  c${c}: raw hot ${rawHotRun.opsPerSec.toFixed(0)}/s, api hot ${apiHotRun.opsPerSec.toFixed(0)}/s, raw mix ${rawMixRun.opsPerSec.toFixed(0)}/s, api mix ${apiMixRun.opsPerSec.toFixed(0)}/s`,
    );
    return { rawHot: rawHotRun, apiHot: apiHotRun, apiHotStats, rawMix: rawMixRun, apiMix: apiMixRun, apiMixStats };
  };
  // Requests counted, nothing more, while the API runs against the raw baseline (which sends no
  // ReturnConsumedCapacity and pays no counter): the full counter cost the server about 12% more
  // CPU per track and DynamoDB Local about 0.8 ms more per transaction (docs/performance.md).
  await api.counting("requests");
  const track = { c1: await row(1), c8: await row(8), c32: await row(32) };

  // On a shared machine one pair of runs of a few seconds is noise (the raw rate alone moves by
  // 30% from one run to the next): the budget lines read the median of three interleaved pairs.
  const repeated = async (c: 1 | 8): Promise<Repeats> => {
    const pairs = [{ raw: track[`c${c}`].rawHot, api: track[`c${c}`].apiHot }];
    for (let i = 0; i < 2; i++) {
      seq++;
      const raw = await rawHot(c);
      pairs.push({ raw, api: await apiHot(c) });
    }
    const out = {
      raw: pairs.map((p) => p.raw.opsPerSec),
      api: pairs.map((p) => p.api.opsPerSec),
      ratio: pairs.map((p) => p.api.opsPerSec / p.raw.opsPerSec),
      p50Added: pairs.map((p) => p.api.p50 - p.raw.p50),
    };
    log(
      `  c${c} hot repeats: raw ${out.raw.map((x) => x.toFixed(0)).join("/")}, api ${out.api.map((x) => x.toFixed(0)).join("/")}`,
    );
    return out;
  };
  const c8Repeats = await repeated(8);
  const c1Repeats = await repeated(1);
  await api.counting(true);
  return { ...track, c8Repeats, c1Repeats };
}

/** Steady-state requests per tracked event: one hot customer, one track at a time. */
export async function measureSingleTrack(ctx: BenchContext): Promise<SingleTrackResult> {
  const events = 200;
  await ctx.api.reset();
  for (let n = 0; n < events; n++) await ctx.gqlTrack("c-hot", keyOf("steady", n));
  const single = await ctx.api.stats();
  return {
    events,
    requests: perOp(single.requests, events),
    reported: perReported(single.reported, events),
    writes: single.transactions,
    serverMsP50: single.serverMsP50,
    serverMsMean: single.serverMsMean,
    cpuMsPerRequest: single.cpuMsPerRequest,
  };
}

/** Section 7 (sizes): the hot customer's wallet item as tracking left it, for the capacity arithmetic. */
export async function walletItemBytes(ctx: BenchContext): Promise<number> {
  const wallet = await ctx.raw.send(
    new GetItemCommand({ TableName: TABLE, Key: marshall(keys.wallet("c-hot")), ConsistentRead: true }),
  );
  return itemBytes(wallet.Item!);
}
