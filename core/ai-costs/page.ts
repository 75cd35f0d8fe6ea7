/**
 * `aiCostReport` a page at a time (`first` / `after`): for a report of many rows (by CUSTOMER, one
 * row per customer with AI calls), a page costs `first` + 1 cells from each partition the range
 * reads, not the whole partition. Rows of a page come in key order (customer id, model id, feature
 * code or day, ascending): the order the cells are stored in, so a cursor (the last row's key)
 * resumes exactly where the page ended whatever the rollups add meanwhile. A row's sums are
 * complete (db/ai-cost-rollups.ts `readCellsAfter`). The page's `total` is the whole range's, read
 * from the MODEL cells, which hold the same events (each event's cells are written in one
 * transaction: core/db/rollups.ts) in a handful of rows.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { readCells, readCellsAfter } from "../db/ai-cost-rollups";
import { parseInput } from "../validation";
import * as z from "../zod";
import { addTotals, zeroTotals, type AiCostGroup, type AiCostTotals } from "./rollup";
import { reportReads } from "./plan";
import { costRow, type AiCostReport } from "./report";

/** A page when `first` is not given but `after` is. */
export const DEFAULT_PAGE = 50;

const PageSchema = z.object({
  first: z.int().check(z.gte(1, "must be 1 to 100"), z.lte(100, "must be 1 to 100")),
  after: z.nullish(z.string()),
});

export async function aiCostReportPage(
  deps: Deps,
  args: { from: Date; to: Date; groupBy: AiCostGroup; first?: number | null; after?: string | null },
): Promise<AiCostReport> {
  const { first, after } = parseInput(PageSchema, { first: args.first ?? DEFAULT_PAGE, after: args.after }, "");
  const reads = reportReads(args.from, args.to, args.groupBy);
  const afterKey = after ? keyOfCursor(after, args.groupBy) : undefined;
  const [cells, models] = await Promise.all([
    readCellsAfter(deps.db, reads, afterKey, first + 1),
    readCells(deps.db, reportReads(args.from, args.to, "MODEL")),
  ]);
  const byKey = new Map<string, AiCostTotals>();
  for (const { key, totals } of cells) byKey.set(key, addTotals(byKey.get(key) ?? zeroTotals(), totals));
  const keys = [...byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rows = keys.slice(0, first).map((key) => costRow(key, byKey.get(key)!));
  const hasNextPage = keys.length > first;
  const total = models.reduce((sum, cell) => addTotals(sum, cell.totals), zeroTotals());
  return {
    from: args.from,
    to: args.to,
    groupBy: args.groupBy,
    rows,
    total: costRow("TOTAL", total),
    hasNextPage,
    endCursor: rows.length ? cursorOf(args.groupBy, rows.at(-1)!.key) : (after ?? null),
  };
}

/** Opaque to clients: base64url of [grouping, last row's key]. */
const cursorOf = (groupBy: AiCostGroup, key: string) =>
  Buffer.from(JSON.stringify([groupBy, key])).toString("base64url");

function keyOfCursor(cursor: string, groupBy: AiCostGroup): string {
  const refused = new DomainError("BAD_USER_INPUT", "after is not a cursor of this report (its grouping)");
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(value) || value.length !== 2 || value[0] !== groupBy || typeof value[1] !== "string")
      throw refused;
    return value[1];
  } catch {
    throw refused;
  }
}
