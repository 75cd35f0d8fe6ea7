/**
 * `aiCostReport` (the AI costs view): calls, tokens by kind, provider cost, billed and margin
 * over [from, to), grouped by model, customer, feature or UTC day, read from the rollups (never
 * from the events). Exact: each row is the sum of the events it covers, to the 10^-12.
 *
 * Rows: by day ascending for DAY; otherwise by billed amount, highest first, then by key. The
 * rollups follow the table's stream, so an event tracked a moment ago may not be counted yet.
 * With `first` or `after`, one page in key order instead (./page.ts): what a report of one row
 * per customer needs at scale.
 */
import type { Deps } from "../deps";
import { readCells } from "../db/ai-cost-rollups";
import { addTotals, zeroTotals, type AiCostGroup, type AiCostTotals } from "./rollup";
import { reportReads } from "./plan";
import { aiCostReportPage } from "./page";

export type AiCostRow = AiCostTotals & { key: string; margin: bigint };
export type AiCostReport = {
  from: Date;
  to: Date;
  groupBy: AiCostGroup;
  rows: AiCostRow[];
  total: AiCostRow;
  /** Paged (`first` / `after`): whether rows follow this page, and the cursor after its last row. */
  hasNextPage: boolean;
  endCursor: string | null;
};

export async function aiCostReport(
  deps: Deps,
  args: { from: Date; to: Date; groupBy: AiCostGroup; first?: number | null; after?: string | null },
): Promise<AiCostReport> {
  if (args.first != null || args.after != null) return aiCostReportPage(deps, args);
  const cells = await readCells(deps.db, reportReads(args.from, args.to, args.groupBy));
  const byKey = new Map<string, AiCostTotals>();
  for (const { key, totals } of cells) byKey.set(key, addTotals(byKey.get(key) ?? zeroTotals(), totals));
  const rows = [...byKey].map(([key, totals]) => costRow(key, totals));
  rows.sort(
    args.groupBy === "DAY"
      ? (a, b) => a.key.localeCompare(b.key)
      : (a, b) => (a.billed === b.billed ? a.key.localeCompare(b.key) : a.billed > b.billed ? -1 : 1),
  );
  const total = rows.reduce((sum, r) => addTotals(sum, r), zeroTotals());
  const { from, to, groupBy } = args;
  return { from, to, groupBy, rows, total: costRow("TOTAL", total), hasNextPage: false, endCursor: null };
}

export const costRow = (key: string, totals: AiCostTotals): AiCostRow => ({
  key,
  ...totals,
  margin: totals.billed - totals.providerCost,
});
