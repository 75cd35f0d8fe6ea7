/**
 * `--only scale` (budget item 7): a deployment of 100,000 customers (`--customers N` for another
 * size), each on a DAY plan whose period has ended.
 *
 * Seeding is BatchWriteItem of the items core would have written (a profile in the customer list,
 * a wallet with some usage in the due index: bench/harness.ts dueWalletItem), 25 at a time, and
 * a month of AI cost rollup cells, one per customer plus the model, feature and day cells (the
 * cells the stream aggregator leaves: bench/measure/ai-costs.ts explains the method). Then:
 * - the raw transaction rate at concurrency 8 (a track's own transaction, replayed from here),
 *   before and after the sweep (their mean is the baseline);
 * - closeDuePeriods over every due subscription (several sweeper runs if one run's time budget
 *   ends), closes per second against that rate, with the process's RSS and heap sampled every
 *   second: the peak, and the growth over the sweep's second half (flat memory: a sweep that held
 *   what it closed would grow with the customers);
 * - a page (20) of `customers`, of `invoices` (all, and OPEN only) and `aiCostReport` by MODEL,
 *   FEATURE and DAY at that size, first page and pages deep behind cursors, p50 / p99 over 40
 *   requests each; aiCostReport by CUSTOMER a page of 20 (first / after, pages up to 10 deep), and
 *   the whole report by CUSTOMER (no `first`: one row per customer).
 * In process through core (no API server; the resolvers are one call into it). Its own table.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BatchWriteItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { aiCostReport } from "../../core/ai-costs/report";
import { AI_COST_FIELDS, rollUp, type RolledEvent } from "../../core/ai-costs/rollup";
import { ItemType, keys } from "../../core/db/keys";
import { searchFields } from "../../core/db/lists";
import { getWallet } from "../../core/db/wallets";
import { cachedWalletCount } from "../../core/db/wallet-cache";
import { cachedReservationCount } from "../../core/db/reservation-cache";
import { listAllInvoices, listCustomers } from "../../core/lists";
import { units } from "../../core/money";
import { closeDuePeriods } from "../../core/periods/sweep";
import { createPlan } from "../../core/plans";
import {
  API_CALLS,
  benchDeps,
  captureTrackTransaction,
  dueWalletItem,
  rawClient,
  rawTrackInput,
  seedHotCustomer,
  TABLE,
} from "../harness";
import { countRequests, emptyCounts, inParallel, pct, perOp, runLoad, type Counts, type LoadResult } from "../lib";
import { keyOf, log, pad } from "./context";

export type PageTiming = { name: string; requests: number; p50: number; p99: number; rows: number };

export type ScaleResult = {
  customers: number;
  seedSeconds: number;
  seedItemsPerSec: number;
  rawTx: { before: LoadResult; after: LoadResult; meanPerSec: number };
  closes: {
    closed: number;
    failed: number;
    sweeps: number;
    seconds: number;
    closesPerSec: number;
    ratioToRawTx: number;
    requestsPerClose: Record<string, number>;
    peakRssMb: number;
    rssAtStartMb: number;
    rssGrowthSecondHalfMb: number;
    peakHeapMb: number;
    /** RSS at each tenth of the sweep, MB. */
    rssByTenthMb: number[];
    /** Wallet views and reservations the process caches after the sweep (core/db/wallet-cache.ts: bounded, and a close fills neither). */
    cachedAfterSweep: { wallets: number; reservations: number };
    heapAtStartMb: number;
    /** Heap after a full collection once the sweep is done. */
    heapAfterGcMb: number;
    /** The heap the sweep retained: after a full collection at its end, minus after one at its start. */
    heapRetainedMb: number;
  };
  pages: PageTiming[];
  byCustomerReport: { rows: number; firstMs: number; medianMs: number };
};

const MB = 1024 * 1024;

export async function measureScale(endpoint: string, customers: number): Promise<ScaleResult> {
  // Events are sent and forgotten, as EventBridge takes them: the bench's usual RecordingPublisher
  // keeps every one, which would grow with the closes and hide the sweeper's own memory.
  const deps = { ...(await benchDeps(endpoint, `${TABLE}-scale`)), publisher: { publish: async () => {} } };
  let counts: Counts = emptyCounts();
  countRequests(deps.db.raw, () => counts);
  log(`bench: scale: ${customers.toLocaleString("en")} customers...`);
  await seedHotCustomer(deps);
  const daily = await createPlan(deps, {
    code: "scale-daily",
    name: "Scale daily",
    model: "METERED",
    basePrice: units(1),
    interval: "DAY",
    features: [API_CALLS],
  });

  // Seeding: profiles (newest first in the customer list), due wallets, AI cost cells.
  const seedStarted = performance.now();
  const raw = rawClient(endpoint);
  const start = new Date(Date.now() - 86_400_000 - 60_000);
  const ids = Array.from({ length: customers }, (_, i) => `s-${pad(i)}`);
  const write = async (items: Record<string, unknown>[]) => {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const out = await deps.db.doc.send(new BatchWriteCommand({ RequestItems: { [deps.db.table]: pending } }));
      pending = (out.UnprocessedItems?.[deps.db.table] ?? []) as typeof pending;
    }
  };
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += 12) chunks.push(ids.slice(i, i + 12));
  let seeded = 0;
  await inParallel(chunks, 8, async (chunk) => {
    const createdAt = new Date(start.getTime() - 86_400_000).toISOString();
    let pending = chunk.flatMap((id) => [
      {
        PutRequest: {
          Item: marshall({
            ...keys.customer(id),
            ...keys.customerListing(createdAt, id),
            type: ItemType.CUSTOMER,
            ...searchFields({ id }),
            id,
            createdAt,
          }),
        },
      },
      { PutRequest: { Item: dueWalletItem(id, daily, start, units(10_150)) } },
    ]);
    while (pending.length) {
      const out = await raw.send(new BatchWriteItemCommand({ RequestItems: { [deps.db.table]: pending } }));
      pending = (out.UnprocessedItems?.[deps.db.table] ?? []) as typeof pending;
    }
    seeded += chunk.length;
    if (seeded % 10_000 < chunk.length) log(`  seeded ${seeded} customers`);
  });
  // One AI event per customer in January 2026, rolled up by the aggregator's own code.
  const events: RolledEvent[] = ids.map((customerId, i) => {
    const inputTokens = BigInt(200 + ((i * 37) % 8000));
    const providerCost = inputTokens * 3_000_000n;
    return {
      customerId,
      feature: ["chat", "code", "search"][i % 3]!,
      timestamp: `2026-01-${String((i % 31) + 1).padStart(2, "0")}T12:00:00.000Z`,
      periodStart: "2026-01-01T00:00:00.000Z",
      value: inputTokens,
      inputTokens,
      outputTokens: 0n,
      cacheReadTokens: 0n,
      cacheWriteTokens: 0n,
      cost: (providerCost * 14_000n) / 10_000n,
      ai: { modelId: ["openai/gpt-4o", "anthropic/claude-sonnet-4-6", "x/small"][i % 3]!, providerCost },
    };
  });
  const cells = [...rollUp(events).aiCosts.values()]
    .filter(({ cell }) => cell.bucket.startsWith("M"))
    .map(({ cell, totals }) => ({
      ...keys.aiCostRollup(cell.group, cell.bucket, cell.key),
      type: ItemType.AI_COST_ROLLUP,
      key: cell.key,
      ...Object.fromEntries(AI_COST_FIELDS.map((f) => [f, totals[f]])),
    }));
  const cellChunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < cells.length; i += 25) cellChunks.push(cells.slice(i, i + 25));
  await inParallel(cellChunks, 8, write);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const seedItems = 2 * customers + cells.length;
  log(`  seeded ${seedItems} items in ${seedSeconds.toFixed(1)} s`);

  // The raw baseline: a track's transaction at c8, from this process.
  const template = await captureTrackTransaction(deps, "c-hot", keyOf("cap", 0));
  const periodStart = (await getWallet(deps.db, "c-hot"))!.subscription!.periodStart;
  let rawSeq = 0;
  const rawRun = () => {
    rawSeq++;
    return runLoad(8, 3_000, (n) =>
      raw
        .send(new TransactWriteItemsCommand(rawTrackInput(template, "c-hot", keyOf(`sr${rawSeq}`, n), periodStart)))
        .then(() => undefined),
    );
  };
  const before = await rawRun();

  // The sweep, with memory sampled every second.
  log("  sweeping...");
  const gc = fullGc();
  gc();
  const heapBeforeSweep = process.memoryUsage().heapUsed;
  const samples: { t: number; rss: number; heap: number; closed: number }[] = [];
  let closed = 0;
  let failed = 0;
  let sweeps = 0;
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: performance.now(), rss: m.rss, heap: m.heapUsed, closed });
  };
  sample();
  const timer = setInterval(sample, 1_000);
  counts = emptyCounts();
  const sweepStarted = performance.now();
  try {
    for (;;) {
      sweeps++;
      const run = await closeDuePeriods(deps, { budgetMs: 600_000 });
      closed += run.closed;
      failed += run.failed;
      log(`  sweep ${sweeps}: ${run.closed} closed, ${run.failed} failed (${closed} in all)`);
      if (run.complete || run.closed === 0) break;
    }
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - sweepStarted) / 1000;
  sample();
  const cachedAfterSweep = { wallets: cachedWalletCount(), reservations: cachedReservationCount() };
  // What the sweep left behind, apart from garbage not yet collected.
  gc();
  const heapAfterGc = process.memoryUsage().heapUsed / MB;
  const heapRetainedMb = heapAfterGc - heapBeforeSweep / MB;
  const requestsPerClose = perOp(counts.requests, Math.max(1, closed));
  const after = await rawRun();
  const meanPerSec = (before.opsPerSec + after.opsPerSec) / 2;
  const closesPerSec = closed / seconds;
  const t0 = samples[0]!.t;
  const tEnd = samples.at(-1)!.t;
  const at = (fraction: number) =>
    samples.reduce((best, s) =>
      Math.abs(s.t - t0 - fraction * (tEnd - t0)) < Math.abs(best.t - t0 - fraction * (tEnd - t0)) ? s : best,
    );
  const half = samples.filter((s) => s.t >= t0 + (tEnd - t0) / 2);
  const rssGrowthSecondHalfMb = (Math.max(...half.map((s) => s.rss)) - at(0.5).rss) / MB;
  log(`  ${closed} closes in ${seconds.toFixed(1)} s: ${closesPerSec.toFixed(0)}/s; raw tx ${meanPerSec.toFixed(0)}/s`);

  // Pages at that size: the first and ones deep behind cursors.
  const pages: PageTiming[] = [];
  const timePages = async (name: string, page: (after?: string) => Promise<{ rows: number; next?: string }>) => {
    const times: number[] = [];
    let cursor: string | undefined;
    let rows = 0;
    for (let i = 0; i < 40; i++) {
      const t = performance.now();
      // Every 4th request starts over: first pages and pages up to 10 deep.
      const out = await page(i % 4 === 0 ? undefined : cursor);
      times.push(performance.now() - t);
      rows = out.rows;
      cursor = out.next;
    }
    times.sort((a, b) => a - b);
    pages.push({ name, requests: times.length, p50: pct(times, 0.5), p99: pct(times, 0.99), rows });
  };
  const connection = (c: { edges: unknown[]; endCursor: string | null }) => ({
    rows: c.edges.length,
    next: c.endCursor ?? undefined,
  });
  await timePages("customers, a page of 20", async (after) =>
    connection(await listCustomers(deps, { first: 20, after })),
  );
  await timePages("invoices, a page of 20", async (after) =>
    connection(await listAllInvoices(deps, { first: 20, after })),
  );
  await timePages("invoices OPEN, a page of 20", async (after) =>
    connection(await listAllInvoices(deps, { status: "OPEN", first: 20, after })),
  );
  const from = new Date("2026-01-01T00:00:00Z");
  const to = new Date("2026-02-01T00:00:00Z");
  for (const groupBy of ["MODEL", "FEATURE", "DAY"] as const)
    await timePages(`aiCostReport by ${groupBy}, a month`, async () => ({
      rows: (await aiCostReport(deps, { from, to, groupBy })).rows.length,
    }));
  await timePages("aiCostReport by CUSTOMER, a month, a page of 20", async (after) => {
    const page = await aiCostReport(deps, { from, to, groupBy: "CUSTOMER", first: 20, after });
    return { rows: page.rows.length, ...(page.endCursor ? { next: page.endCursor } : {}) };
  });
  const byCustomer: number[] = [];
  let byCustomerRows = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    byCustomerRows = (await aiCostReport(deps, { from, to, groupBy: "CUSTOMER" })).rows.length;
    byCustomer.push(performance.now() - t);
  }
  raw.destroy();
  deps.db.raw.destroy();
  return {
    customers,
    seedSeconds,
    seedItemsPerSec: seedItems / seedSeconds,
    rawTx: { before, after, meanPerSec },
    closes: {
      closed,
      failed,
      sweeps,
      seconds,
      closesPerSec,
      ratioToRawTx: closesPerSec / meanPerSec,
      requestsPerClose,
      peakRssMb: Math.max(...samples.map((s) => s.rss)) / MB,
      rssAtStartMb: samples[0]!.rss / MB,
      rssGrowthSecondHalfMb,
      peakHeapMb: Math.max(...samples.map((s) => s.heap)) / MB,
      rssByTenthMb: Array.from({ length: 11 }, (_, i) => at(i / 10).rss / MB),
      cachedAfterSweep,
      heapAtStartMb: samples[0]!.heap / MB,
      heapAfterGcMb: heapAfterGc,
      heapRetainedMb,
    },
    pages,
    byCustomerReport: {
      rows: byCustomerRows,
      firstMs: byCustomer[0]!,
      medianMs: [...byCustomer].sort((a, b) => a - b)[1]!,
    },
  };
}

export function renderScale(r: ScaleResult): string {
  const c = r.closes;
  const req = Object.entries(c.requestsPerClose)
    .map(([k, v]) => `${v.toFixed(2)} ${k}`)
    .join(" + ");
  return [
    `scale: ${r.customers.toLocaleString("en")} customers seeded in ${r.seedSeconds.toFixed(1)} s (${r.seedItemsPerSec.toFixed(0)} items/s, BatchWriteItem)`,
    `  closeDuePeriods: ${c.closed} closed, ${c.failed} failed, ${c.sweeps} sweeper run(s), ${c.seconds.toFixed(1)} s: ${c.closesPerSec.toFixed(0)} closes/s = ${c.ratioToRawTx.toFixed(2)}x the raw transaction rate (c8: ${r.rawTx.before.opsPerSec.toFixed(0)}/s before, ${r.rawTx.after.opsPerSec.toFixed(0)}/s after); ${req} per close`,
    `  memory: RSS ${c.rssAtStartMb.toFixed(0)} MB at the start, peak ${c.peakRssMb.toFixed(0)} MB (heap peak ${c.peakHeapMb.toFixed(0)} MB), growth over the second half ${c.rssGrowthSecondHalfMb.toFixed(1)} MB; by tenths ${c.rssByTenthMb.map((x) => x.toFixed(0)).join(" ")} MB; cached after it: ${c.cachedAfterSweep.wallets} wallet views, ${c.cachedAfterSweep.reservations} reservations; heap ${c.heapAtStartMb.toFixed(0)} MB at the start, ${c.heapAfterGcMb.toFixed(0)} MB after the sweep and a full GC: ${c.heapRetainedMb.toFixed(1)} MB retained`,
    ...r.pages.map(
      (p) =>
        `  ${p.name}: p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms (${p.requests} requests, ${p.rows} rows)`,
    ),
    `  aiCostReport by CUSTOMER, a month, the whole report (no first: ${r.byCustomerReport.rows} rows): first ${r.byCustomerReport.firstMs.toFixed(0)} ms, median of 3 ${r.byCustomerReport.medianMs.toFixed(0)} ms`,
  ].join("\n");
}

/**
 * A full garbage collection, also without `node --expose-gc`: V8's flag set at run time, the
 * function taken from a fresh context (the usual way to reach it from a running process).
 */
function fullGc(): () => void {
  if (global.gc) return global.gc;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
