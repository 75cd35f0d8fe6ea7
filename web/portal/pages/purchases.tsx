/**
 * What the customer can do: buy a credit pack, top up, pay a purchase in test mode, cancel at
 * period end or keep the subscription (or keep the plan when a change is scheduled; changing plan
 * is change-plan.tsx). A purchase keeps one idempotency key from the click until
 * the API has answered it (and its button is disabled meanwhile), so a double click, or a retry
 * after a lost answer, asks for the same purchase and issues one invoice.
 */
import { useState } from "preact/hooks";
import { money, quantity } from "../../shared/decimal";
import { Button, Field, Input, Notice } from "../../shared/ui";
import { newKey, portalGql } from "../api";
import type { Session } from "../app";
import type { Pack, PortalInvoice } from "./home";

const INVOICE = "id number total currency";
type Issued = { id: string; number: string; total: string; currency: string };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A purchase: its key lives until an answer arrives, so repeats of one intent are one purchase. */
function usePurchase<T>(send: (key: string) => Promise<T>, onDone: (result: T) => void) {
  const [key, setKey] = useState(newKey);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async () => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await send(key);
      setKey(newKey());
      onDone(result);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error };
}

export function BuyPack(props: { customerId: string; packs: Pack[]; onDone: () => void }) {
  const [issued, setIssued] = useState<Issued>();
  if (!props.packs.length) return <p class="hint">No credit packs are on sale.</p>;
  return (
    <div class="buy">
      <h3>Buy credits</h3>
      <ul class="packs">
        {props.packs.map((pack) => (
          <li key={pack.code}>
            <PackButton
              customerId={props.customerId}
              pack={pack}
              onDone={(invoice) => {
                setIssued(invoice);
                props.onDone();
              }}
            />
          </li>
        ))}
      </ul>
      {issued && <IssuedNotice invoice={issued} what="credits" />}
    </div>
  );
}

function PackButton(props: { customerId: string; pack: Pack; onDone: (invoice: Issued) => void }) {
  const { pack } = props;
  const purchase = usePurchase(
    async (key) =>
      (
        await portalGql<{ requestCreditPackPurchase: Issued }>(
          `mutation Buy($c: ID!, $p: ID!, $k: ID!) { requestCreditPackPurchase(customerId: $c, packCode: $p, idempotencyKey: $k) { ${INVOICE} } }`,
          { c: props.customerId, p: pack.code, k: key },
        )
      ).requestCreditPackPurchase,
    props.onDone,
  );
  return (
    <>
      <Button variant="primary" busy={purchase.busy} onClick={purchase.run}>
        Buy {quantity(pack.credits)} credits for {money(pack.price, pack.currency)}
      </Button>
      {purchase.error && <Notice kind="error">{purchase.error}</Notice>}
    </>
  );
}

export function TopUp(props: { customerId: string; currency: string; onDone: () => void }) {
  const [amount, setAmount] = useState("");
  const [issued, setIssued] = useState<Issued>();
  const purchase = usePurchase(
    async (key) =>
      (
        await portalGql<{ requestTopUp: Issued }>(
          `mutation TopUp($c: ID!, $a: Money!, $k: ID!) { requestTopUp(customerId: $c, amount: $a, idempotencyKey: $k) { ${INVOICE} } }`,
          { c: props.customerId, a: amount.trim(), k: key },
        )
      ).requestTopUp,
    (invoice) => {
      setIssued(invoice);
      setAmount("");
      props.onDone();
    },
  );
  return (
    <form
      class="buy"
      onSubmit={(event) => {
        event.preventDefault();
        void purchase.run();
      }}
    >
      <h3>Top up</h3>
      <Field
        label={`Amount (${props.currency})`}
        name="amount"
        hint={`From 5 to 10,000 ${props.currency}. Top-ups never expire.`}
        error={purchase.error}
      >
        {(attributes) => (
          <Input {...attributes} inputMode="decimal" autoComplete="off" value={amount} onValue={setAmount} required />
        )}
      </Field>
      <Button type="submit" variant="primary" busy={purchase.busy}>
        Top up
      </Button>
      {issued && <IssuedNotice invoice={issued} what="funds" />}
    </form>
  );
}

function IssuedNotice({ invoice, what }: { invoice: Issued; what: string }) {
  return (
    <Notice kind="success">
      Invoice {invoice.number} for {money(invoice.total, invoice.currency)} was created. The {what} arrive once it is
      paid.
    </Notice>
  );
}

/** Purchases issued and not paid yet: in test mode the customer can pay them here; otherwise they wait for payment. */
export function AwaitingPayment(props: { invoices: PortalInvoice[]; session: Session; onDone: () => void }) {
  return (
    <ul class="awaiting">
      {props.invoices.map((invoice) => (
        <li key={invoice.id}>
          <p>
            <strong>{invoice.number}</strong> {invoice.lines.map((l) => l.description).join(", ")}:{" "}
            {money(invoice.total, invoice.currency)} awaits payment.
          </p>
          {props.session.testMode ? (
            <PayInTestMode invoice={invoice} onDone={props.onDone} />
          ) : props.session.returnUrl ? (
            <p>
              <a href={props.session.returnUrl}>Complete the payment in the app</a>
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function PayInTestMode(props: { invoice: PortalInvoice; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <>
      <Button
        busy={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await portalGql(`mutation Pay($i: ID!) { markInvoicePaid(id: $i) { id status } }`, { i: props.invoice.id });
            props.onDone();
          } catch (e) {
            setError(message(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        Pay {props.invoice.number} (test mode)
      </Button>
      {error && <Notice kind="error">{error}</Notice>}
    </>
  );
}

export function SubscriptionActions(props: {
  customerId: string;
  planCode: string;
  planName: string;
  canceling: boolean;
  /** A change to another plan is scheduled for the period end: it can be undone by keeping this one. */
  changing: boolean;
  onDone: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async (query: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await portalGql(query, { c: props.customerId, p: props.planCode });
      setConfirming(false);
      props.onDone();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const keep = (label: string) => (
    <Button
      variant="primary"
      busy={busy}
      onClick={() =>
        act(
          `mutation Keep($c: ID!, $p: ID!) { changePlan(customerId: $c, planCode: $p, timing: PERIOD_END) { status } }`,
        )
      }
    >
      {label}
    </Button>
  );
  return (
    <div class="actions">
      {props.canceling ? (
        keep("Keep my subscription")
      ) : confirming ? (
        <>
          <Button
            variant="danger"
            busy={busy}
            onClick={() =>
              act(`mutation Cancel($c: ID!) { cancelSubscription(customerId: $c, timing: PERIOD_END) { status } }`)
            }
          >
            Yes, cancel at period end
          </Button>
          <Button onClick={() => setConfirming(false)}>No, keep it</Button>
        </>
      ) : (
        <>
          {props.changing && keep(`Keep ${props.planName}`)}
          <Button onClick={() => setConfirming(true)}>Cancel subscription</Button>
        </>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </div>
  );
}
