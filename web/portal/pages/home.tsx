/**
 * The portal's one page: the plan and its period (days left), usage per feature with progress
 * bars, credits (the plan's, which reset at the period's end, and purchased ones, which never
 * expire) or balance (allowance, top-ups, spent), account credit (when there is any), purchases
 * awaiting payment, buying a pack or topping up, cancelling at period end (and undoing it), open
 * reservations, recent usage with its AI model, tokens and cost, and the invoices. Every amount is
 * the API's exact decimal text.
 */
import { isRunning } from "../../shared/subscription";
import { useState } from "preact/hooks";
import { money, quantity, signOf } from "../../shared/decimal";
import { date, dateTime, daysLeft } from "../../shared/time";
import { DateRange, WholeDates } from "../../shared/dates";
import { useQuery } from "../../shared/use-query";
import { InvoiceStatusBadge } from "../../shared/invoice";
import { Facts, Link, Loading, Notice, Progress, Section, Table } from "../../shared/ui";
import { portalGql } from "../api";
import type { Session } from "../app";
import { paths } from "../paths";
import { type InvoicePreview, PREVIEW_FIELDS, PreviewTable } from "../../shared/invoice-preview";
import { ChangePlan, type GroupPlan } from "./change-plan";
import { AwaitingPayment, BuyPack, SubscriptionActions, TopUp } from "./purchases";
import { OpenReservations, RESERVATION_FIELDS, type OpenReservation } from "./reservations";

const QUERY = `query Portal($id: ID!) {
  now
  customer(id: $id) {
    id name accountCredit
    subscription {
      status currentPeriodStart currentPeriodEnd cancelAtPeriodEnd
      plan { code name model currency basePrice interval group rank archived }
      scheduledPlan { code name }
    }
    usage { feature { code name unit kind } used included overage cost credits }
    wallet { credits planCredits planCreditsGranted grantedCredits purchasedCredits balance allowance allowanceGranted topUps spent overage heldCredits heldAmount }
    events(first: 10) { edges { node { idempotencyKey timestamp feature model inputTokens outputTokens cost credits } } }
    invoices(first: 20) { id number status total currency createdAt grantedOnPayment lines { kind description } }
    ${RESERVATION_FIELDS}
  }
  upcomingInvoice(customerId: $id) { ${PREVIEW_FIELDS} }
  plans { code name model currency basePrice interval group rank archived }
  creditPacks { code name credits price currency }
}`;

export type PortalInvoice = {
  id: string;
  number: string;
  status: string;
  total: string;
  currency: string;
  createdAt: string;
  grantedOnPayment: boolean;
  lines: { kind: string; description: string }[];
};
type UsageEvent = {
  idempotencyKey: string;
  timestamp: string;
  feature: string;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cost: string | null;
  credits: string | null;
};
export type Pack = { code: string; name: string; credits: string; price: string; currency: string };
type Data = {
  now: string;
  customer: {
    id: string;
    name: string | null;
    accountCredit: string;
    subscription: {
      status: string;
      currentPeriodStart: string;
      currentPeriodEnd: string;
      cancelAtPeriodEnd: boolean;
      plan: GroupPlan;
      scheduledPlan: { code: string; name: string } | null;
    } | null;
    usage: {
      feature: { code: string; name: string; unit: string | null; kind: string };
      used: string;
      included: string | null;
      overage: string | null;
      cost: string | null;
      credits: string | null;
    }[];
    wallet: Record<string, string | null>;
    events: { edges: { node: UsageEvent }[] };
    invoices: PortalInvoice[];
    reservations: OpenReservation[];
  } | null;
  upcomingInvoice: InvoicePreview | null;
  plans: GroupPlan[];
  creditPacks: Pack[];
};

export function HomePage({ session }: { session: Session }) {
  const { data, error, loading, reload } = useQuery<Data>(QUERY, { id: session.customerId }, (v) =>
    portalGql<Data>(QUERY, v),
  );
  const [done, setDone] = useState<string>();
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const customer = data!.customer!;
  const sub = isRunning(customer.subscription) ? customer.subscription : null;
  const plan = sub?.plan;
  const currency = plan?.currency ?? customer.invoices[0]?.currency ?? "USD";
  const w = customer.wallet;
  const awaiting = customer.invoices.filter((i) => i.grantedOnPayment && i.status === "OPEN");
  return (
    <>
      <h1>{customer.name ?? customer.id}</h1>
      <Section title="Plan">
        {sub && plan ? (
          <>
            <Facts
              items={[
                ["Plan", plan.name],
                ["Price", `${money(plan.basePrice, currency)} per ${plan.interval.toLowerCase()}`],
                ["Current period", <DateRange from={sub.currentPeriodStart} to={sub.currentPeriodEnd} />],
                ["Days left", String(daysLeft(data!.now, sub.currentPeriodEnd))],
              ]}
            />
            {sub.cancelAtPeriodEnd && (
              <Notice kind="info">Your subscription ends on {date(sub.currentPeriodEnd)}.</Notice>
            )}
            {sub.scheduledPlan && (
              <Notice kind="info">
                Your plan changes to {sub.scheduledPlan.name} on {date(sub.currentPeriodEnd)}.
              </Notice>
            )}
            {done && <Notice kind="success">{done}</Notice>}
            <SubscriptionActions
              customerId={customer.id}
              planCode={plan.code}
              planName={plan.name}
              canceling={sub.cancelAtPeriodEnd}
              changing={sub.scheduledPlan !== null}
              onDone={() => {
                setDone(undefined);
                reload();
              }}
            />
            {!sub.cancelAtPeriodEnd && (
              <ChangePlan
                customerId={customer.id}
                current={plan}
                plans={data!.plans}
                periodEnd={sub.currentPeriodEnd}
                scheduledPlanCode={sub.scheduledPlan?.code ?? null}
                onDone={(message) => {
                  setDone(message);
                  reload();
                }}
              />
            )}
          </>
        ) : (
          <p class="empty">You have no active subscription.</p>
        )}
      </Section>

      {sub && customer.usage.length > 0 && (
        <Section title="Usage this period">
          <ul class="usage-list">
            {customer.usage.map((u) => (
              <li key={u.feature.code}>
                <p>
                  <strong>{u.feature.name}</strong>{" "}
                  <span>
                    {quantity(u.used)}
                    {u.included !== null ? ` of ${quantity(u.included)}` : ""} {u.feature.unit ?? ""}
                  </span>
                </p>
                {u.included !== null && (
                  <Progress
                    label={`${u.feature.name} used`}
                    used={u.used}
                    included={u.included}
                    unit={u.feature.unit ?? undefined}
                  />
                )}
              </li>
            ))}
          </ul>
        </Section>
      )}

      {plan?.model === "CREDITS" && (
        <Section title="Credits">
          <p class="stat">
            <span class="visually-hidden">Credits left: </span>
            {quantity(w.credits)} credits left
          </p>
          <Progress
            label="Plan credits left"
            used={w.planCredits ?? "0"}
            included={w.planCreditsGranted ?? "0"}
            unit="credits"
          />
          <Facts
            items={[
              [
                "Plan credits",
                `${quantity(w.planCredits)} of ${quantity(w.planCreditsGranted)}, reset on ${date(sub!.currentPeriodEnd)}`,
              ],
              ["Purchased credits", `${quantity(w.purchasedCredits)}, never expire`],
              ...(w.heldCredits && !zero(w.heldCredits)
                ? ([["Held for work in progress", `${quantity(w.heldCredits)}, see open reservations`]] as [
                    string,
                    string,
                  ][])
                : []),
              ...(w.grantedCredits && signOf(w.grantedCredits) !== 0
                ? ([["Free credits", quantity(w.grantedCredits)]] as [string, string][])
                : []),
            ]}
          />
          <BuyPack
            customerId={customer.id}
            packs={data!.creditPacks.filter((p) => p.currency === currency)}
            onDone={reload}
          />
        </Section>
      )}

      {plan?.model === "BALANCE" && (
        <Section title="Balance">
          <p class="stat">{money(w.balance, currency)}</p>
          <Facts
            items={[
              [
                "Allowance",
                `${money(w.allowance, currency)} of ${money(w.allowanceGranted, currency)}, resets on ${date(sub!.currentPeriodEnd)}`,
              ],
              ["Top-ups", `${money(w.topUps, currency)}, never expire`],
              ["Spent this period", money(w.spent, currency)],
              ...(w.heldAmount && !zero(w.heldAmount)
                ? ([["Held for work in progress", `${money(w.heldAmount, currency)}, see open reservations`]] as [
                    string,
                    string,
                  ][])
                : []),
              ...(w.overage && w.overage !== "0.00"
                ? ([["Billed at period end", money(w.overage, currency)]] as [string, string][])
                : []),
            ]}
          />
          <TopUp customerId={customer.id} currency={currency} onDone={reload} />
        </Section>
      )}

      {plan && plan.model === "METERED" && (
        <Section title="Credits">
          <p class="empty">
            Your plan {plan.name} has no credits or prepaid balance: usage beyond what it includes is billed at the end
            of each period.
          </p>
        </Section>
      )}

      {signOf(customer.accountCredit) !== 0 && (
        <Section title="Account credit">
          <p class="stat">{money(customer.accountCredit, currency)}</p>
          <p class="hint">Taken off your next invoices before they are issued.</p>
        </Section>
      )}

      {customer.reservations.length > 0 && (
        <Section title="Open reservations">
          <OpenReservations rows={customer.reservations} currency={currency} />
        </Section>
      )}

      {data!.upcomingInvoice && sub && (
        <Section title="Upcoming invoice">
          <p>
            At the end of this period, on {date(sub.currentPeriodEnd)}, as things stand now (usage so far and the next
            period's fee):
          </p>
          <PreviewTable preview={data!.upcomingInvoice} caption="Upcoming invoice lines" />
        </Section>
      )}

      {awaiting.length > 0 && (
        <Section title="Awaiting payment">
          <AwaitingPayment invoices={awaiting} session={session} onDone={reload} />
        </Section>
      )}

      <Section title="Recent usage">
        <Table<UsageEvent>
          caption="Recent usage, newest first"
          rows={customer.events.edges.map((e) => e.node)}
          rowKey={(e) => e.idempotencyKey}
          empty="No usage yet."
          columns={[
            { title: "Time", render: (e) => dateTime(e.timestamp), nowrap: true },
            { title: "Feature", render: (e) => e.feature },
            { title: "Model", render: (e) => e.model ?? "—", nowrap: true },
            {
              title: "Tokens in / out",
              numeric: true,
              render: (e) =>
                e.inputTokens === null
                  ? "—"
                  : `${quantity(String(e.inputTokens))} / ${quantity(String(e.outputTokens ?? 0))}`,
            },
            {
              title: "Cost",
              numeric: true,
              render: (e) =>
                e.cost !== null ? money(e.cost, currency) : e.credits !== null ? `${quantity(e.credits)} credits` : "—",
            },
          ]}
        />
      </Section>

      <Section title="Invoices">
        <Table<PortalInvoice>
          caption="Invoices, newest first"
          rows={customer.invoices}
          rowKey={(i) => i.id}
          empty="No invoices yet."
          columns={[
            { title: "Invoice", render: (i) => <Link href={paths.invoice(i.id)}>{i.number}</Link>, nowrap: true },
            { title: "Date", render: (i) => date(i.createdAt), nowrap: true },
            { title: "For", render: (i) => <WholeDates text={i.lines.map((l) => l.description).join(", ")} /> },
            { title: "Status", render: (i) => <InvoiceStatusBadge status={i.status} /> },
            { title: "Total", numeric: true, render: (i) => money(i.total, i.currency) },
          ]}
        />
      </Section>
    </>
  );
}

/** A decimal text that is zero ("0", "0.00"): nothing held. */
const zero = (v: string) => /^0(\.0*)?$/.test(v);
