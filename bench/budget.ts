/**
 * The performance budget (issue 22) as one table, and `npm run bench -- --check`: each line's
 * value from what this run measured, printed as PASS or MISS against its target; the run exits
 * non-zero when a line misses. With `--only <sections>` only the lines those sections measure
 * are checked; in a full run a line nothing measures yet is a MISS ("not measured"), so the check
 * cannot pass by leaving a measurement out.
 */
import { median } from "./lib";
import type { Results } from "./results";

export type BudgetLine = {
  /** The issue's item number. */
  item: number;
  name: string;
  /** "most": the value must be <= target; "least": >= target. */
  at: "most" | "least";
  target: number;
  unit: string;
  /** The `--only` section that measures it (undefined: no bench line measures it yet). */
  section?: string;
  value: (r: Partial<Results>) => number | undefined;
};

export const BUDGET: BudgetLine[] = [
  {
    item: 1,
    name: "server CPU per steady-state trackUsage (median of rounds, c1, audit log on)",
    at: "most",
    target: 0.8,
    unit: "ms",
    section: "cpu",
    value: (r) => r.cpu?.track.medianMs,
  },
  {
    item: 1,
    name: "server CPU per entitlement check (median of rounds, c1)",
    at: "most",
    target: 0.5,
    unit: "ms",
    section: "cpu",
    value: (r) => r.cpu?.entitlement.medianMs,
  },
  {
    item: 2,
    name: "entitlement check c8 vs raw consistent GetItem",
    at: "least",
    target: 0.9,
    unit: "x",
    section: "entitlement",
    value: (r) => r.entitlement?.ratio,
  },
  {
    item: 3,
    name: "trackUsage c1, 1 customer, vs raw TransactWriteItems (median of 3 interleaved pairs)",
    at: "least",
    target: 0.95,
    unit: "x",
    section: "track",
    value: (r) => r.track?.c1Repeats && median(r.track.c1Repeats.ratio),
  },
  {
    item: 3,
    name: "trackUsage c1, 1 customer: p50 latency the API adds over raw (median of 3 pairs)",
    at: "most",
    target: 0.3,
    unit: "ms",
    section: "track",
    value: (r) => r.track?.c1Repeats && median(r.track.c1Repeats.p50Added),
  },
  {
    item: 4,
    name: "trackUsageBatch of 100, c1, vs a raw 100-item TransactWriteItems (events/s)",
    at: "least",
    target: 0.9,
    unit: "x",
    section: "batch",
    value: (r) => r.batch?.ratio.c1,
  },
  {
    item: 4,
    name: "trackUsageBatch of 100, c4 over 4 customers, vs a raw 100-item TransactWriteItems (events/s)",
    at: "least",
    target: 0.9,
    unit: "x",
    section: "batch",
    value: (r) => r.batch?.ratio.c4,
  },
  {
    item: 5,
    name: "write units per single tracked event",
    at: "most",
    target: 4.0,
    unit: "WCU",
    section: "cost",
    value: (r) => r.cost?.single.wcuPerEvent,
  },
  {
    item: 5,
    name: "$ per million single events (DynamoDB + Lambda + API Gateway)",
    at: "most",
    target: 3.8,
    unit: "$",
    section: "cost",
    value: (r) => r.cost?.single.usdPerMillion.total,
  },
  {
    item: 5,
    name: "$ per million batched events (100 per request)",
    at: "most",
    target: 1.3,
    unit: "$",
    section: "cost",
    value: (r) => r.cost?.batched.usdPerMillion.total,
  },
  {
    item: 6,
    name: "first response of a fresh process (spawn -> response, median)",
    at: "most",
    target: 200,
    unit: "ms",
    section: "cold-start",
    value: (r) => r.coldStart?.medianSpawnToResponseMs,
  },
  {
    item: 6,
    name: "GraphQL Lambda bundle: what a cold start loads, minified",
    at: "most",
    target: 0.7,
    unit: "MB",
    section: "cold-start",
    value: (r) => (r.coldStart?.bundles.graphql ? r.coldStart.bundles.graphql.bytes / 1e6 : undefined),
  },
  {
    item: 7,
    name: "100,000 customers: sweeper closes vs raw transaction rate",
    at: "least",
    target: 0.5,
    unit: "x",
    section: "scale",
    value: (r) => r.scale?.closes.ratioToRawTx,
  },
  {
    item: 7,
    // What the sweep keeps, not when V8 collects: RSS growth measured the collector's timing
    // (11.7 to 67.8 MB for the same code), the heap after a full collection does not.
    name: "100,000 customers: sweeper memory flat (heap retained after a full GC, end minus start)",
    at: "most",
    target: 16,
    unit: "MB",
    section: "scale",
    value: (r) => r.scale?.closes.heapRetainedMb,
  },
  {
    item: 7,
    name: "100,000 customers: slowest p99 of a page of customers / invoices / aiCostReport",
    at: "most",
    target: 100,
    unit: "ms",
    section: "scale",
    value: (r) => r.scale && Math.max(...r.scale.pages.map((p) => p.p99)),
  },
  {
    item: 8,
    name: "4 API processes on one table: usage totals exact after the run (1 = exact)",
    at: "least",
    target: 1,
    unit: "",
    section: "processes",
    value: (r) => r.processes && (r.processes.exact ? 1 : 0),
  },
  {
    item: 9,
    name: "reserve + settle pairs vs raw transaction rate, c8, one customer (issue 15)",
    at: "least",
    target: 0.45,
    unit: "x",
    section: "reserve",
    value: (r) => r.reserve?.ratio,
  },
  {
    item: 9,
    name: "operations of this wave with a bench line (share)",
    at: "least",
    target: 1,
    unit: "",
    section: "coverage",
    value: (r) => r.coverage?.covered,
  },
];

export type Verdict = { line: BudgetLine; value: number | undefined; pass: boolean };

/**
 * The budget lines this run decides: in a full run all of them (unmeasured ones miss), with
 * `--only` those of the sections that ran.
 */
export function checkBudget(results: Partial<Results>, sections?: string[]): Verdict[] {
  return BUDGET.filter((line) => !sections || (line.section !== undefined && sections.includes(line.section))).map(
    (line) => {
      const value = line.value(results);
      const pass =
        value !== undefined &&
        Number.isFinite(value) &&
        (line.at === "most" ? value <= line.target : value >= line.target);
      return { line, value, pass };
    },
  );
}

export function renderBudget(verdicts: Verdict[]): string {
  const fmt = (x: number, unit: string) =>
    unit === "$"
      ? `$${x.toFixed(2)}`
      : `${x.toFixed(unit === "ms" && x >= 10 ? 0 : unit === "x" ? 2 : 3)}${unit ? ` ${unit}` : ""}`;
  const rows = verdicts.map(({ line, value, pass }) => [
    pass ? "PASS" : "MISS",
    `${line.item}`,
    line.name,
    value === undefined || !Number.isFinite(value) ? "not measured" : fmt(value, line.unit),
    `${line.at === "most" ? "<=" : ">="} ${fmt(line.target, line.unit)}`,
  ]);
  const widths = [4, 4, ...[2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)))];
  const misses = verdicts.filter((v) => !v.pass).length;
  return [
    "Budget (issue 22):",
    ...rows.map((r) =>
      r
        .map((cell, i) => (i === 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    ),
    verdicts.length === 0
      ? "no budget line is measured by this section"
      : misses
        ? `${misses} of ${verdicts.length} budget lines missed`
        : `all ${verdicts.length} budget lines met`,
  ].join("\n");
}
