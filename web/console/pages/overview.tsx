/**
 * Overview of this calendar month (UTC, by the deployment's clock): what was invoiced (by status,
 * per currency), the open invoices waiting for payment, and AI provider cost against what was
 * billed for it. Invoiced totals are summed exactly from the month's invoices (up to 1,000 read).
 */
import { gql } from "../../shared/api";
import { money } from "../../shared/decimal";
import { sumByCurrency } from "../../shared/money-sum";
import { date } from "../../shared/time";
import { DateRange } from "../../shared/dates";
import { useQuery } from "../../shared/use-query";
import { Facts, Link, Loading, Notice, Section, Table } from "../../shared/ui";
import { paths } from "../paths";
import { InvoiceStatusBadge } from "../../shared/invoice";

type Invoice = {
  id: string;
  number: string;
  customerId: string;
  status: string;
  total: string;
  currency: string;
  createdAt: string;
};
type Overview = {
  month: { from: string; to: string };
  invoices: Invoice[];
  open: Invoice[];
  ai: { providerCost: string; billed: string; margin: string; calls: string };
};

const INVOICE_FIELDS = "id number customerId status total currency createdAt";

async function loadOverview(): Promise<Overview> {
  const { now } = await gql<{ now: string }>("{ now }");
  const from = `${now.slice(0, 7)}-01T00:00:00Z`;
  const start = new Date(from);
  const to = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString();
  const invoices: Invoice[] = [];
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const data: {
      invoices: { edges: { node: Invoice }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    } = await gql(
      `query($from: DateTime, $to: DateTime, $a: String) { invoices(from: $from, to: $to, first: 100, after: $a) {
          edges { node { ${INVOICE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`,
      { from, to, a: after },
    );
    invoices.push(...data.invoices.edges.map((e) => e.node));
    if (!data.invoices.pageInfo.hasNextPage) break;
    after = data.invoices.pageInfo.endCursor;
  }
  const rest = await gql<{
    invoices: { edges: { node: Invoice }[] };
    aiCostReport: { total: Overview["ai"] };
  }>(
    `query($from: DateTime!, $to: DateTime!) {
      invoices(status: OPEN, first: 10) { edges { node { ${INVOICE_FIELDS} } } }
      aiCostReport(from: $from, to: $to, groupBy: MODEL) { total { providerCost billed margin calls } }
    }`,
    { from, to },
  );
  return { month: { from, to }, invoices, open: rest.invoices.edges.map((e) => e.node), ai: rest.aiCostReport.total };
}

export function OverviewPage() {
  const { data, error } = useQuery<Overview>("overview", undefined, loadOverview);
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (!data) return <Loading />;
  // Every currency invoiced this month shows in each total, at zero when none is in that status.
  const totals = (status?: string) =>
    sumByCurrency([
      ...data.invoices.map((i) => ({ amount: "0", currency: i.currency })),
      ...data.invoices
        .filter((i) => !status || i.status === status)
        .map((i) => ({ amount: i.total, currency: i.currency })),
    ]);
  const show = (sums: { amount: string; currency: string }[]) =>
    sums.length ? sums.map((s) => money(s.amount, s.currency)).join(" · ") : "none";
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <p>
          <DateRange from={data.month.from} to={new Date(Date.parse(data.month.to) - 86_400_000).toISOString()} /> (UTC)
        </p>
      </div>
      <div class="grid">
        <Section title="Invoiced this month">
          <Facts
            items={[
              ["All invoices", show(totals())],
              ["Paid", show(totals("PAID"))],
              ["Open", show(totals("OPEN"))],
              ["Invoices", String(data.invoices.length)],
            ]}
          />
        </Section>
        <Section title="AI this month">
          <Facts
            items={[
              ["Provider cost", money(data.ai.providerCost)],
              ["Billed", money(data.ai.billed)],
              ["Margin", money(data.ai.margin)],
              ["Calls", data.ai.calls],
            ]}
          />
          <p>
            <Link href={paths.aiCosts()}>AI costs by model, customer, feature or day</Link>
          </p>
        </Section>
      </div>
      <Section title="Open invoices" actions={<Link href={`${paths.invoices()}?status=OPEN`}>All open invoices</Link>}>
        <Table
          caption="Open invoices, newest first"
          rowKey={(i) => i.id}
          rows={data.open}
          empty="No open invoices."
          columns={[
            { title: "Number", render: (i) => <Link href={paths.invoice(i.id)}>{i.number}</Link> },
            { title: "Customer", render: (i) => <Link href={paths.customer(i.customerId)}>{i.customerId}</Link> },
            { title: "Date", render: (i) => date(i.createdAt) },
            { title: "Status", render: (i) => <InvoiceStatusBadge status={i.status} /> },
            { title: "Total", numeric: true, render: (i) => money(i.total, i.currency) },
          ]}
        />
      </Section>
    </>
  );
}
