/**
 * Usage events as a table: time, feature, model, tokens, cost (or credits), provider cost and
 * margin. The customer page's recent events and the AI costs view's per-request list show the
 * same columns. A margin is billed - provider cost, subtracted exactly (bigint), with the rate.
 */
import { grouped, money, quantity, subtract } from "../../shared/decimal";
import { dateTime } from "../../shared/time";
import { Table } from "../../shared/ui";

/** The fields the table reads, for a query's `node { ... }`. */
export const EVENT_FIELDS =
  "idempotencyKey feature timestamp value model resolvedModel inputTokens outputTokens cacheReadTokens cacheWriteTokens cost credits providerCost marginBps";

export type UsageEventRow = {
  idempotencyKey: string;
  feature: string;
  timestamp: string;
  value: string;
  model: string | null;
  resolvedModel: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  cost: string | null;
  credits: string | null;
  providerCost: string | null;
  marginBps: number | null;
};

export function EventsTable(props: { caption: string; events: UsageEventRow[]; currency: string; empty: string }) {
  const currency = props.currency;
  return (
    <Table
      caption={props.caption}
      rowKey={(e) => e.idempotencyKey}
      rows={props.events}
      empty={props.empty}
      columns={[
        { title: "Time", nowrap: true, render: (e) => dateTime(e.timestamp) },
        { title: "Feature", render: (e) => e.feature },
        { title: "Model", nowrap: true, render: (e) => e.resolvedModel ?? e.model ?? "—" },
        {
          title: "Tokens in / out / cache",
          numeric: true,
          render: (e) =>
            e.inputTokens === null && e.outputTokens === null
              ? quantity(e.value)
              : [e.inputTokens, e.outputTokens, (e.cacheReadTokens ?? 0) + (e.cacheWriteTokens ?? 0)]
                  .map((n) => grouped(String(n ?? 0)))
                  .join(" / "),
        },
        {
          title: "Cost",
          numeric: true,
          render: (e) =>
            e.cost !== null ? money(e.cost, currency) : e.credits !== null ? `${quantity(e.credits)} credits` : "—",
        },
        {
          title: "Provider cost",
          numeric: true,
          render: (e) => (e.providerCost === null ? "—" : money(e.providerCost, currency)),
        },
        {
          title: "Margin",
          numeric: true,
          render: (e) => {
            const margin = subtract(e.cost, e.providerCost);
            return margin === undefined
              ? "—"
              : `${money(margin, currency)}${e.marginBps !== null ? ` (${e.marginBps / 100}%)` : ""}`;
          },
        },
      ]}
    />
  );
}
