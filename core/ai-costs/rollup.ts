/**
 * What one batch of usage events adds to the rollups, computed in memory (pure, unit-tested):
 *
 * - **AI costs** (events priced from the AI model catalog): calls, tokens by kind, the provider's
 *   cost and what was billed, per model, customer and feature, each per UTC day and per UTC
 *   month, and per day for the DAY grouping. A report reads whole months where its range covers
 *   them and days elsewhere (report.ts), so a month over 10,000 customers is 10,000 rows.
 * - **Usage history**: per customer, billing period and feature, the units, money and credits
 *   the period's events recorded, and how many events.
 *
 * Every amount is exact (bigint ledger units at 10^-12; tokens and calls are whole numbers), so
 * the rollups' sums are the events' sums.
 */

/** What the rollups read of a usage event (core/db/streamed-events.ts reads it from the stream). */
export type RolledEvent = {
  customerId: string;
  feature: string;
  /** When the usage happened (ISO): its day and month. */
  timestamp: string;
  /** The billing period it was booked into (usage history). */
  periodStart: string;
  value: bigint;
  cost?: bigint;
  credits?: bigint;
  inputTokens?: bigint;
  outputTokens?: bigint;
  cacheReadTokens?: bigint;
  cacheWriteTokens?: bigint;
  /** AI_MODEL pricing only: the catalog model and what the provider charges. */
  ai?: { modelId: string; providerCost: bigint };
};

export const AI_COST_GROUPS = ["MODEL", "CUSTOMER", "FEATURE", "DAY"] as const;
export type AiCostGroup = (typeof AI_COST_GROUPS)[number];

export type AiCostTotals = {
  calls: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cacheReadTokens: bigint;
  cacheWriteTokens: bigint;
  providerCost: bigint;
  billed: bigint;
};
export const AI_COST_FIELDS = [
  "calls",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "providerCost",
  "billed",
] as const satisfies readonly (keyof AiCostTotals)[];

export const zeroTotals = (): AiCostTotals => ({
  calls: 0n,
  inputTokens: 0n,
  outputTokens: 0n,
  cacheReadTokens: 0n,
  cacheWriteTokens: 0n,
  providerCost: 0n,
  billed: 0n,
});

export function addTotals(into: AiCostTotals, more: AiCostTotals): AiCostTotals {
  for (const field of AI_COST_FIELDS) into[field] += more[field];
  return into;
}

/** A rollup cell: a grouping, a time bucket (`D2026-01-05` or `M2026-01`) and the group's key. */
export type AiCostCell = { group: AiCostGroup; bucket: string; key: string };

export const dayBucket = (day: string) => `D${day}`;
export const monthBucket = (month: string) => `M${month}`;

/** The cells one AI-priced event adds to: 3 groupings x (its day, its month), and its day in its month. */
export function cellsOf(event: RolledEvent): AiCostCell[] {
  if (!event.ai) return [];
  const day = event.timestamp.slice(0, 10);
  const month = event.timestamp.slice(0, 7);
  const keys: [AiCostGroup, string][] = [
    ["MODEL", event.ai.modelId],
    ["CUSTOMER", event.customerId],
    ["FEATURE", event.feature],
  ];
  return [
    ...keys.flatMap(([group, key]) => [
      { group, bucket: dayBucket(day), key },
      { group, bucket: monthBucket(month), key },
    ]),
    { group: "DAY", bucket: monthBucket(month), key: day },
  ];
}

export function totalsOf(event: RolledEvent): AiCostTotals {
  return {
    calls: 1n,
    inputTokens: event.inputTokens ?? 0n,
    outputTokens: event.outputTokens ?? 0n,
    cacheReadTokens: event.cacheReadTokens ?? 0n,
    cacheWriteTokens: event.cacheWriteTokens ?? 0n,
    providerCost: event.ai?.providerCost ?? 0n,
    billed: event.cost ?? 0n,
  };
}

export type UsageHistoryCell = { customerId: string; periodStart: string; feature: string };
export type UsageHistoryTotals = { events: bigint; used: bigint; cost: bigint; credits: bigint };

export type Rollup = {
  aiCosts: Map<string, { cell: AiCostCell; totals: AiCostTotals }>;
  usage: Map<string, { cell: UsageHistoryCell; totals: UsageHistoryTotals }>;
};

/** What `events` add to every cell they touch, each cell once. */
export function rollUp(events: RolledEvent[]): Rollup {
  const rollup: Rollup = { aiCosts: new Map(), usage: new Map() };
  for (const event of events) {
    const totals = totalsOf(event);
    for (const cell of cellsOf(event)) {
      const id = `${cell.group}|${cell.bucket}|${cell.key}`;
      const entry = rollup.aiCosts.get(id) ?? { cell, totals: zeroTotals() };
      addTotals(entry.totals, totals);
      rollup.aiCosts.set(id, entry);
    }
    const cell = { customerId: event.customerId, periodStart: event.periodStart, feature: event.feature };
    const id = `${cell.customerId}|${cell.periodStart}|${cell.feature}`;
    const entry = rollup.usage.get(id) ?? { cell, totals: { events: 0n, used: 0n, cost: 0n, credits: 0n } };
    entry.totals.events += 1n;
    entry.totals.used += event.value;
    entry.totals.cost += event.cost ?? 0n;
    entry.totals.credits += event.credits ?? 0n;
    rollup.usage.set(id, entry);
  }
  return rollup;
}
