/**
 * Changing plan in the portal: the other plans of the customer's plan group with the same
 * consumption model and currency (what the API lets a portal token pick: core/portal/operations.ts).
 * A higher rank is an upgrade, made now; anything else a change at the period end. Picking one
 * shows previewPlanChange's exact lines (what is invoiced now, or the renewal invoice it leads to)
 * before the customer confirms; the change is made with the same plan and timing as previewed.
 */
import { useState } from "preact/hooks";
import { money } from "../../shared/decimal";
import { type InvoicePreview, PREVIEW_FIELDS, PreviewTable } from "../../shared/invoice-preview";
import { date } from "../../shared/time";
import { Button, Loading, Notice } from "../../shared/ui";
import { portalGql } from "../api";

export type GroupPlan = {
  code: string;
  name: string;
  model: string;
  currency: string;
  basePrice: string;
  interval: string;
  group: string | null;
  rank: number | null;
  archived: boolean;
};

type Timing = "IMMEDIATE" | "PERIOD_END";

/** The plans a portal token may move to from `current`, cheapest rank first, each with its timing. */
export function groupChoices(current: GroupPlan, plans: GroupPlan[]): { plan: GroupPlan; timing: Timing }[] {
  if (!current.group) return [];
  return plans
    .filter(
      (p) =>
        p.code !== current.code &&
        !p.archived &&
        p.group === current.group &&
        p.model === current.model &&
        p.currency === current.currency,
    )
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))
    .map((plan) => ({ plan, timing: (plan.rank ?? 0) > (current.rank ?? 0) ? "IMMEDIATE" : "PERIOD_END" }));
}

export function ChangePlan(props: {
  customerId: string;
  current: GroupPlan;
  plans: GroupPlan[];
  periodEnd: string;
  scheduledPlanCode: string | null;
  onDone: (message: string) => void;
}) {
  const choices = groupChoices(props.current, props.plans).filter((c) => c.plan.code !== props.scheduledPlanCode);
  const [picked, setPicked] = useState<{ plan: GroupPlan; timing: Timing }>();
  const [preview, setPreview] = useState<InvoicePreview>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!choices.length) return null;
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const pick = (choice: { plan: GroupPlan; timing: Timing }) =>
    run(async () => {
      setPicked(choice);
      setPreview(undefined);
      const answer = await portalGql<{ previewPlanChange: InvoicePreview }>(
        `query Preview($c: ID!, $p: ID!, $t: ChangeTiming) { previewPlanChange(customerId: $c, planCode: $p, timing: $t) { ${PREVIEW_FIELDS} } }`,
        { c: props.customerId, p: choice.plan.code, t: choice.timing },
      );
      setPreview(answer.previewPlanChange);
    });
  const confirm = (choice: { plan: GroupPlan; timing: Timing }) =>
    run(async () => {
      await portalGql(
        `mutation Change($c: ID!, $p: ID!, $t: ChangeTiming) { changePlan(customerId: $c, planCode: $p, timing: $t) { status } }`,
        { c: props.customerId, p: choice.plan.code, t: choice.timing },
      );
      setPicked(undefined);
      setPreview(undefined);
      props.onDone(
        choice.timing === "IMMEDIATE"
          ? `You are now on ${choice.plan.name}.`
          : `Change confirmed: ${choice.plan.name} starts at the end of this period.`,
      );
    });
  const price = (p: GroupPlan) => `${money(p.basePrice, p.currency)} per ${p.interval.toLowerCase()}`;
  return (
    <div class="buy change-plan">
      <h3>Change plan</h3>
      {!picked ? (
        <ul class="plan-choices">
          {choices.map((choice) => (
            <li key={choice.plan.code}>
              <p>
                <strong>{choice.plan.name}</strong> <span>{price(choice.plan)}</span>
              </p>
              <Button busy={busy} onClick={() => pick(choice)}>
                {choice.timing === "IMMEDIATE" ? `Upgrade to ${choice.plan.name}` : `Switch to ${choice.plan.name}`}
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <div class="plan-preview">
          <p>
            {picked.timing === "IMMEDIATE"
              ? `Upgrading to ${picked.plan.name} (${price(picked.plan)}) starts it now. You will be invoiced now:`
              : `${picked.plan.name} (${price(picked.plan)}) starts on ${date(props.periodEnd)}. Nothing is charged now; your invoice then will be:`}
          </p>
          {preview ? (
            <PreviewTable
              preview={preview}
              caption={picked.timing === "IMMEDIATE" ? "Invoiced now for the change" : "Your invoice at the period end"}
            />
          ) : (
            !error && <Loading />
          )}
          <div class="actions">
            <Button variant="primary" busy={busy} disabled={!preview} onClick={() => confirm(picked)}>
              {picked.timing === "IMMEDIATE"
                ? `Confirm upgrade (${money(preview?.total ?? "0", preview?.currency ?? picked.plan.currency)} invoiced now)`
                : `Confirm the change on ${date(props.periodEnd)}`}
            </Button>
            <Button
              onClick={() => {
                setPicked(undefined);
                setPreview(undefined);
                setError(undefined);
              }}
            >
              Back
            </Button>
          </div>
        </div>
      )}
      {error && <Notice kind="error">{error}</Notice>}
    </div>
  );
}
