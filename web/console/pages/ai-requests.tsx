/**
 * The AI costs view's per-request list: one customer's calls over the report's range, newest
 * recorded first, each with its model, tokens, cost, provider cost and margin, a page at a time.
 *
 * Per customer on purpose: a list of every request across customers would need an index that every
 * track writes to (a shared hot partition and more write units on the usage path), which the
 * rollups exist to avoid. The report grouped by customer opens a customer's requests in one click.
 */
import { useState } from "preact/hooks";
import { useQuery } from "../../shared/use-query";
import { Button, Field, Input, Link, Loading, Notice, Section } from "../../shared/ui";
import { Pager, usePager } from "../../shared/ui/pager";
import { paths } from "../paths";
import { EVENT_FIELDS, EventsTable, type UsageEventRow } from "./events-table";

const REQUESTS = `query AiRequests($id: ID!, $feature: ID, $from: DateTime, $to: DateTime, $after: String) {
  customer(id: $id) {
    id
    subscription { plan { currency } }
    events(first: 25, after: $after, feature: $feature, from: $from, to: $to) {
      edges { node { ${EVENT_FIELDS} } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

type Data = {
  customer: {
    id: string;
    subscription: { plan: { currency: string } } | null;
    events: { edges: { node: UsageEventRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  } | null;
};

export type RequestsShown = { customer: string; feature: string };

/**
 * `range` is the report's [from, to) as DateTimes; `shown` is set by this form or by a row of the
 * report by customer (the page keys this component by it, so the fields show what is listed).
 */
export function AiRequests(props: {
  range: { from: string; to: string };
  shown: RequestsShown;
  onShow: (shown: RequestsShown) => void;
}) {
  const [typed, setTyped] = useState(props.shown.customer);
  const [feature, setFeature] = useState(props.shown.feature);
  return (
    <Section title="Requests">
      <form
        class="inline-form"
        aria-label="Requests of a customer"
        onSubmit={(event) => {
          event.preventDefault();
          props.onShow({ customer: typed.trim(), feature: feature.trim() });
        }}
      >
        <Field label="Customer id" name="requestsCustomer">
          {(a) => <Input {...a} value={typed} onValue={setTyped} />}
        </Field>
        <Field label="Feature (optional)" name="requestsFeature">
          {(a) => <Input {...a} value={feature} onValue={setFeature} />}
        </Field>
        <Button type="submit">Show requests</Button>
      </form>
      {props.shown.customer ? (
        <RequestList id={props.shown.customer} feature={props.shown.feature} range={props.range} />
      ) : (
        <p class="empty">
          Each call with its model, tokens, cost and margin: pick a customer (or a row of the report by customer).
        </p>
      )}
    </Section>
  );
}

function RequestList(props: { id: string; feature: string; range: { from: string; to: string } }) {
  const pager = usePager(JSON.stringify(props));
  const { data, error, loading } = useQuery<Data>(REQUESTS, {
    id: props.id,
    feature: props.feature || null,
    ...props.range,
    after: pager.after,
  });
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const customer = data?.customer;
  if (!customer) return <Notice kind="error">No customer has the id {props.id}.</Notice>;
  return (
    <>
      <p>
        Requests of <Link href={paths.customer(customer.id)}>{customer.id}</Link> in this range, newest first.
      </p>
      <EventsTable
        caption={`Requests of ${customer.id}, newest first`}
        events={customer.events.edges.map((e) => e.node)}
        currency={customer.subscription?.plan.currency ?? "USD"}
        empty="No requests in this range."
      />
      <Pager pager={pager} pageInfo={customer.events.pageInfo} label="Requests" />
    </>
  );
}
