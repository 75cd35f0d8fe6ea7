/** Plans (with their features' pricing) and features: the lists, archiving, and a new feature. */
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { money, quantity } from "../../shared/decimal";
import { useQuery } from "../../shared/use-query";
import { Badge, Button, Field, Input, Link, Loading, Notice, Section, Select, Table } from "../../shared/ui";
import { paths } from "../paths";

const QUERY = `query Plans($archived: Boolean) {
  plans(includeArchived: $archived) {
    code name model basePrice currency interval includedCredits blockOnExhaustion archived
    features { feature { code name } included overagePrice limit creditsPerUnit pricing unitPrice marginBps }
  }
  features { code name kind unit }
}`;

type PlanFeature = {
  feature: { code: string; name: string };
  included: string | null;
  overagePrice: string | null;
  limit: string | null;
  creditsPerUnit: string | null;
  pricing: string | null;
  unitPrice: string | null;
  marginBps: number | null;
};
type Plan = {
  code: string;
  name: string;
  model: string;
  basePrice: string;
  currency: string;
  interval: string;
  includedCredits: string | null;
  blockOnExhaustion: boolean;
  archived: boolean;
  features: PlanFeature[];
};
export type Feature = { code: string; name: string; kind: string; unit: string | null };

export function PlansPage() {
  const [archived, setArchived] = useState(false);
  const { data, error, loading, reload } = useQuery<{ plans: Plan[]; features: Feature[] }>(QUERY, { archived });
  return (
    <>
      <div class="page-head">
        <h1>Plans and features</h1>
        <Link class="button button-primary" href={paths.newPlan()}>
          New plan
        </Link>
      </div>
      {error && <Notice kind="error">{error.message}</Notice>}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Section
            title="Plans"
            actions={
              <label>
                <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} /> Show
                archived
              </label>
            }
          >
            <Table
              caption="Plans"
              rowKey={(p) => p.code}
              rows={data.plans}
              empty="No plans yet."
              columns={[
                {
                  title: "Plan",
                  render: (p) => (
                    <>
                      <strong>{p.name}</strong> <code>{p.code}</code>{" "}
                      {p.archived && <Badge tone="neutral">archived</Badge>}
                    </>
                  ),
                },
                { title: "Model", render: (p) => p.model },
                {
                  title: "Base price",
                  numeric: true,
                  render: (p) => `${money(p.basePrice, p.currency)} / ${p.interval.toLowerCase()}`,
                },
                { title: "Features", render: (p) => <FeatureList plan={p} /> },
                { title: "", render: (p) => !p.archived && <ArchiveButton code={p.code} onDone={reload} /> },
              ]}
            />
          </Section>
          <Section title="Features">
            <Table
              caption="Features"
              rowKey={(f) => f.code}
              rows={data.features}
              empty="No features yet."
              columns={[
                { title: "Code", render: (f) => <code>{f.code}</code> },
                { title: "Name", render: (f) => f.name },
                { title: "Kind", render: (f) => f.kind },
                { title: "Unit", render: (f) => f.unit ?? "—" },
              ]}
            />
            <CreateFeature onDone={reload} />
          </Section>
        </>
      )}
    </>
  );
}

function FeatureList({ plan }: { plan: Plan }) {
  const c = plan.currency;
  return (
    <ul class="plain-list">
      {plan.includedCredits !== null && <li>{quantity(plan.includedCredits)} credits per period</li>}
      {plan.features.map((f) => {
        const parts: string[] = [];
        if (f.included !== null) parts.push(`${quantity(f.included)} included`);
        if (f.overagePrice !== null) parts.push(`then ${money(f.overagePrice, c)} each`);
        if (f.limit !== null) parts.push(`limit ${quantity(f.limit)}`);
        if (f.creditsPerUnit !== null) parts.push(`${quantity(f.creditsPerUnit)} credits each`);
        if (f.pricing === "FIXED" && f.unitPrice !== null) parts.push(`${money(f.unitPrice, c)} each`);
        if (f.pricing === "AI_MODEL") parts.push(`AI model prices + ${(f.marginBps ?? 0) / 100}% margin`);
        return (
          <li key={f.feature.code}>
            {f.feature.name}
            {parts.length ? `: ${parts.join(", ")}` : ""}
          </li>
        );
      })}
    </ul>
  );
}

function ArchiveButton({ code, onDone }: { code: string; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <>
      <Button
        variant="danger"
        aria-label={confirming ? `Confirm archiving ${code}` : `Archive ${code}`}
        onClick={async () => {
          if (!confirming) return setConfirming(true);
          try {
            await gql(`mutation($c: ID!) { archivePlan(code: $c) { code } }`, { c: code });
            onDone();
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          }
          setConfirming(false);
        }}
      >
        {confirming ? "Confirm archive" : "Archive"}
      </Button>
      {error && <p class="error">{error}</p>}
    </>
  );
}

function CreateFeature({ onDone }: { onDone: () => void }) {
  const empty = { code: "", name: "", kind: "METERED", unit: "" };
  const [form, setForm] = useState(empty);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  return (
    <form
      aria-label="Create a feature"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setErrors({});
        try {
          const input = {
            code: form.code.trim(),
            name: form.name.trim(),
            kind: form.kind,
            unit: form.unit.trim() || null,
          };
          await gql(`mutation($input: CreateFeatureInput!) { createFeature(input: $input) { code } }`, { input });
          setForm(empty);
          onDone();
        } catch (error) {
          setErrors(fieldErrors(error));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h3>New feature</h3>
      {errors[""] && <Notice kind="error">{errors[""]}</Notice>}
      <div class="form-grid">
        <Field label="Code" name="code" error={errors.code}>
          {(a) => <Input {...a} value={form.code} onValue={set("code")} />}
        </Field>
        <Field label="Name" name="name" error={errors.name}>
          {(a) => <Input {...a} value={form.name} onValue={set("name")} />}
        </Field>
        <Field label="Kind" name="kind" error={errors.kind}>
          {(a) => <Select {...a} value={form.kind} onValue={set("kind")} options={["METERED", "BOOLEAN"]} />}
        </Field>
        <Field label="Unit" name="unit" error={errors.unit} hint="e.g. tokens, calls, images">
          {(a) => <Input {...a} value={form.unit} onValue={set("unit")} />}
        </Field>
      </div>
      <div class="actions">
        <Button type="submit" busy={busy}>
          Create feature
        </Button>
      </div>
    </form>
  );
}
