/**
 * The create-plan form. It adapts to the consumption model: METERED features take included units,
 * an overage price and an optional hard limit; CREDITS plans take the credits granted per period
 * and each feature's credits per unit; BALANCE features a fixed unit price or AI model pricing
 * with a margin, and the plan may block at zero. BOOLEAN features are on or off in every model.
 * The API validates; each of its errors is shown beside the field it names
 * (`input.features[0].marginBps` -> the first feature's margin).
 */
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { navigate } from "../../shared/router";
import { useQuery } from "../../shared/use-query";
import { Button, Field, Input, Link, Loading, Notice, Select } from "../../shared/ui";
import { paths } from "../paths";
import type { Feature } from "./plans";

type Row = {
  feature: string;
  included: string;
  overagePrice: string;
  limit: string;
  creditsPerUnit: string;
  pricing: string;
  unitPrice: string;
  marginBps: string;
};
const newRow = (feature = ""): Row => ({
  feature,
  included: "",
  overagePrice: "",
  limit: "",
  creditsPerUnit: "",
  pricing: "AI_MODEL",
  unitPrice: "",
  marginBps: "",
});

const CREATE = `mutation CreatePlan($input: CreatePlanInput!) { createPlan(input: $input) { code } }`;

/**
 * The input the API takes: blanks left out, numbers as the decimal text typed (the API parses it
 * exactly). A margin that is not a whole number is sent as typed, so the API's own error names it.
 */
function toInput(plan: Record<string, string | boolean>, rows: Row[], kinds: Map<string, string>) {
  const text = (v: string) => (v.trim() === "" ? undefined : v.trim());
  const model = plan.model as string;
  return {
    code: text(plan.code as string) ?? "",
    name: text(plan.name as string) ?? "",
    model,
    basePrice: text(plan.basePrice as string) ?? "",
    currency: text(plan.currency as string),
    interval: plan.interval,
    ...(model === "CREDITS" ? { includedCredits: text(plan.includedCredits as string) } : {}),
    ...(model === "BALANCE" ? { blockOnExhaustion: plan.blockOnExhaustion } : {}),
    features: rows.map((r) => {
      if (kinds.get(r.feature) === "BOOLEAN") return { feature: r.feature };
      if (model === "METERED")
        return {
          feature: r.feature,
          included: text(r.included),
          overagePrice: text(r.overagePrice),
          limit: text(r.limit),
        };
      if (model === "CREDITS") return { feature: r.feature, creditsPerUnit: text(r.creditsPerUnit) };
      const margin = text(r.marginBps);
      return r.pricing === "FIXED"
        ? { feature: r.feature, pricing: "FIXED", unitPrice: text(r.unitPrice) }
        : {
            feature: r.feature,
            pricing: "AI_MODEL",
            marginBps: margin !== undefined && /^-?\d{1,9}$/.test(margin) ? Number(margin) : margin,
          };
    }),
  };
}

export function NewPlanPage() {
  const { data, error } = useQuery<{ features: Feature[] }>(`{ features { code name kind unit } }`);
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (!data) return <Loading />;
  if (!data.features.length)
    return (
      <>
        <h1>New plan</h1>
        <p>
          A plan prices features: <Link href={paths.plans()}>create a feature first</Link>.
        </p>
      </>
    );
  return <PlanForm features={data.features} />;
}

function PlanForm({ features }: { features: Feature[] }) {
  const kinds = new Map(features.map((f) => [f.code, f.kind]));
  const [plan, setPlan] = useState<Record<string, string | boolean>>({
    code: "",
    name: "",
    model: "METERED",
    basePrice: "",
    currency: "USD",
    interval: "MONTH",
    includedCredits: "",
    blockOnExhaustion: false,
  });
  const [rows, setRows] = useState<Row[]>([newRow(features[0]!.code)]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (name: string) => (value: string | boolean) => setPlan({ ...plan, [name]: value });
  const setRow = (i: number, name: keyof Row) => (value: string) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, [name]: value } : r)));
  const model = plan.model as string;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const { createPlan } = await gql<{ createPlan: { code: string } }>(CREATE, { input: toInput(plan, rows, kinds) });
      navigate(`${paths.plans()}?created=${encodeURIComponent(createPlan.code)}`);
    } catch (error) {
      const found = fieldErrors(error);
      setErrors(found);
      // Move the operator to the first field in error.
      requestAnimationFrame(() => document.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string, label: string, hint?: string, decimal = false) => (
    <Field label={label} name={name} error={errors[name]} hint={hint}>
      {(a) => (
        <Input {...a} inputMode={decimal ? "decimal" : undefined} value={plan[name] as string} onValue={set(name)} />
      )}
    </Field>
  );

  return (
    <>
      <h1>New plan</h1>
      <form onSubmit={submit} noValidate aria-label="New plan">
        {errors[""] && <Notice kind="error">{errors[""]}</Notice>}
        <fieldset>
          <legend>Plan</legend>
          <div class="form-grid">
            {field("code", "Code", "Used by the API, e.g. pro_monthly")}
            {field("name", "Name")}
            <Field label="Consumption model" name="model" error={errors.model} hint={MODEL_HINTS[model]}>
              {(a) => (
                <Select {...a} value={model} onValue={set("model")} options={["METERED", "CREDITS", "BALANCE"]} />
              )}
            </Field>
            {field(
              "basePrice",
              "Base price",
              model === "BALANCE" ? "Also the allowance each period." : undefined,
              true,
            )}
            {field("currency", "Currency", "ISO 4217, e.g. USD, EUR")}
            <Field label="Billing interval" name="interval" error={errors.interval}>
              {(a) => (
                <Select
                  {...a}
                  value={plan.interval as string}
                  onValue={set("interval")}
                  options={["MONTH", "YEAR", "DAY"]}
                />
              )}
            </Field>
            {model === "CREDITS" &&
              field("includedCredits", "Credits per period", "Plan credits expire at each period end.", true)}
            {model === "BALANCE" && (
              <div class="field">
                <label>
                  <input
                    type="checkbox"
                    checked={plan.blockOnExhaustion as boolean}
                    onChange={(e) => set("blockOnExhaustion")(e.currentTarget.checked)}
                  />{" "}
                  Refuse usage at a zero balance
                </label>
                <p class="hint">Otherwise the balance goes negative and the excess is invoiced as overage.</p>
              </div>
            )}
          </div>
        </fieldset>
        {rows.map((row, i) => (
          <FeatureRow
            key={i}
            index={i}
            row={row}
            model={model}
            features={features}
            kind={kinds.get(row.feature) ?? "METERED"}
            errors={errors}
            set={(name) => setRow(i, name)}
            remove={rows.length > 1 ? () => setRows(rows.filter((_, j) => j !== i)) : undefined}
          />
        ))}
        {errors.features && <Notice kind="error">{errors.features}</Notice>}
        <div class="actions">
          <Button onClick={() => setRows([...rows, newRow(features[0]!.code)])}>Add a feature</Button>
          <Button type="submit" variant="primary" busy={busy}>
            Create plan
          </Button>
        </div>
      </form>
    </>
  );
}

const MODEL_HINTS: Record<string, string> = {
  METERED: "Included units per period, overage billed at the period end.",
  CREDITS: "Prepaid credits; usage is refused when they run out.",
  BALANCE: "Money: fixed unit prices or AI token prices plus a margin.",
};

type RowProps = {
  index: number;
  row: Row;
  model: string;
  kind: string;
  features: Feature[];
  errors: Record<string, string>;
  set: (name: keyof Row) => (value: string) => void;
  remove?: () => void;
};

function FeatureRow({ index, row, model, kind, features, errors, set, remove }: RowProps) {
  const path = (name: string) => `features[${index}].${name}`;
  const input = (name: keyof Row, label: string, hint?: string) => (
    <Field label={label} name={path(name)} error={errors[path(name)]} hint={hint}>
      {(a) => <Input {...a} inputMode="decimal" value={row[name]} onValue={set(name)} />}
    </Field>
  );
  return (
    <fieldset>
      <legend>Feature {index + 1}</legend>
      <div class="form-grid">
        <Field label="Feature" name={path("feature")} error={errors[path("feature")]}>
          {(a) => (
            <Select
              {...a}
              value={row.feature}
              onValue={set("feature")}
              options={features.map((f) => ({
                value: f.code,
                label: `${f.name} (${f.code}, ${f.kind.toLowerCase()})`,
              }))}
            />
          )}
        </Field>
        {kind === "BOOLEAN" && <p class="hint">An on/off feature: included in the plan.</p>}
        {kind !== "BOOLEAN" && model === "METERED" && (
          <>
            {input("included", "Included per period")}
            {input("overagePrice", "Overage price per unit")}
            {input("limit", "Hard limit (optional)", "Usage beyond it is refused.")}
          </>
        )}
        {kind !== "BOOLEAN" && model === "CREDITS" && input("creditsPerUnit", "Credits per unit")}
        {kind !== "BOOLEAN" && model === "BALANCE" && (
          <>
            <Field label="Pricing" name={path("pricing")} error={errors[path("pricing")]}>
              {(a) => (
                <Select
                  {...a}
                  value={row.pricing}
                  onValue={set("pricing")}
                  options={[
                    { value: "AI_MODEL", label: "AI model token prices + margin" },
                    { value: "FIXED", label: "Fixed price per unit" },
                  ]}
                />
              )}
            </Field>
            {row.pricing === "FIXED"
              ? input("unitPrice", "Unit price")
              : input("marginBps", "Margin (basis points)", "4000 = 40% on top of the provider's price.")}
          </>
        )}
      </div>
      {remove && (
        <div class="actions">
          <Button variant="danger" onClick={remove}>
            Remove feature {index + 1}
          </Button>
        </div>
      )}
    </fieldset>
  );
}
