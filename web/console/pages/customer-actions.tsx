/**
 * What an operator does to a customer: subscribe, change plan (now or at period end), cancel,
 * top up a balance, record a credit pack purchase; and the actions whose operations arrive later
 * (grant credits, plan change preview, portal link: optional-actions.tsx). Each money-moving form carries an idempotency
 * key made when the form opens, so a double click or a retried request moves money once.
 */
import { isRunning } from "../../shared/subscription";
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { money } from "../../shared/decimal";
import { Button, Field, Input, Notice, Section, Select } from "../../shared/ui";
import type { CustomerData } from "./customer";
import { OptionalActions } from "./optional-actions";
import { type InvoicePreview, PREVIEW_FIELDS, PreviewTable } from "../../shared/invoice-preview";
import { hasOperation } from "../../shared/operations";

type Props = { data: CustomerData; onChange: (done: string) => void };

/**
 * The forms for what the customer's state allows. A success message is kept here, above the
 * forms, so it stays when the form that caused it goes (a subscribe hides the subscribe form).
 */
export function CustomerActions({ data, onChange: reload }: { data: CustomerData; onChange: () => void }) {
  const customer = data.customer!;
  const sub = customer.subscription;
  const active = isRunning(sub);
  const [done, setDone] = useState<string>();
  const onChange = (message: string) => {
    setDone(message);
    reload();
  };
  return (
    <Section title="Actions">
      {done && <Notice kind="success">{done}</Notice>}
      {!active && <Subscribe {...{ data, onChange }} />}
      {active && <ChangePlan {...{ data, onChange }} />}
      {active && sub.plan.model === "BALANCE" && <TopUp {...{ data, onChange }} />}
      {active && sub.plan.model === "CREDITS" && data.creditPacks.length > 0 && <BuyPack {...{ data, onChange }} />}
      <OptionalActions {...{ data, onChange }} />
      {active && !sub.cancelAtPeriodEnd && <Cancel {...{ data, onChange }} />}
    </Section>
  );
}

/** Runs a mutation; on success reports `success` (and the page reloads), on failure keeps the errors by field. */
function useAction(onChange: (done: string) => void, options: { errorsBesideField?: boolean } = {}) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const run = async (query: string, variables: Record<string, unknown>, success: string, variable?: string) => {
    setBusy(true);
    setErrors({});
    try {
      await gql(query, variables);
      onChange(success);
      return true;
    } catch (error) {
      setErrors(fieldErrors(error, variable));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const notices = errors[""] && !options.errorsBesideField && <Notice kind="error">{errors[""]}</Notice>;
  return { errors, busy, run, notices };
}

const newKey = () => `console-${crypto.randomUUID()}`;

function Subscribe({ data, onChange }: Props) {
  const plans = data.plans;
  const [plan, setPlan] = useState(plans[0]?.code ?? "");
  const { busy, run, notices } = useAction(onChange);
  if (!plans.length) return <p class="empty">Create a plan first to subscribe this customer.</p>;
  return (
    <form
      aria-label="Subscribe"
      onSubmit={(e) => {
        e.preventDefault();
        void run(
          `mutation($c: ID!, $p: ID!) { subscribe(customerId: $c, planCode: $p) { status } }`,
          { c: data.customer!.id, p: plan },
          "Subscribed.",
        );
      }}
    >
      <h3>Subscribe</h3>
      {notices}
      <div class="inline-form">
        <Field label="Plan" name="subscribePlan">
          {(a) => (
            <Select
              {...a}
              value={plan}
              onValue={setPlan}
              options={plans.map((p) => ({ value: p.code, label: label(p) }))}
            />
          )}
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Subscribe
        </Button>
      </div>
    </form>
  );
}

const label = (p: CustomerData["plans"][number]) =>
  `${p.name} (${p.code}) · ${p.model} · ${money(p.basePrice, p.currency)} / ${p.interval.toLowerCase()}`;

/**
 * Change plan: pick the plan and when; with previewPlanChange (when the API has it) the first
 * submit shows the exact invoice the change leads to (issued now for IMMEDIATE, the renewal for
 * PERIOD_END), and the second, "Confirm change", makes that same change. Changing the plan or the
 * timing drops the preview.
 */
function ChangePlan({ data, onChange }: Props) {
  const current = data.customer!.subscription!.plan.code;
  const others = data.plans.filter((p) => p.code !== current);
  const [plan, setPlan] = useState(others[0]?.code ?? "");
  const [timing, setTiming] = useState("IMMEDIATE");
  const [preview, setPreview] = useState<InvoicePreview>();
  const [previewError, setPreviewError] = useState<string>();
  const [loadingPreview, setLoadingPreview] = useState(false);
  const { busy, run, notices } = useAction(onChange);
  if (!others.length) return null;
  const previews = hasOperation("previewPlanChange");
  const vars = { c: data.customer!.id, p: plan, t: timing };
  const change = () =>
    run(
      `mutation($c: ID!, $p: ID!, $t: ChangeTiming) { changePlan(customerId: $c, planCode: $p, timing: $t) { status } }`,
      vars,
      timing === "IMMEDIATE" ? "Plan changed." : "Plan change scheduled for the period end.",
    );
  const showPreview = async () => {
    setLoadingPreview(true);
    setPreviewError(undefined);
    try {
      const answer = await gql<{ previewPlanChange: InvoicePreview }>(
        `query($c: ID!, $p: ID!, $t: ChangeTiming) { previewPlanChange(customerId: $c, planCode: $p, timing: $t) { ${PREVIEW_FIELDS} } }`,
        vars,
      );
      setPreview(answer.previewPlanChange);
    } catch (error) {
      setPreviewError(error instanceof Error ? error.message : String(error));
    } finally {
      setLoadingPreview(false);
    }
  };
  const reset = () => {
    setPreview(undefined);
    setPreviewError(undefined);
  };
  return (
    <form
      aria-label="Change plan"
      onSubmit={(e) => {
        e.preventDefault();
        if (previews && !preview) return void showPreview();
        void change().then((ok) => ok && reset());
      }}
    >
      <h3>Change plan</h3>
      {notices}
      {previewError && <Notice kind="error">{previewError}</Notice>}
      <div class="inline-form">
        <Field label="New plan" name="changePlan">
          {(a) => (
            <Select
              {...a}
              value={plan}
              onValue={(v) => {
                setPlan(v);
                reset();
              }}
              options={others.map((p) => ({ value: p.code, label: label(p) }))}
            />
          )}
        </Field>
        <Field label="When" name="changeTiming" hint="Now closes the period with a pro-rata credit.">
          {(a) => (
            <Select
              {...a}
              value={timing}
              onValue={(v) => {
                setTiming(v);
                reset();
              }}
              options={[
                { value: "IMMEDIATE", label: "Now" },
                { value: "PERIOD_END", label: "At the period end" },
              ]}
            />
          )}
        </Field>
        {previews && !preview ? (
          <Button type="submit" busy={loadingPreview}>
            Preview change
          </Button>
        ) : (
          <>
            <Button type="submit" variant="primary" busy={busy}>
              {previews ? "Confirm change" : "Change plan"}
            </Button>
            {preview && <Button onClick={reset}>Back</Button>}
          </>
        )}
      </div>
      {preview && (
        <>
          <p>
            {timing === "IMMEDIATE"
              ? "Invoiced now when the change is made:"
              : "Nothing is invoiced now; the renewal invoice it leads to, as things stand:"}
          </p>
          <PreviewTable
            preview={preview}
            caption={timing === "IMMEDIATE" ? "Invoiced now for the change" : "Renewal invoice after the change"}
          />
        </>
      )}
    </form>
  );
}

function TopUp({ data, onChange }: Props) {
  const currency = data.customer!.subscription!.plan.currency;
  const [amount, setAmount] = useState("");
  const [key, setKey] = useState(newKey);
  const { errors, busy, run, notices } = useAction(onChange, { errorsBesideField: true });
  return (
    <form
      aria-label="Top up"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await run(
          `mutation($c: ID!, $a: Money!, $k: ID!) { topUpBalance(customerId: $c, amount: $a, idempotencyKey: $k) { balance } }`,
          { c: data.customer!.id, a: amount.trim(), k: key },
          `Topped up ${money(amount.trim(), currency)} (recorded as paid).`,
        );
        if (ok) {
          setAmount("");
          setKey(newKey());
        }
      }}
    >
      <h3>Top up the balance</h3>
      {notices}
      <div class="inline-form">
        <Field label={`Amount (${currency})`} name="topUpAmount" error={errors[""]}>
          {(a) => <Input {...a} inputMode="decimal" value={amount} onValue={setAmount} />}
        </Field>
        <Button type="submit" busy={busy}>
          Top up
        </Button>
      </div>
    </form>
  );
}

function BuyPack({ data, onChange }: Props) {
  const packs = data.creditPacks;
  const [pack, setPack] = useState(packs[0]!.code);
  const [key, setKey] = useState(newKey);
  const { busy, run, notices } = useAction(onChange);
  return (
    <form
      aria-label="Credit pack"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await run(
          `mutation($c: ID!, $p: ID!, $k: ID!) { purchaseCreditPack(customerId: $c, packCode: $p, idempotencyKey: $k) { credits } }`,
          { c: data.customer!.id, p: pack, k: key },
          "Credit pack recorded (paid).",
        );
        if (ok) setKey(newKey());
      }}
    >
      <h3>Record a credit pack purchase</h3>
      {notices}
      <div class="inline-form">
        <Field label="Pack" name="pack">
          {(a) => (
            <Select
              {...a}
              value={pack}
              onValue={setPack}
              options={packs.map((p) => ({
                value: p.code,
                label: `${p.name}: ${p.credits} credits for ${money(p.price, p.currency)}`,
              }))}
            />
          )}
        </Field>
        <Button type="submit" busy={busy}>
          Record purchase
        </Button>
      </div>
    </form>
  );
}

function Cancel({ data, onChange }: Props) {
  const [timing, setTiming] = useState("PERIOD_END");
  const [confirming, setConfirming] = useState(false);
  const { busy, run, notices } = useAction(onChange);
  return (
    <form
      aria-label="Cancel subscription"
      onSubmit={(e) => {
        e.preventDefault();
        if (!confirming) return setConfirming(true);
        setConfirming(false);
        void run(
          `mutation($c: ID!, $t: ChangeTiming) { cancelSubscription(customerId: $c, timing: $t) { status } }`,
          { c: data.customer!.id, t: timing },
          timing === "IMMEDIATE" ? "Subscription canceled." : "The subscription will end at the period end.",
        );
      }}
    >
      <h3>Cancel the subscription</h3>
      {notices}
      <div class="inline-form">
        <Field label="When" name="cancelTiming">
          {(a) => (
            <Select
              {...a}
              value={timing}
              onValue={setTiming}
              options={[
                { value: "PERIOD_END", label: "At the period end" },
                { value: "IMMEDIATE", label: "Now (overage so far is invoiced)" },
              ]}
            />
          )}
        </Field>
        <Button type="submit" variant="danger" busy={busy}>
          {confirming ? "Confirm cancel" : "Cancel subscription"}
        </Button>
        {confirming && <Button onClick={() => setConfirming(false)}>Keep it</Button>}
      </div>
    </form>
  );
}
