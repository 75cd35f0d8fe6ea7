/** Invoices across customers, newest first: filtered by status, customer and creation dates; a page at a time. */
import { useState } from "preact/hooks";
import { money } from "../../shared/decimal";
import { useLocation } from "../../shared/router";
import { date } from "../../shared/time";
import { useQuery } from "../../shared/use-query";
import { Button, Field, Input, Link, Loading, Notice, Section, Select, Table } from "../../shared/ui";
import { Pager, usePager } from "../../shared/ui/pager";
import { paths } from "../paths";
import { InvoiceStatusBadge } from "../../shared/invoice";

const LIST = `query Invoices($status: InvoiceStatus, $customer: ID, $from: DateTime, $to: DateTime, $after: String) {
  invoices(status: $status, customerId: $customer, from: $from, to: $to, first: 25, after: $after) {
    edges { node { id number customerId status total currency createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Row = {
  id: string;
  number: string;
  customerId: string;
  status: string;
  total: string;
  currency: string;
  createdAt: string;
};
type Filters = { status: string; customer: string; from: string; to: string };

export function InvoicesPage() {
  const { query } = useLocation();
  const initial = { status: query.get("status") ?? "", customer: "", from: "", to: "" };
  const [form, setForm] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const pager = usePager(JSON.stringify(filters));
  const { data, error, loading } = useQuery<{
    invoices: { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  }>(LIST, {
    status: filters.status || null,
    customer: filters.customer || null,
    from: filters.from ? `${filters.from}T00:00:00Z` : null,
    to: filters.to ? `${filters.to}T00:00:00Z` : null,
    after: pager.after,
  });
  const set = (name: keyof Filters) => (value: string) => setForm({ ...form, [name]: value });
  return (
    <>
      <h1>Invoices</h1>
      <Section title="All invoices">
        <form
          class="inline-form"
          aria-label="Filter invoices"
          onSubmit={(event) => {
            event.preventDefault();
            setFilters({ ...form, customer: form.customer.trim() });
          }}
        >
          <Field label="Status" name="status">
            {(a) => (
              <Select
                {...a}
                value={form.status}
                onValue={set("status")}
                options={[{ value: "", label: "Any status" }, "OPEN", "PAID", "VOID"]}
              />
            )}
          </Field>
          <Field label="Customer id" name="customer">
            {(a) => <Input {...a} value={form.customer} onValue={set("customer")} />}
          </Field>
          <Field label="From (UTC day)" name="from">
            {(a) => <Input {...a} type="date" value={form.from} onValue={set("from")} />}
          </Field>
          <Field label="Before (UTC day)" name="to">
            {(a) => <Input {...a} type="date" value={form.to} onValue={set("to")} />}
          </Field>
          <Button type="submit">Filter</Button>
        </form>
        {error && <Notice kind="error">{error.message}</Notice>}
        {loading && !data && <Loading />}
        {data && (
          <>
            <Table
              caption="Invoices, newest first"
              rowKey={(i) => i.id}
              rows={data.invoices.edges.map((e) => e.node)}
              empty="No invoice matches on this page."
              columns={[
                { title: "Number", render: (i) => <Link href={paths.invoice(i.id)}>{i.number}</Link> },
                { title: "Customer", render: (i) => <Link href={paths.customer(i.customerId)}>{i.customerId}</Link> },
                { title: "Date", render: (i) => date(i.createdAt) },
                { title: "Status", render: (i) => <InvoiceStatusBadge status={i.status} /> },
                { title: "Total", numeric: true, render: (i) => money(i.total, i.currency) },
              ]}
            />
            <Pager pager={pager} pageInfo={data.invoices.pageInfo} label="Invoice list" />
          </>
        )}
      </Section>
    </>
  );
}
