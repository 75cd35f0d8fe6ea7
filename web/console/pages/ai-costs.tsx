/**
 * AI costs: calls, tokens, provider cost, billed and margin over a chosen range of UTC days,
 * grouped by model, customer, feature or day, with the total; below it the per-request list of a
 * customer over the same range (ai-requests.tsx), opened from a row of the report by customer.
 */
import { useState } from "preact/hooks";
import { money, quantity } from "../../shared/decimal";
import { useQuery } from "../../shared/use-query";
import { Button, Field, Input, Link, Loading, Notice, Section, Select, Table } from "../../shared/ui";
import { paths } from "../paths";
import { AiRequests, type RequestsShown } from "./ai-requests";

const REPORT = `query AiCosts($from: DateTime!, $to: DateTime!, $group: AiCostGroup) {
  aiCostReport(from: $from, to: $to, groupBy: $group) {
    groupBy
    rows { ${fields()} }
    total { ${fields()} }
  }
}`;
function fields() {
  return "key calls inputTokens outputTokens cacheReadTokens cacheWriteTokens providerCost billed margin";
}

type Row = {
  key: string;
  calls: string;
  inputTokens: string;
  outputTokens: string;
  cacheReadTokens: string;
  cacheWriteTokens: string;
  providerCost: string;
  billed: string;
  margin: string;
};

const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The range starts as this month so far, by the deployment's clock (a test clock may be anywhere). */
export function AiCostsPage() {
  const clock = useQuery<{ now: string }>("{ now }");
  if (clock.error) return <Notice kind="error">{clock.error.message}</Notice>;
  if (!clock.data) return <Loading />;
  return <AiCosts today={clock.data.now.slice(0, 10)} />;
}

function AiCosts({ today }: { today: string }) {
  const initial = { from: `${today.slice(0, 7)}-01`, last: today, group: "MODEL" };
  const [form, setForm] = useState(initial);
  const [shown, setShown] = useState(initial);
  const [requests, setRequests] = useState<RequestsShown>({ customer: "", feature: "" });
  const range = { from: `${shown.from}T00:00:00Z`, to: `${dayAfter(shown.last)}T00:00:00Z` };
  const { data, error, loading } = useQuery<{ aiCostReport: { groupBy: string; rows: Row[]; total: Row } }>(REPORT, {
    ...range,
    group: shown.group,
  });
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  // Titled by the report shown (the previous one stays on screen while the next loads).
  const group = data?.aiCostReport.groupBy ?? shown.group;
  const keyTitle = { MODEL: "Model", CUSTOMER: "Customer", FEATURE: "Feature", DAY: "Day" }[group] ?? "Key";
  return (
    <>
      <h1>AI costs</h1>
      <Section title="Report">
        <form
          class="inline-form"
          aria-label="AI cost report range"
          onSubmit={(event) => {
            event.preventDefault();
            setShown(form);
          }}
        >
          <Field label="From (UTC day)" name="aiFrom">
            {(a) => <Input {...a} type="date" value={form.from} onValue={set("from")} />}
          </Field>
          <Field label="Through (UTC day)" name="aiLast">
            {(a) => <Input {...a} type="date" value={form.last} onValue={set("last")} />}
          </Field>
          <Field label="Group by" name="aiGroup">
            {(a) => (
              <Select
                {...a}
                value={form.group}
                onValue={set("group")}
                options={[
                  { value: "MODEL", label: "Model" },
                  { value: "CUSTOMER", label: "Customer" },
                  { value: "FEATURE", label: "Feature" },
                  { value: "DAY", label: "Day" },
                ]}
              />
            )}
          </Field>
          <Button type="submit" variant="primary">
            Show report
          </Button>
        </form>
        {error && <Notice kind="error">{error.message}</Notice>}
        {loading && !data && <Loading />}
        {data && (
          <Table
            caption={`AI costs by ${keyTitle.toLowerCase()}`}
            rowKey={(r) => r.key}
            rows={[...data.aiCostReport.rows, data.aiCostReport.total]}
            empty="No AI usage in this range."
            columns={[
              {
                title: keyTitle,
                render: (r) =>
                  r === data.aiCostReport.total ? (
                    <strong>Total</strong>
                  ) : group === "CUSTOMER" ? (
                    <Link href={paths.customer(r.key)}>{r.key}</Link>
                  ) : (
                    r.key
                  ),
              },
              { title: "Calls", numeric: true, render: (r) => quantity(r.calls) },
              { title: "Input tokens", numeric: true, render: (r) => quantity(r.inputTokens) },
              { title: "Output tokens", numeric: true, render: (r) => quantity(r.outputTokens) },
              {
                title: "Cache read / write",
                numeric: true,
                render: (r) => `${quantity(r.cacheReadTokens)} / ${quantity(r.cacheWriteTokens)}`,
              },
              { title: "Provider cost", numeric: true, render: (r) => money(r.providerCost) },
              { title: "Billed", numeric: true, render: (r) => money(r.billed) },
              { title: "Margin", numeric: true, render: (r) => money(r.margin) },
              ...(group === "CUSTOMER"
                ? [
                    {
                      title: "Requests",
                      render: (r: Row) =>
                        r !== data.aiCostReport.total && (
                          <Button
                            onClick={() => setRequests({ customer: r.key, feature: "" })}
                            aria-label={`Requests of ${r.key}`}
                          >
                            Requests
                          </Button>
                        ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Section>
      <AiRequests
        key={`${requests.customer}|${requests.feature}`}
        range={range}
        shown={requests}
        onShow={setRequests}
      />
    </>
  );
}
