/** The AI costs view: `aiCostReport` (core/ai-costs/report.ts). */
import { aiCostReport, type AiCostReport, type AiCostRow } from "../core/ai-costs/report";
import { AI_COST_GROUPS } from "../core/ai-costs/rollup";
import { SCALE } from "../core/money";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { PageInfoRef } from "./page-info";

const AiCostGroupEnum = builder.enumType("AiCostGroup", { values: AI_COST_GROUPS });

/** Calls and tokens are whole numbers; Decimal carries quantities in ledger units. */
const count = (value: bigint) => value * SCALE;

const AiCostRowRef = builder.objectRef<AiCostRow>("AiCostRow").implement({
  fields: (t) => ({
    key: t.exposeString("key", {
      description: "The model id, customer id, feature code or UTC day (YYYY-MM-DD), by the grouping asked.",
    }),
    calls: t.field({ type: "Decimal", resolve: (r) => count(r.calls) }),
    inputTokens: t.field({ type: "Decimal", resolve: (r) => count(r.inputTokens) }),
    outputTokens: t.field({ type: "Decimal", resolve: (r) => count(r.outputTokens) }),
    cacheReadTokens: t.field({ type: "Decimal", resolve: (r) => count(r.cacheReadTokens) }),
    cacheWriteTokens: t.field({ type: "Decimal", resolve: (r) => count(r.cacheWriteTokens) }),
    providerCost: t.field({
      type: "Money",
      description: "What the providers charge for these calls, at the catalog prices recorded on each event.",
      resolve: (r) => r.providerCost,
    }),
    billed: t.field({
      type: "Money",
      description: "What the customers were charged for them.",
      resolve: (r) => r.billed,
    }),
    margin: t.field({ type: "Money", description: "billed - providerCost", resolve: (r) => r.margin }),
  }),
});

const AiCostReportRef = builder.objectRef<AiCostReport>("AiCostReport").implement({
  fields: (t) => ({
    from: t.field({ type: "DateTime", resolve: (r) => r.from }),
    to: t.field({ type: "DateTime", resolve: (r) => r.to }),
    groupBy: t.field({ type: AiCostGroupEnum, resolve: (r) => r.groupBy }),
    rows: t.field({ type: [AiCostRowRef], resolve: (r) => r.rows }),
    total: t.field({
      type: AiCostRowRef,
      description: "The whole range's total (with first / after too: not only this page's rows).",
      resolve: (r) => r.total,
    }),
    pageInfo: t.field({
      type: PageInfoRef,
      description:
        "With first / after: whether rows follow this page, and the cursor to pass as after. Without: no next page.",
      resolve: (r) => r,
    }),
  }),
});

builder.queryField("aiCostReport", (t) =>
  t.field({
    type: AiCostReportRef,
    description:
      "AI usage by model, customer, feature or day over [from, to): provider cost, billed, margin. from and to are UTC day boundaries, at most 400 days apart. Read from rollups that follow the usage events within seconds (the table's stream).",
    authScopes: adminOnly,
    args: {
      from: t.arg({ type: "DateTime", required: true }),
      to: t.arg({ type: "DateTime", required: true }),
      groupBy: t.arg({ type: AiCostGroupEnum, defaultValue: "MODEL" }),
      first: t.arg.int({
        description:
          "A page of 1 to 100 rows in key order (customer id, model id, feature code or day, ascending) instead of the whole report; with after alone, 50.",
      }),
      after: t.arg.string({ description: "The endCursor of the page before." }),
    },
    resolve: (_, a, { deps }) =>
      aiCostReport(deps, { from: a.from, to: a.to, groupBy: a.groupBy ?? "MODEL", first: a.first, after: a.after }),
  }),
);
