/**
 * Section 3: trackUsageBatch of 100 events, one customer at a time, then four customers at once,
 * each against its raw baseline (budget item 4): the product's own batch transactions, captured
 * once from core and replayed from this process for any customer and keys, at the same
 * concurrency over the same customers. Two raw shapes: one 100-item TransactWriteItems (98
 * events, the wallet update and their timeline page: the most one transaction holds, the
 * database's best case per event) and the two transactions of 52 items a batch of 100 events
 * sends (50 + 50). The budget compares the API's events/s with the first.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import {
  type AttributeValue,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import { keys } from "../../core/db/keys";
import { nextRecordingOrder } from "../../core/db/recording-order";
import type { Deps } from "../../core/deps";
import { trackUsageBatch } from "../../core/usage/batch";
import { TRACK_BATCH } from "../harness";
import { perOp, perReported, runLoad, type Counts, type LoadResult, type ReportedPerOp } from "../lib";
import { type BenchContext, keyOf, log, pad } from "./context";

const EVENTS = 100;
/** Rounds of the six runs: 3 (2 with --quick). */
const ROUNDS = (ctx: BenchContext) => (ctx.settings.quick ? 2 : 3);
/** The index of the median of `xs` (the lower one of an even count). */
const medianIndex = (xs: number[]) => xs.indexOf([...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!);
const median = (xs: number[]) => xs[medianIndex(xs)]!;
/** The events of one 100-item transaction: DynamoDB's 100 items less the wallet and the page. */
const EVENTS_PER_FULL_TRANSACTION = 98;
const CUSTOMERS = ["c-batch-0", "c-batch-1", "c-batch-2", "c-batch-3"];
/** The raw baseline's, seeded alike (bench/measure/context.ts). */
const RAW_CUSTOMERS = ["c-braw-0", "c-braw-1", "c-braw-2", "c-braw-3"];

/** `retries`: the SDK's retries of the raw transactions (attempts beyond the first: a throttle, a conflict, a 5xx). */
type Rate = LoadResult & { eventsPerSec: number; retries?: number };

export type BatchResult = {
  c1: Rate;
  c4: Rate;
  /** One 100-item TransactWriteItems (98 events) per operation, from this process. */
  raw100: { c1: Rate; c4: Rate };
  /** The two 52-item transactions of a batch of 100, one after the other, per operation. */
  rawAsSent: { c1: Rate; c4: Rate };
  /** API events/s over raw100 events/s: the median round's. */
  ratio: { c1: number; c4: number };
  /** Each round's ratio, in order. */
  roundRatios: { c1: number[]; c4: number[] };
  requestsPer100: Record<string, number>;
  /** The same at c4: more transactions than at c1 would mean core fell back to single tracks. */
  requestsPer100c4: Record<string, number>;
  /** These four from 10 batches at c1 after the rounds, counted fully (capacity asked for). */
  itemsPer100: Record<string, number>;
  reportedPer100: ReportedPerOp;
  writes: Counts["transactions"];
  events: number;
  serverMsP50: number;
  /** The API server's CPU per batch request at c1 and c4 (ms), and the bench process's at c4 raw. */
  serverCpuMsPerBatch: { c1: number; c4: number };
};

/** The transactions core's trackUsageBatch sends for `events` new events of `customerId`. */
async function captureBatch(deps: Deps, customerId: string, events: number, prefix: string) {
  const captured: TransactWriteItemsCommandInput[] = [];
  deps.db.raw.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as TransactWriteItemsCommandInput;
      if (input.TransactItems) captured.push(structuredClone(input));
      return next(args);
    },
    { step: "build", name: "benchCaptureBatch" },
  );
  try {
    const inputs = Array.from({ length: events }, (_, i) => ({
      customerId,
      feature: "api_calls",
      idempotencyKey: keyOf(prefix, i),
    }));
    const results = await trackUsageBatch(deps, inputs);
    if (results.some((r) => !r.ok)) throw new Error("batch capture: an element was refused");
  } finally {
    deps.db.raw.middlewareStack.remove("benchCaptureBatch");
  }
  return captured;
}

/**
 * A captured transaction for other keys and another customer: each event item under its new key,
 * the page naming the new keys at a new timeline position, the wallet update on that customer's
 * wallet and period.
 */
function rekey(
  template: TransactWriteItemsCommandInput,
  customerId: string,
  keyFor: (i: number) => string,
  periodStart: string,
): TransactWriteItemsCommandInput {
  const input = structuredClone(template);
  const eventKeys: string[] = [];
  for (const item of input.TransactItems!) {
    const put = item.Put?.Item as Record<string, AttributeValue> | undefined;
    if (put?.type?.S === "EVENT") {
      const key = keyFor(eventKeys.length);
      eventKeys.push(key);
      Object.assign(put, marshall({ ...keys.event(customerId, key), idempotencyKey: key, customerId }));
    }
  }
  for (const item of input.TransactItems!) {
    const put = item.Put?.Item as Record<string, AttributeValue> | undefined;
    if (put?.type?.S === "EVENT_PAGE")
      Object.assign(
        put,
        marshall({
          ...keys.eventPage(customerId, eventKeys[0]!),
          ...keys.eventTimeline(customerId, new Date().toISOString(), nextRecordingOrder(), eventKeys[0]!),
          events: eventKeys,
        }),
      );
    if (item.Update) {
      item.Update.Key = marshall(keys.wallet(customerId));
      item.Update.ExpressionAttributeValues![":ps"] = { S: periodStart };
    }
  }
  return input;
}

export async function measureBatch(ctx: BenchContext): Promise<BatchResult> {
  log("bench: trackUsageBatch of 100 against raw batch transactions...");
  const { api, raw } = ctx;
  const full = await captureBatch(ctx.deps, "c-braw-0", EVENTS_PER_FULL_TRANSACTION, "capfull");
  const asSent = await captureBatch(ctx.deps, "c-braw-0", EVENTS, "capsent");
  if (full.length !== 1 || full[0]!.TransactItems!.length !== 100)
    throw new Error(`expected one 100-item transaction for ${EVENTS_PER_FULL_TRANSACTION} events`);
  let rawSeq = 0;
  let retries = 0;
  const sendRaw = async (templates: TransactWriteItemsCommandInput[], customerId: string) => {
    const b = rawSeq++;
    let n = 0;
    for (const t of templates) {
      const out = await raw.send(
        new TransactWriteItemsCommand(
          rekey(t, customerId, () => keyOf(`x${pad(b).slice(-5)}`, n++), ctx.periodStarts.get(customerId)!),
        ),
      );
      retries += (out.$metadata.attempts ?? 1) - 1;
    }
  };
  const rawRun = async (templates: TransactWriteItemsCommandInput[], c: number, events: number): Promise<Rate> => {
    retries = 0;
    const run = await runLoad(c, ctx.settings.runMs, (n) => sendRaw(templates, RAW_CUSTOMERS[n % c]!), 0);
    return { ...run, eventsPerSec: run.opsPerSec * events, retries };
  };

  let batchSeq = 0;
  const batchOf = (customerId: string) => {
    const b = batchSeq++;
    return {
      is: Array.from({ length: EVENTS }, (_, i) => ({
        customerId,
        feature: "api_calls",
        idempotencyKey: keyOf(`b${pad(b).slice(-5)}`, i),
      })),
    };
  };
  const sendBatch = async (customerId: string) => {
    const data = await api.gql(TRACK_BATCH, batchOf(customerId));
    const bad = (data.trackUsageBatch as { ok: boolean; errorCode?: string }[]).filter((r) => !r.ok);
    if (bad.length) throw new Error(`batch: ${bad.length} refused (${bad[0]!.errorCode})`);
  };
  const apiRun = async (c: number) => {
    await api.reset();
    const run = await runLoad(c, ctx.settings.runMs, (n) => sendBatch(CUSTOMERS[n % c]!), 0);
    return { run: { ...run, eventsPerSec: run.opsPerSec * EVENTS }, stats: await api.stats() };
  };

  // Requests counted, nothing more, while the API runs against the raw baseline (bench/measure/track.ts);
  // the write units and reported capacity come from a counted steady run after the rounds.
  await api.counting("requests");
  // Warm-up, unmeasured: the batch path in the server (a track's warm-up never runs it) and every
  // customer's cached wallet. Without it the first measured run paid for both, and the c4 run,
  // the first to touch three of its customers, looked slower than the c1 run before it.
  await apiRun(4);
  await rawRun(full, 4, EVENTS_PER_FULL_TRANSACTION);
  await rawRun(asSent, 4, EVENTS);
  // Rounds, each interleaved (raw, API, raw as sent, at c1 then c4), so a change in the machine's
  // load hits all three alike; the ratios are the median round's. A run of 3 s holds 10 to 30
  // batches, too few for one run to decide a budget line.
  const rounds: {
    raw100c1: Rate;
    api1: Awaited<ReturnType<typeof apiRun>>;
    sentc1: Rate;
    raw100c4: Rate;
    api4: Awaited<ReturnType<typeof apiRun>>;
    sentc4: Rate;
  }[] = [];
  for (let r = 0; r < ROUNDS(ctx); r++) {
    const raw100c1 = await rawRun(full, 1, EVENTS_PER_FULL_TRANSACTION);
    const api1 = await apiRun(1);
    const sentc1 = await rawRun(asSent, 1, EVENTS);
    const raw100c4 = await rawRun(full, 4, EVENTS_PER_FULL_TRANSACTION);
    const api4 = await apiRun(4);
    const sentc4 = await rawRun(asSent, 4, EVENTS);
    for (const run of [raw100c1, api1.run, sentc1, raw100c4, api4.run, sentc4])
      if (run.errors) throw new Error(`batch round ${r + 1}: ${run.errors} failed (${run.firstError})`);
    rounds.push({ raw100c1, api1, sentc1, raw100c4, api4, sentc4 });
    log(
      `  round ${r + 1}: c1 raw 100-item ${raw100c1.eventsPerSec.toFixed(0)} ev/s, api ${api1.run.eventsPerSec.toFixed(0)}, as sent ${sentc1.eventsPerSec.toFixed(0)}; c4 raw ${raw100c4.eventsPerSec.toFixed(0)}, api ${api4.run.eventsPerSec.toFixed(0)}, as sent ${sentc4.eventsPerSec.toFixed(0)}`,
    );
  }
  const ratiosC1 = rounds.map((x) => x.api1.run.eventsPerSec / x.raw100c1.eventsPerSec);
  const ratiosC4 = rounds.map((x) => x.api4.run.eventsPerSec / x.raw100c4.eventsPerSec);
  // The rows print the median round of each line (by its ratio at c1 and at c4).
  const { raw100c1, api1, sentc1 } = rounds[medianIndex(ratiosC1)]!;
  const { raw100c4, api4, sentc4 } = rounds[medianIndex(ratiosC4)]!;
  const stats = api1.stats;
  // The steady state's writes, items and reported capacity (the cost section's), fully counted:
  // 10 batches of one customer, one at a time.
  await api.counting(true);
  await api.reset();
  for (let n = 0; n < 10; n++) await sendBatch(CUSTOMERS[0]!);
  const counted = await api.stats();
  const retriesOf = (rs: Rate[]) => rs.reduce((n, x) => n + (x.retries ?? 0), 0);
  log(
    `  raw retries over the rounds: 100-item c1 ${retriesOf(rounds.map((x) => x.raw100c1))}, c4 ${retriesOf(rounds.map((x) => x.raw100c4))}; as sent c1 ${retriesOf(rounds.map((x) => x.sentc1))}, c4 ${retriesOf(rounds.map((x) => x.sentc4))}`,
  );
  return {
    c1: api1.run,
    c4: api4.run,
    raw100: { c1: raw100c1, c4: raw100c4 },
    rawAsSent: { c1: sentc1, c4: sentc4 },
    ratio: { c1: median(ratiosC1), c4: median(ratiosC4) },
    roundRatios: { c1: ratiosC1, c4: ratiosC4 },
    requestsPer100: perOp(stats.requests, stats.graphqlRequests),
    requestsPer100c4: perOp(api4.stats.requests, api4.stats.graphqlRequests),
    itemsPer100: perOp(counted.items, counted.graphqlRequests),
    reportedPer100: perReported(counted.reported, counted.graphqlRequests),
    writes: counted.transactions,
    events: counted.graphqlRequests * EVENTS,
    serverMsP50: stats.serverMsP50,
    serverCpuMsPerBatch: { c1: api1.stats.cpuMsPerRequest, c4: api4.stats.cpuMsPerRequest },
  };
}
