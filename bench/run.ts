/**
 * `npm run bench`: the API's hot path against the raw database, in one run (issue 7).
 *
 * Starts its own DynamoDB Local (in memory), seeds it through core functions, starts the API as a
 * separate Node process (bench/server.ts, production clock mode BILLING_CLOCK=real) and measures:
 * the raw TransactWriteItems a track issues, trackUsage / trackUsageBatch / entitlement over HTTP,
 * closeDuePeriods over 10,000 due subscriptions, the Lambda bundles' sizes and cold start, and the
 * cost per tracked event. Prints one table and writes bench/results.json.
 *
 * It also catches up one customer three years of DAY periods behind (section 8), once through
 * the sweeper and once lazily through a track, in periods per second.
 *
 *   npm run bench [-- --quick] [-- --no-warmup] [-- --only catch-up]
 *     --quick: shorter runs, 2,000 closes, a 3,000-operation warm-up; for trying things out
 *     --no-warmup: measure from a cold API server and DynamoDB Local (see section 0)
 *     --only catch-up: section 8 alone (no API server), printed as its one line
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { startDynamoLocal } from "../tools/dynamodb-local/start";
import { ensureTable } from "../core/db/table";
import { createDb } from "../core/db/client";
import { keys } from "../core/db/keys";
import { getWallet, walletItem } from "../core/db/wallets";
import { realClock } from "../core/clock";
import { RecordingPublisher, type Deps } from "../core/deps";
import { createFeature } from "../core/features";
import { createPlan } from "../core/plans";
import { createCustomer } from "../core/customers";
import { subscribe } from "../core/subscriptions";
import { closeDuePeriods } from "../core/periods/sweep";
import { trackUsage } from "../core/usage/track";
import { addIntervals } from "../core/periods/arithmetic";
import { emptyWallet, openPeriod } from "../core/wallet";
import { units } from "../core/money";
import { buildFunctions } from "../scripts/build-functions";
import { countRequests, emptyCounts, itemBytes, kbUnits, median, runLoad, type Counts, type LoadResult } from "./lib";
import { API_KEY, apiClient, captureTrackTransaction, rawTrackInput, root, startServer, TABLE } from "./harness";
import { clientBench, clientRows } from "./client";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const QUICK = process.argv.includes("--quick");
const RUN_MS = QUICK ? 1_500 : 3_000;
const CLOSES = QUICK ? 2_000 : 10_000;
/** Operations per side before anything is measured (section 0). */
const WARMUP = process.argv.includes("--no-warmup") ? 0 : QUICK ? 3_000 : 6_000;
const MIX = 100;
const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;

/** AWS public on-demand prices (us-east-1), USD. */
const PRICE = {
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  lambdaMemoryGb: 1, // stacks/api.ts: 1024 MB
  apiGatewayHttpRequest: 1.0 / 1e6,
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const pad = (n: number) => String(n).padStart(9, "0");
/** Same-length idempotency keys everywhere, so raw and API event items have the same size. */
const keyOf = (prefix: string, n: number) => `${prefix}-${pad(n)}`;

async function main() {
  const started = performance.now();
  log(`bench: ${cpus().length} CPUs, ${QUICK ? "quick" : "full"} run; starting DynamoDB Local...`);
  const dynamo = await startDynamoLocal();
  let server: ChildProcess | undefined;
  const cleanup = async () => {
    server?.kill("SIGTERM");
    await dynamo.stop();
  };
  try {
    if (ONLY === "catch-up") {
      const catchUp = await benchCatchUp(dynamo.endpoint);
      console.log(renderCatchUp(catchUp));
      log(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    if (ONLY) throw new Error(`--only: unknown section "${ONLY}" (known: catch-up)`);
    const results = await benchmark(dynamo.endpoint, (child) => (server = child));
    results.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
    writeFileSync(join(root, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    console.log(render(results));
    log(`bench: done in ${results.totalSeconds} s; results in bench/results.json`);
  } finally {
    await cleanup();
  }
}

type Results = Record<string, any>;

async function benchmark(endpoint: string, onServer: (child: ChildProcess) => void): Promise<Results> {
  const results: Results = {
    machine: { cpus: cpus().length, node: process.version, quick: QUICK },
    clock: "real (BILLING_CLOCK=real, production mode: no stored test clock read)",
  };
  let counts: Counts = emptyCounts();
  const db = createDb({ table: TABLE, endpoint });
  countRequests(db.raw, () => counts);
  const deps: Deps = { db, clock: realClock, publisher: new RecordingPublisher() };
  await ensureTable(db.raw, TABLE);

  // ---- seed through core: a feature, a monthly metered plan, a daily plan for closes, customers.
  log("bench: seeding...");
  await createFeature(deps, { code: "api_calls", name: "API calls", kind: "METERED" });
  const metered = { feature: "api_calls", included: units(10_000), overagePrice: 10_000_000_000n };
  await createPlan(deps, {
    code: "bench-monthly",
    name: "Bench monthly",
    model: "METERED",
    basePrice: units(99),
    interval: "MONTH",
    features: [metered],
  });
  const daily = await createPlan(deps, {
    code: "bench-daily",
    name: "Bench daily",
    model: "METERED",
    basePrice: units(1),
    interval: "DAY",
    features: [metered],
  });
  const customers = [
    "c-hot",
    ...Array.from({ length: MIX }, (_, i) => `c-mix-${String(i).padStart(3, "0")}`),
    ...Array.from({ length: 4 }, (_, i) => `c-batch-${i}`),
  ];
  await inParallel(customers, 16, async (id) => {
    await createCustomer(deps, { id });
    await subscribe(deps, id, "bench-monthly");
  });
  const periodStartOf = new Map<string, string>();
  await inParallel(customers, 16, async (id) =>
    periodStartOf.set(id, (await getWallet(db, id))!.subscription!.periodStart),
  );

  // ---- capture the product's own transaction for one tracked event (the raw baseline replays it).
  const template = await captureTrackTransaction(deps, "c-hot", keyOf("cap", 0));
  const eventBytes = itemBytes(template.TransactItems![0]!.Put!.Item!);
  results.items = { eventItemBytes: eventBytes, transactItems: template.TransactItems!.length };

  const raw = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 4,
  });
  const rawCounts = emptyCounts();
  countRequests(raw, () => rawCounts); // also asks for ReturnConsumedCapacity, as the server's counter does
  const rawTx = (customerId: string, key: string) =>
    raw
      .send(new TransactWriteItemsCommand(rawTrackInput(template, customerId, key, periodStartOf.get(customerId)!)))
      .then(() => undefined);
  const mixOf = (n: number) => `c-mix-${String(n % MIX).padStart(3, "0")}`;

  // ---- the API server, its own process.
  log("bench: starting the API server (BILLING_CLOCK=real)...");
  const { child, port } = await startServer({ endpoint });
  onServer(child);
  const api = apiClient(port);
  const TRACK =
    "mutation T($i: TrackUsageInput!) { trackUsage(input: $i) { replayed entitlement { allowed used remaining } } }";
  const gqlTrack = (customerId: string, key: string) =>
    api.gql(TRACK, { i: { customerId, feature: "api_calls", idempotencyKey: key } }).then(() => undefined);

  let seq = 0;
  const rawHot = (c: number) => runLoad(c, RUN_MS, (n) => rawTx("c-hot", keyOf(`r${c}h${seq}`, n)));
  const rawMix = (c: number) => runLoad(c, RUN_MS, (n) => rawTx(mixOf(n), keyOf(`r${c}m${seq}`, n)));
  const apiHot = (c: number) => runLoad(c, RUN_MS, (n) => gqlTrack("c-hot", keyOf(`g${c}h${seq}`, n)));
  const apiMix = (c: number) => runLoad(c, RUN_MS, (n) => gqlTrack(mixOf(n), keyOf(`g${c}m${seq}`, n)));

  // ---- 0: warm-up. A fresh Node process runs interpreted code for its first few thousand
  // requests, and DynamoDB Local's JVM likewise: the API server's CPU per track falls from ~4 ms to
  // ~1 ms over its first ~5,000 requests, DynamoDB Local's from ~10 ms to ~1.5 ms per transaction
  // (bench/profile-track.ts shows both). Without a warm-up the first rows measure the JIT, and
  // whichever side runs first pays for DynamoDB Local's. Both sides get the same warm-up here,
  // alternating, so the rows below are steady state, as a server or Lambda container under load
  // runs. `--no-warmup` skips it (the benchmark as it was before).
  const ENT = 'query E($c: ID!) { entitlement(customerId: $c, feature: "api_calls") { allowed used remaining } }';
  const rawGetWallet = (customerId: string) =>
    raw
      .send(new GetItemCommand({ TableName: TABLE, Key: marshall(keys.wallet(customerId)), ConsistentRead: true }))
      .then(() => undefined);
  const warmupStarted = performance.now();
  if (WARMUP) {
    log(
      `bench: warming up (${WARMUP} raw transactions and ${WARMUP} trackUsage, alternating; ${WARMUP / 3} GetItem and entitlement checks)...`,
    );
    for (let round = 0; round < 3; round++) {
      await runCount(8, WARMUP / 3, (n) => rawTx("c-hot", keyOf(`w${round}r`, n)));
      await runCount(8, WARMUP / 3, (n) => gqlTrack("c-hot", keyOf(`w${round}g`, n)));
    }
    await runCount(8, WARMUP / 3, (n) => rawGetWallet(mixOf(n)));
    await runCount(8, WARMUP / 3, (n) => api.gql(ENT, { c: mixOf(n) }).then(() => undefined));
  }
  results.warmup = { perSide: WARMUP, seconds: (performance.now() - warmupStarted) / 1000 };

  // ---- 1 + 2: raw vs trackUsage at concurrency 1 / 8 / 32, hot customer and 100 customers.
  log("bench: raw TransactWriteItems vs trackUsage...");
  const track: Results = {};
  for (const c of [1, 8, 32]) {
    seq++;
    const row: Results = {};
    row.rawHot = await rawHot(c);
    await api.reset();
    row.apiHot = await apiHot(c);
    row.apiHotStats = await api.stats();
    row.rawMix = await rawMix(c);
    await api.reset();
    row.apiMix = await apiMix(c);
    row.apiMixStats = await api.stats();
    track[`c${c}`] = row;
    log(
      `  c${c}: raw hot ${row.rawHot.opsPerSec.toFixed(0)}/s, api hot ${row.apiHot.opsPerSec.toFixed(0)}/s, raw mix ${row.rawMix.opsPerSec.toFixed(0)}/s, api mix ${row.apiMix.opsPerSec.toFixed(0)}/s`,
    );
  }
  // Repeats of the budget line (concurrency 8, hot customer), interleaved, for the noise.
  const repeats: { raw: number[]; api: number[]; ratio: number[] } = {
    raw: [track.c8.rawHot.opsPerSec],
    api: [track.c8.apiHot.opsPerSec],
    ratio: [],
  };
  for (let i = 0; i < 2; i++) {
    seq++;
    repeats.raw.push((await rawHot(8)).opsPerSec);
    repeats.api.push((await apiHot(8)).opsPerSec);
  }
  repeats.ratio = repeats.api.map((a, i) => a / repeats.raw[i]!);
  track.c8Repeats = repeats;
  results.track = track;
  log(
    `  c8 hot repeats: raw ${repeats.raw.map((x) => x.toFixed(0)).join("/")}, api ${repeats.api.map((x) => x.toFixed(0)).join("/")}`,
  );

  // Steady-state requests per tracked event (one hot customer, concurrency 1).
  await api.reset();
  const SINGLES = 200;
  for (let n = 0; n < SINGLES; n++) await gqlTrack("c-hot", keyOf("steady", n));
  const single = await api.stats();
  results.singleTrack = {
    events: SINGLES,
    requests: perOp(single.requests, SINGLES),
    reported: per(single.reported, SINGLES),
    writes: single.transactions,
    serverMsP50: single.serverMsP50,
    serverMsMean: single.serverMsMean,
    cpuMsPerRequest: single.cpuMsPerRequest,
  };

  // ---- 3: trackUsageBatch of 100 events for one customer.
  log("bench: trackUsageBatch of 100...");
  const BATCH = "mutation B($is: [TrackUsageInput!]!) { trackUsageBatch(inputs: $is) { ok errorCode } }";
  let batchSeq = 0;
  const batchOf = (customerId: string) => {
    const b = batchSeq++;
    return {
      is: Array.from({ length: 100 }, (_, i) => ({
        customerId,
        feature: "api_calls",
        idempotencyKey: keyOf(`b${pad(b).slice(-4)}`, i),
      })),
    };
  };
  const sendBatch = async (customerId: string) => {
    const data = await api.gql(BATCH, batchOf(customerId));
    const bad = (data.trackUsageBatch as { ok: boolean; errorCode?: string }[]).filter((r) => !r.ok);
    if (bad.length) throw new Error(`batch: ${bad.length} refused (${bad[0]!.errorCode})`);
  };
  await api.reset();
  const batch1 = await runLoad(1, RUN_MS, () => sendBatch("c-batch-0"), 0);
  const batchStats = await api.stats();
  const batch4 = await runLoad(4, RUN_MS, (n) => sendBatch(`c-batch-${n % 4}`), 0);
  results.batch = {
    c1: { ...batch1, eventsPerSec: batch1.opsPerSec * 100 },
    c4: { ...batch4, eventsPerSec: batch4.opsPerSec * 100 },
    requestsPer100: perOp(batchStats.requests, batchStats.graphqlRequests),
    itemsPer100: perOp(batchStats.items, batchStats.graphqlRequests),
    reportedPer100: per(batchStats.reported, batchStats.graphqlRequests),
    writes: batchStats.transactions,
    events: batchStats.graphqlRequests * 100,
    serverMsP50: batchStats.serverMsP50,
  };

  // ---- 4: entitlement vs raw GetItem of the wallet (strongly consistent, as the check reads it).
  log("bench: entitlement vs GetItem...");
  const rawGet = await runLoad(8, RUN_MS, (n) => rawGetWallet(mixOf(n)));
  await api.reset();
  const ent = await runLoad(8, RUN_MS, (n) => api.gql(ENT, { c: mixOf(n) }).then(() => undefined));
  const entStats = await api.stats();
  results.entitlement = {
    rawGetItem: rawGet,
    api: ent,
    ratio: ent.opsPerSec / rawGet.opsPerSec,
    requestsPerCheck: perOp(entStats.requests, entStats.graphqlRequests),
  };

  // ---- the TypeScript client (bench/client.ts): its CPU per track over raw fetch; 10,000 events through trackBatch.
  log("bench: the TypeScript client...");
  results.client = await clientBench(
    `http://127.0.0.1:${port}/graphql`,
    { track: "c-mix-001", batch: "c-batch-3" },
    { calls: QUICK ? 500 : 2_000, log },
  );

  // ---- 7 (sizes): the wallet item as tracking left it, for the capacity arithmetic.
  const walletRaw = await raw.send(
    new GetItemCommand({ TableName: TABLE, Key: marshall(keys.wallet("c-hot")), ConsistentRead: true }),
  );
  const walletBytes = itemBytes(walletRaw.Item!);
  results.items.walletItemBytes = walletBytes;

  // ---- 5: closeDuePeriods over due subscriptions, seeded by BatchWrite in the wallet's own shape.
  log(`bench: seeding ${CLOSES} due subscriptions...`);
  const now = Date.now();
  const start = new Date(now - 86_400_000 - 60_000);
  const dueIds = Array.from({ length: CLOSES }, (_, i) => `due-${pad(i)}`);
  const seedStarted = performance.now();
  const chunks: string[][] = [];
  for (let i = 0; i < dueIds.length; i += 25) chunks.push(dueIds.slice(i, i + 25));
  await inParallel(chunks, 8, async (ids) => {
    const items = ids.map((id) => {
      const sub = {
        planCode: daily.code,
        status: "ACTIVE" as const,
        anchor: start.toISOString(),
        periodIndex: 0,
        periodStart: start.toISOString(),
        periodEnd: addIntervals(start, "DAY", 1).toISOString(),
        cancelAtPeriodEnd: false,
      };
      const wallet = { ...openPeriod(emptyWallet(id), daily, sub), version: 1, usage: { api_calls: units(10_150) } };
      return {
        PutRequest: {
          Item: marshall({ ...walletItem(wallet), ...keys.due(id, sub.periodEnd) }, { removeUndefinedValues: true }),
        },
      };
    });
    let pending: typeof items = items;
    while (pending.length) {
      const out = await raw.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: pending } }));
      pending = (out.UnprocessedItems?.[TABLE] ?? []) as typeof items;
    }
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`bench: seeded in ${seedSeconds.toFixed(1)} s; closing...`);
  counts = emptyCounts();
  const sweep = await closeDuePeriods(deps, { budgetMs: 240_000 });
  const closesPerSec = sweep.closed / (sweep.durationMs / 1000);
  const rawTxRate = track.c8.rawMix.opsPerSec;
  results.closes = {
    due: CLOSES,
    seedSeconds,
    ...sweep,
    closesPerSec,
    ratioToRawTx: closesPerSec / rawTxRate,
    rawTxPerSecC8: rawTxRate,
    requestsPerClose: perOp(counts.requests, Math.max(1, sweep.closed)),
    itemsPerClose: perOp(counts.items, Math.max(1, sweep.closed)),
  };
  log(`  ${sweep.closed} closes in ${(sweep.durationMs / 1000).toFixed(1)} s: ${closesPerSec.toFixed(0)}/s`);

  // ---- 6: bundles and cold start of a fresh process on the built GraphQL bundle.
  log("bench: building the Lambda bundles, cold starts...");
  const outDir = mkdtempSync(join(tmpdir(), "bench-bundles-"));
  try {
    const built = await buildFunctions(outDir);
    const graphql = built.find((f) => f.name === "graphql")!;
    const runs: { spawnToResponseMs: number; importMs: number; inProcessMs: number }[] = [];
    const failures: string[] = [];
    for (let i = 0; i < (QUICK ? 3 : 5); i++) {
      await coldStart(graphql.outfile, endpoint, keyOf("cold", i)).then(
        (r) => runs.push(r),
        (e: unknown) => failures.push(String(e)),
      );
    }
    if (failures.length) log(`bench: cold start failures: ${failures.join("; ")}`);
    results.coldStart = {
      bundles: Object.fromEntries(built.map((f) => [f.name, { bytes: f.bytes, sdkBytes: f.sdkBytes }])),
      runs,
      failures,
      medianSpawnToResponseMs: median(runs.map((r) => r.spawnToResponseMs)),
      medianImportMs: median(runs.map((r) => r.importMs)),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }

  // ---- 7: cost per tracked event.
  results.cost = costs(results, eventBytes, walletBytes);

  // ---- 8: one customer three years of DAY periods behind, caught up.
  results.catchUp = await benchCatchUp(endpoint);
  return results;
}

/** Daily periods from 2026 to 2028 (a leap year). */
const CATCH_UP_PERIODS = 365 + 365 + 366;

/**
 * Section 8: two customers on a DAY plan whose periods started CATCH_UP_PERIODS days ago (seeded
 * as wallets, real clock), caught up once by the sweeper and once lazily by a trackUsage, each
 * timed alone after an unmeasured warm-up catch-up: periods closed per second and DynamoDB
 * requests per period.
 */
async function benchCatchUp(endpoint: string): Promise<Results> {
  const table = `${TABLE}-catch-up`;
  const db = createDb({ table, endpoint });
  let counts: Counts = emptyCounts();
  countRequests(db.raw, () => counts);
  const deps: Deps = { db, clock: realClock, publisher: new RecordingPublisher() };
  await ensureTable(db.raw, table);
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
    const sub = {
      planCode: daily.code,
      status: "ACTIVE" as const,
      anchor: start.toISOString(),
      periodIndex: 0,
      periodStart: start.toISOString(),
      periodEnd: addIntervals(start, "DAY", 1).toISOString(),
      cancelAtPeriodEnd: false,
    };
    const wallet = { ...openPeriod(emptyWallet(id), daily, sub), version: 1, usage: { api_calls: units(150) } };
    const item = marshall({ ...walletItem(wallet), ...keys.due(id, sub.periodEnd) }, { removeUndefinedValues: true });
    await db.raw.send(new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: item } }] } }));
  };
  const timed = async (what: () => Promise<unknown>) => {
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

function renderCatchUp(c: Results): string {
  return [
    `catch-up of ${c.periods} DAY periods, one customer: sweeper ${c.sweep.periodsPerSec.toFixed(0)} periods/s (${c.sweep.seconds.toFixed(2)} s, ${fmtReq(c.sweep.requestsPerPeriod)} per period); lazily by a trackUsage ${c.track.periodsPerSec.toFixed(0)} periods/s (${c.track.seconds.toFixed(2)} s, ${fmtReq(c.track.requestsPerPeriod)} per period)`,
  ].join("\n");
}

/** Capacity by AWS's rules from item sizes, and dollars per million tracked events. */
function costs(results: Results, eventBytes: number, walletBytes: number): Results {
  const e = kbUnits(eventBytes);
  const w = kbUnits(walletBytes);
  const walletRead = Math.max(1, Math.ceil(walletBytes / 4096)); // strongly consistent: 1 RRU per 4 KB
  // From the transactions the server sent (bench/lib.ts countRequests): each put at 2 WCU per KB
  // plus its index entries at 1 WCU per KB; each wallet update at 2 WCU per KB of the wallet. The
  // due index (gsi1) is keys only and a track never changes its keys, so it costs a track nothing.
  const writeUnits = (t: Counts["transactions"], events: number) => {
    const puts = t.putWriteUnits / events;
    const index = t.indexWriteUnits / events;
    const wallet = (t.updates * 2 * w) / events;
    return { total: puts + index + wallet, puts, index, wallet };
  };
  const single = results.singleTrack.requests as Record<string, number>;
  const readsPerEvent = (single.GetItem ?? 0) + (single.Query ?? 0);
  const singleWrites = writeUnits(results.singleTrack.writes, results.singleTrack.events);
  const singleWcu = singleWrites.total;
  const singleRru = readsPerEvent * walletRead;
  const b = results.batch.requestsPer100 as Record<string, number>;
  const batchReads = (b.GetItem ?? 0) + (b.Query ?? 0);
  const batchWrites = writeUnits(results.batch.writes, results.batch.events);
  const batchWcu = batchWrites.total;
  const batchRru = (batchReads * walletRead) / 100;
  const singleMs = Math.max(1, Math.ceil(results.singleTrack.serverMsP50));
  const batchMs = Math.max(1, Math.ceil(results.batch.serverMsP50));
  const perMillion = (wcu: number, rru: number, lambdaMsPerEvent: number, requestsPerEvent: number) => {
    const dynamo = wcu * PRICE.dynamoWriteRequestUnit * 1e6 + rru * PRICE.dynamoReadRequestUnit * 1e6;
    const lambda =
      requestsPerEvent * PRICE.lambdaRequest * 1e6 +
      (lambdaMsPerEvent / 1000) * PRICE.lambdaMemoryGb * PRICE.lambdaGbSecondArm * 1e6;
    const apiGateway = requestsPerEvent * PRICE.apiGatewayHttpRequest * 1e6;
    return { dynamo, lambda, apiGateway, total: dynamo + lambda + apiGateway };
  };
  return {
    prices: PRICE,
    itemWcu: { event: 2 * e, eventTimelineIndex: e, walletUpdate: 2 * w, walletReadRru: walletRead },
    single: {
      wcuPerEvent: singleWcu,
      wcuBreakdown: singleWrites,
      rruPerEvent: singleRru,
      requestsPerEvent: single,
      lambdaMs: singleMs,
      usdPerMillion: perMillion(singleWcu, singleRru, singleMs, 1),
      reportedPerEvent: results.singleTrack.reported,
    },
    batched: {
      wcuPerEvent: batchWcu,
      wcuBreakdown: batchWrites,
      rruPerEvent: batchRru,
      requestsPer100: b,
      lambdaMsPerBatch: batchMs,
      usdPerMillion: perMillion(batchWcu, batchRru, batchMs / 100, 1 / 100),
      reportedPer100: results.batch.reportedPer100,
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function coldStart(bundle: string, endpoint: string, key: string) {
  const env = {
    PATH: process.env.PATH,
    BILLING_TABLE: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    BILLING_API_KEY: API_KEY,
    BILLING_CLOCK: "real",
    AWS_REGION: "us-east-1",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, "bench", "cold-start.mjs"), bundle, "c-hot", key], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.startsWith('{"status"'));
      if (line) resolveLine(line);
    });
    child.once("exit", (code) => reject(new Error(`cold start exited (${code}): ${out}`)));
  });
  const spawnToResponseMs = performance.now() - t0;
  const r = JSON.parse(line) as { ok: boolean; imported: number; responded: number; errors: unknown };
  if (!r.ok) throw new Error(`cold start response failed: ${line}`);
  await new Promise((r2) => child.once("exit", r2));
  return { spawnToResponseMs, importMs: r.imported, inProcessMs: r.responded };
}

/** `total` calls of `op` by `concurrency` workers; errors fail the run. */
async function runCount(concurrency: number, total: number, op: (n: number) => Promise<void>): Promise<void> {
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (n < total) await op(n++);
    }),
  );
}

async function inParallel<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const perOp = (m: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / n]));
const per = (r: Counts["reported"], n: number) => ({
  read: r.read / n,
  write: r.write / n,
  gsiWrite: r.gsiWrite / n,
  responsesWithCapacity: `${r.withCapacity}/${r.responses}`,
});

// ---------------------------------------------------------------------------------------------

const wcuParts = (b: { puts: number; index: number; wallet: number }) =>
  `puts ${b.puts.toFixed(2)} + timeline index ${b.index.toFixed(2)} + wallet ${b.wallet.toFixed(2)}`;

function render(r: Results): string {
  const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "-");
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
  const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
  const rows: string[][] = [["measurement", "ops/s", "p50 ms", "p99 ms", "vs raw", "notes"]];
  const load = (name: string, l: LoadResult, base?: LoadResult, note = "") =>
    rows.push([
      name,
      f0(l.opsPerSec),
      f1(l.p50),
      f1(l.p99),
      base ? `${f2(l.opsPerSec / base.opsPerSec)}x` : "",
      `${note}${l.errors ? ` ${l.errors} errors: ${l.firstError}` : ""}`.trim(),
    ]);
  for (const c of [1, 8, 32]) {
    const t = r.track[`c${c}`];
    load(`raw TransactWriteItems, c${c}, 1 customer`, t.rawHot);
    load(`trackUsage (GraphQL/HTTP), c${c}, 1 customer`, t.apiHot, t.rawHot, reqNote(t.apiHotStats));
    load(`raw TransactWriteItems, c${c}, ${MIX} customers`, t.rawMix);
    load(`trackUsage (GraphQL/HTTP), c${c}, ${MIX} customers`, t.apiMix, t.rawMix, reqNote(t.apiMixStats));
  }
  const rep = r.track.c8Repeats;
  rows.push([
    "c8, 1 customer, 3 interleaved runs",
    "",
    "",
    "",
    `${rep.ratio.map(f2).join(" / ")}`,
    `raw ${rep.raw.map(f0).join("/")}, api ${rep.api.map(f0).join("/")} ops/s`,
  ]);
  const b = r.batch;
  rows.push([
    "trackUsageBatch of 100, c1, 1 customer",
    `${f0(b.c1.eventsPerSec)} ev/s`,
    f1(b.c1.p50),
    f1(b.c1.p99),
    "",
    `${fmtReq(b.requestsPer100)} per 100 events`,
  ]);
  rows.push([
    "trackUsageBatch of 100, c4, 4 customers",
    `${f0(b.c4.eventsPerSec)} ev/s`,
    f1(b.c4.p50),
    f1(b.c4.p99),
    "",
    "",
  ]);
  load("raw GetItem (consistent), c8", r.entitlement.rawGetItem);
  load(
    "entitlement (GraphQL/HTTP), c8",
    r.entitlement.api,
    r.entitlement.rawGetItem,
    `${fmtReq(r.entitlement.requestsPerCheck)} per check`,
  );
  if (r.client) rows.push(...clientRows(r.client));
  const cl = r.closes;
  rows.push([
    `closeDuePeriods, ${cl.due} due`,
    `${f0(cl.closesPerSec)} closes/s`,
    "",
    "",
    `${f2(cl.ratioToRawTx)}x`,
    `vs raw tx c8 (${f0(cl.rawTxPerSecC8)}/s); ${cl.closed} closed, ${cl.failed} failed, ${f1(cl.durationMs / 1000)} s; ${fmtReq(cl.requestsPerClose)} per close`,
  ]);
  if (r.catchUp)
    rows.push([
      `catch-up, ${r.catchUp.periods} DAY periods behind`,
      `${f0(r.catchUp.sweep.periodsPerSec)} periods/s`,
      "",
      "",
      "",
      `sweeper ${f1(r.catchUp.sweep.seconds)} s (${fmtReq(r.catchUp.sweep.requestsPerPeriod)} per period); lazily by a trackUsage ${f0(r.catchUp.track.periodsPerSec)} periods/s`,
    ]);
  const cs = r.coldStart;
  for (const [name, s] of Object.entries(cs.bundles as Record<string, { bytes: number; sdkBytes: number }>))
    rows.push([
      `bundle ${name}`,
      "",
      "",
      "",
      "",
      `${(s.bytes / 1e6).toFixed(3)} MB minified (AWS SDK ${(s.sdkBytes / 1e6).toFixed(3)} MB)`,
    ]);
  rows.push([
    "cold start: spawn -> first response",
    "",
    f0(cs.medianSpawnToResponseMs),
    "",
    "",
    `median of ${cs.runs.length}: ${cs.runs.map((x: { spawnToResponseMs: number }) => f0(x.spawnToResponseMs)).join(", ")} ms; import ${f0(cs.medianImportMs)} ms after process start`,
  ]);
  const c = r.cost;
  rows.push([
    "cost, single trackUsage",
    `$${f2(c.single.usdPerMillion.total)}/M`,
    "",
    "",
    "",
    `${fmtReq(c.single.requestsPerEvent)}; ${f2(c.single.wcuPerEvent)} WCU (${wcuParts(c.single.wcuBreakdown)}) + ${f2(c.single.rruPerEvent)} RRU/event; DynamoDB $${f2(c.single.usdPerMillion.dynamo)} + Lambda $${f2(c.single.usdPerMillion.lambda)} (${c.single.lambdaMs} ms) + API GW $${f2(c.single.usdPerMillion.apiGateway)}`,
  ]);
  rows.push([
    "cost, batched (100/request)",
    `$${f2(c.batched.usdPerMillion.total)}/M`,
    "",
    "",
    "",
    `${f2(c.batched.wcuPerEvent)} WCU (${wcuParts(c.batched.wcuBreakdown)}) + ${f2(c.batched.rruPerEvent)} RRU/event; DynamoDB $${f2(c.batched.usdPerMillion.dynamo)} + Lambda $${f2(c.batched.usdPerMillion.lambda)} (${c.batched.lambdaMsPerBatch} ms/batch) + API GW $${f2(c.batched.usdPerMillion.apiGateway)}`,
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i >= 1 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const header = [
    `Benchmark on ${r.machine.cpus} CPUs, Node ${r.machine.node}, DynamoDB Local in memory; API server in production clock mode (BILLING_CLOCK=real).`,
    r.warmup.perSide
      ? `Warm-up before measuring: ${r.warmup.perSide} raw transactions and ${r.warmup.perSide} trackUsage calls, alternating (${f0(r.warmup.seconds)} s).`
      : "No warm-up (--no-warmup): the first rows include the JIT of the API server and of DynamoDB Local.",
    `Event item ${r.items.eventItemBytes} B, wallet item ${r.items.walletItemBytes} B; capacity from item sizes (transactional write 2 WCU/KB/item, GSI 1 WCU/KB).`,
    `DynamoDB Local reported capacity on ${r.singleTrack.reported.responsesWithCapacity} responses of the steady-state run (per event: ${f2(r.singleTrack.reported.write)} WCU, ${f2(r.singleTrack.reported.read)} RCU, GSI ${f2(r.singleTrack.reported.gsiWrite)}).`,
    "",
  ];
  return [...header, line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join(
    "\n",
  );
}

function fmtReq(m: Record<string, number> | undefined): string {
  if (!m) return "";
  const short: Record<string, string> = {
    TransactWriteItems: "tx",
    GetItem: "get",
    Query: "query",
    UpdateItem: "update",
    PutItem: "put",
    BatchWriteItem: "batchwrite",
  };
  return Object.entries(m)
    .map(([k, v]) => `${Number.isInteger(v) ? v : v.toFixed(2)} ${short[k] ?? k}`)
    .join(" + ");
}

function reqNote(stats: {
  requests: Record<string, number>;
  graphqlRequests: number;
  cpuMsPerRequest?: number;
}): string {
  return `${fmtReq(perOp(stats.requests, stats.graphqlRequests))} per track; API CPU ${(stats.cpuMsPerRequest ?? NaN).toFixed(1)} ms/request`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
