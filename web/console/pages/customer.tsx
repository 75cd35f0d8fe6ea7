/**
 * One customer: the subscription and its period (days left), usage per feature with progress
 * bars, credits (plan vs purchased) and balance, recent events with their model, tokens, cost and
 * margin (events-table.tsx), and invoices; the actions are in customer-actions.tsx. Every amount
 * is the API's exact decimal text.
 */
import { isRunning } from "../../shared/subscription";
import { money, quantity, signOf } from "../../shared/decimal";
import { date, daysLeft } from "../../shared/time";
import { DateRange } from "../../shared/dates";
import { useQuery } from "../../shared/use-query";
import { Badge, Facts, Link, Loading, Notice, Progress, Section, Table } from "../../shared/ui";
import { paths } from "../paths";
import { CustomerActions } from "./customer-actions";
import { EVENT_FIELDS, EventsTable, type UsageEventRow } from "./events-table";
import { InvoiceStatusBadge } from "../../shared/invoice";

export const CUSTOMER_QUERY = `query Customer($id: ID!) {
  now
  customer(id: $id) {
    id name email accountCredit
    subscription {
      status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd
      plan { code name model currency basePrice interval includedCredits }
      scheduledPlan { code name }
    }
    usage { feature { code name unit kind } used included overage cost credits }
    wallet { credits planCredits planCreditsGranted grantedCredits purchasedCredits balance allowance allowanceGranted topUps spent overage }
    events(first: 25) {
      edges { node { ${EVENT_FIELDS} } }
    }
    invoices(first: 25) { id number status total currency createdAt }
  }
  plans { code name model currency basePrice interval }
  creditPacks { code name credits price currency }
}`;

export type Plan = { code: string; name: string; model: string; currency: string; basePrice: string; interval: string };
type Usage = {
  feature: { code: string; name: string; unit: string | null; kind: string };
  used: string;
  included: string | null;
  overage: string | null;
  cost: string | null;
  credits: string | null;
};
type Wallet = Record<
  | "credits"
  | "planCredits"
  | "planCreditsGranted"
  | "grantedCredits"
  | "purchasedCredits"
  | "balance"
  | "allowance"
  | "allowanceGranted"
  | "topUps"
  | "spent"
  | "overage",
  string | null
>;
export type CustomerData = {
  now: string;
  customer: {
    id: string;
    name: string | null;
    email: string | null;
    accountCredit: string;
    subscription: {
      status: string;
      currentPeriodStart: string;
      currentPeriodEnd: string;
      cancelAtPeriodEnd: boolean;
      plan: Plan & { includedCredits: string | null };
      scheduledPlan: { code: string; name: string } | null;
    } | null;
    usage: Usage[];
    wallet: Wallet;
    events: { edges: { node: UsageEventRow }[] };
    invoices: { id: string; number: string; status: string; total: string; currency: string; createdAt: string }[];
  } | null;
  plans: Plan[];
  creditPacks: { code: string; name: string; credits: string; price: string; currency: string }[];
};

export function CustomerPage({ id }: { id: string }) {
  const { data, error, loading, reload } = useQuery<CustomerData>(CUSTOMER_QUERY, { id });
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const customer = data?.customer;
  if (!data || !customer)
    return (
      <>
        <h1>Customer not found</h1>
        <p>
          No customer has the id <code>{id}</code>. <Link href={paths.customers()}>Back to the customers</Link>
        </p>
      </>
    );
  const currency = customer.subscription?.plan.currency ?? "USD";
  return (
    <>
      <div class="page-head">
        <h1>{customer.name ?? customer.id}</h1>
        <p>
          <code>{customer.id}</code>
          {customer.email ? ` · ${customer.email}` : ""}
        </p>
      </div>
      <SubscriptionCard data={data} />
      <CustomerActions data={data} onChange={reload} />
      <div class="grid">
        <WalletCard wallet={customer.wallet} currency={currency} accountCredit={customer.accountCredit} />
      </div>
      <UsageCard usage={customer.usage} currency={currency} />
      <EventsCard events={customer.events.edges.map((e) => e.node)} currency={currency} />
      <Section title="Invoices">
        <Table
          caption="Invoices, newest first"
          rowKey={(i) => i.id}
          rows={customer.invoices}
          empty="No invoices yet."
          columns={[
            { title: "Number", render: (i) => <Link href={paths.invoice(i.id)}>{i.number}</Link> },
            { title: "Date", render: (i) => date(i.createdAt) },
            { title: "Status", render: (i) => <InvoiceStatusBadge status={i.status} /> },
            { title: "Total", numeric: true, render: (i) => money(i.total, i.currency) },
          ]}
        />
      </Section>
    </>
  );
}

function SubscriptionCard({ data }: { data: CustomerData }) {
  const sub = data.customer!.subscription;
  if (!sub)
    return (
      <Section title="Subscription">
        <p class="empty">No subscription.</p>
      </Section>
    );
  const left = daysLeft(data.now, sub.currentPeriodEnd);
  return (
    <Section title="Subscription" actions={<Badge tone={isRunning(sub) ? "good" : "neutral"}>{sub.status}</Badge>}>
      <Facts
        items={[
          ["Plan", `${sub.plan.name} (${sub.plan.code})`],
          ["Model", sub.plan.model],
          ["Base price", `${money(sub.plan.basePrice, sub.plan.currency)} / ${sub.plan.interval.toLowerCase()}`],
          ["Period", <DateRange from={sub.currentPeriodStart} to={sub.currentPeriodEnd} />],
          ["Days left", isRunning(sub) ? `${left} ${left === 1 ? "day" : "days"}` : "—"],
          [
            "At period end",
            sub.cancelAtPeriodEnd ? "cancels" : sub.scheduledPlan ? `switches to ${sub.scheduledPlan.name}` : "renews",
          ],
        ]}
      />
    </Section>
  );
}

function WalletCard(props: { wallet: Wallet; currency: string; accountCredit: string }) {
  const w = props.wallet;
  const c = props.currency;
  const items: [string, string][] = [];
  if (w.credits !== null) items.push(["Credits left", quantity(w.credits)]);
  if (w.planCredits !== null)
    items.push(["Plan credits (reset each period)", `${quantity(w.planCredits)} of ${quantity(w.planCreditsGranted)}`]);
  if (w.grantedCredits !== null && signOf(w.grantedCredits) !== 0)
    items.push(["Granted credits (free)", quantity(w.grantedCredits)]);
  if (w.purchasedCredits !== null) items.push(["Purchased credits (never expire)", quantity(w.purchasedCredits)]);
  if (w.balance !== null) items.push(["Balance", money(w.balance, c)]);
  if (w.allowance !== null)
    items.push(["Allowance left", `${money(w.allowance, c)} of ${money(w.allowanceGranted, c)}`]);
  if (w.topUps !== null) items.push(["Top-ups left", money(w.topUps, c)]);
  if (w.spent !== null) items.push(["Spent this period", money(w.spent, c)]);
  if (w.overage !== null) items.push(["Overage", money(w.overage, c)]);
  if (signOf(props.accountCredit) !== 0) items.push(["Account credit", money(props.accountCredit, c)]);
  return (
    <Section title="Credits and balance">
      {items.length ? <Facts items={items} /> : <p class="empty">Nothing held.</p>}
    </Section>
  );
}

function UsageCard({ usage, currency }: { usage: Usage[]; currency: string }) {
  return (
    <Section title="Usage this period">
      <Table
        caption="Usage per feature this period"
        rowKey={(u) => u.feature.code}
        rows={usage}
        empty="No metered features."
        columns={[
          { title: "Feature", render: (u) => u.feature.name },
          {
            title: "Used",
            numeric: true,
            render: (u) => `${quantity(u.used)}${u.feature.unit ? ` ${u.feature.unit}` : ""}`,
          },
          { title: "Included", numeric: true, render: (u) => quantity(u.included) },
          {
            title: "Progress",
            render: (u) =>
              u.included !== null ? (
                <Progress
                  label={`${u.feature.name} used of included`}
                  used={u.used}
                  included={u.included}
                  unit={u.feature.unit ?? ""}
                />
              ) : (
                "—"
              ),
          },
          { title: "Overage", numeric: true, render: (u) => quantity(u.overage) },
          { title: "Credits", numeric: true, render: (u) => quantity(u.credits) },
          { title: "Cost", numeric: true, render: (u) => (u.cost === null ? "—" : money(u.cost, currency)) },
        ]}
      />
    </Section>
  );
}

function EventsCard({ events, currency }: { events: UsageEventRow[]; currency: string }) {
  return (
    <Section title="Recent events">
      <EventsTable
        caption="Recent usage events, newest first"
        events={events}
        currency={currency}
        empty="No usage yet."
      />
    </Section>
  );
}
