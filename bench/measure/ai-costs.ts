/**
 * Section 10: `aiCostReport` for a calendar month over 10,000 customers and 1,000,000 AI events.
 *
 * Method: the events are generated in memory (10,000 customers, 5 models, 3 features, 31 days,
 * varied tokens, exact provider costs and a 40% margin) and rolled up by the aggregator's own pure
 * code (core/ai-costs/rollup.ts rollUp); the cells a whole-month report reads (the month's cells
 * by customer, model and feature, and its day cells of the DAY grouping) are written with
 * BatchWriteItem. Writing them through the stream aggregator would give the same cells and take
 * far longer to seed; the aggregator's exactness is tested by test/graphql/ai-costs.test.ts. Then
 * each grouping's report is timed through core (the resolver is one call into it), and its total
 * checked against the events' sums.
 *
 *   npm run bench -- --only ai-costs [--quick]     (--quick: 100,000 events)
 */
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { aiCostReport } from "../../core/ai-costs/report";
import {
  AI_COST_FIELDS,
  addTotals,
  rollUp,
  totalsOf,
  zeroTotals,
  type AiCostGroup,
  type RolledEvent,
} from "../../core/ai-costs/rollup";
import { ItemType, keys } from "../../core/db/keys";
import { benchDeps, TABLE } from "../harness";
import { log } from "./context";

export type AiCostsResult = {
  customers: number;
  events: number;
  cells: number;
  seedSeconds: number;
  /** Per grouping: rows, the first run and the median of 5, in ms. */
  reports: { groupBy: AiCostGroup; rows: number; firstMs: number; medianMs: number }[];
  exact: boolean;
};

const MODELS = [
  "anthropic/claude-sonnet-4-6",
  "openai/gpt-4o",
  "openai/gpt-4o-mini",
  "google/gemini-2.5-pro",
  "x/small",
];
const FEATURES = ["chat", "code", "search"];
/** USD per 1M tokens, in ledger units per token: input, output. */
const PRICES: [bigint, bigint][] = [
  [3_000_000n, 15_000_000n],
  [2_500_000n, 10_000_000n],
  [150_000n, 600_000n],
  [1_250_000n, 10_000_000n],
  [100_000n, 400_000n],
];

function eventOf(i: number, customers: number): RolledEvent {
  const model = i % MODELS.length;
  const inputTokens = BigInt(200 + ((i * 37) % 8000));
  const outputTokens = BigInt((i * 13) % 3000);
  const cacheReadTokens = i % 4 === 0 ? BigInt((i * 11) % 4000) : 0n;
  const [input, output] = PRICES[model]!;
  const providerCost = (inputTokens + cacheReadTokens) * input + outputTokens * output;
  const day = String((i % 31) + 1).padStart(2, "0");
  return {
    customerId: `cust-${String(i % customers).padStart(5, "0")}`,
    feature: FEATURES[i % FEATURES.length]!,
    timestamp: `2026-01-${day}T${String(i % 24).padStart(2, "0")}:00:00.000Z`,
    periodStart: "2026-01-01T00:00:00.000Z",
    value: inputTokens + outputTokens + cacheReadTokens,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens: 0n,
    cost: (providerCost * 14_000n) / 10_000n,
    ai: { modelId: MODELS[model]!, providerCost },
  };
}

export async function measureAiCosts(endpoint: string, quick: boolean): Promise<AiCostsResult> {
  const customers = 10_000;
  const events = quick ? 100_000 : 1_000_000;
  const deps = await benchDeps(endpoint, `${TABLE}-ai-costs`);
  log(`bench: ai costs: rolling up ${events.toLocaleString("en")} events over ${customers} customers...`);
  const started = performance.now();
  const expected = zeroTotals();
  const cells = new Map<
    string,
    { group: string; bucket: string; key: string; totals: ReturnType<typeof zeroTotals> }
  >();
  const CHUNK = 50_000;
  for (let from = 0; from < events; from += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, events - from) }, (_, j) => eventOf(from + j, customers));
    for (const e of chunk) addTotals(expected, totalsOf(e));
    for (const [id, { cell, totals }] of rollUp(chunk).aiCosts) {
      if (!cell.bucket.startsWith("M")) continue; // a whole-month report reads month cells only
      const entry = cells.get(id) ?? { ...cell, totals: zeroTotals() };
      addTotals(entry.totals, totals);
      cells.set(id, entry);
    }
  }
  const items = [...cells.values()].map((c) => ({
    ...keys.aiCostRollup(c.group, c.bucket, c.key),
    type: ItemType.AI_COST_ROLLUP,
    key: c.key,
    ...Object.fromEntries(AI_COST_FIELDS.map((f) => [f, c.totals[f]])),
  }));
  log(`bench: ai costs: writing ${items.length} cells...`);
  let next = 0;
  const writer = async () => {
    while (next < items.length) {
      const batch = items.slice(next, next + 25);
      next += 25;
      let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length) {
        const out = await deps.db.doc.send(
          new BatchWriteCommand({ RequestItems: { [deps.db.table]: pending as never } }),
        );
        pending = (out.UnprocessedItems?.[deps.db.table] ?? []) as Record<string, unknown>[];
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, writer));
  const seedSeconds = (performance.now() - started) / 1000;

  const from = new Date("2026-01-01T00:00:00Z");
  const to = new Date("2026-02-01T00:00:00Z");
  const reports: AiCostsResult["reports"] = [];
  let exact = true;
  for (const groupBy of ["CUSTOMER", "MODEL", "FEATURE", "DAY"] as const) {
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < 6; run++) {
      const t0 = performance.now();
      const report = await aiCostReport(deps, { from, to, groupBy });
      times.push(performance.now() - t0);
      rows = report.rows.length;
      for (const f of AI_COST_FIELDS) if (report.total[f] !== expected[f]) exact = false;
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    reports.push({ groupBy, rows, firstMs: times[0]!, medianMs: rest[Math.floor(rest.length / 2)]! });
  }
  deps.db.raw.destroy();
  return { customers, events, cells: items.length, seedSeconds, reports, exact };
}

export function renderAiCosts(r: AiCostsResult): string {
  const lines = r.reports.map(
    (x) =>
      `  aiCostReport month by ${x.groupBy}: ${x.rows} rows, first ${x.firstMs.toFixed(0)} ms, median ${x.medianMs.toFixed(0)} ms`,
  );
  return [
    `ai costs: a month over ${r.customers.toLocaleString("en")} customers and ${r.events.toLocaleString("en")} events (${r.cells} month cells seeded in ${r.seedSeconds.toFixed(1)} s); totals exact: ${r.exact ? "yes" : "NO"}`,
    ...lines,
  ].join("\n");
}
