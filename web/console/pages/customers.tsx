/**
 * Customers: the list (newest first), searched by id, name or email prefix and filtered by plan,
 * a page at a time; open one by id; create one.
 */
import { isRunning } from "../../shared/subscription";
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { navigate } from "../../shared/router";
import { useQuery } from "../../shared/use-query";
import { Button, Field, Input, Link, Loading, Notice, Section, Select, Table } from "../../shared/ui";
import { Pager, usePager } from "../../shared/ui/pager";
import { paths } from "../paths";

export function CustomersPage() {
  return (
    <>
      <h1>Customers</h1>
      <CustomerList />
      <OpenCustomer />
      <CreateCustomer />
    </>
  );
}

const LIST = `query Customers($search: String, $plan: ID, $after: String) {
  customers(search: $search, planCode: $plan, first: 25, after: $after) {
    edges { node { id name email subscription { status plan { code name } } } }
    pageInfo { hasNextPage endCursor }
  }
  plans(includeArchived: true) { code name }
}`;

type Row = {
  id: string;
  name: string | null;
  email: string | null;
  subscription: { status: string; plan: { code: string; name: string } } | null;
};

function CustomerList() {
  const [search, setSearch] = useState("");
  const [typed, setTyped] = useState("");
  const [plan, setPlan] = useState("");
  const pager = usePager(`${search}|${plan}`);
  const { data, error, loading } = useQuery<{
    customers: { edges: { node: Row }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    plans: { code: string; name: string }[];
  }>(LIST, { search: search || null, plan: plan || null, after: pager.after });
  return (
    <Section title="All customers">
      <form
        class="inline-form"
        aria-label="Search customers"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(typed.trim());
        }}
      >
        <Field label="Search" name="search" hint="Id, name or email, by prefix">
          {(a) => <Input {...a} type="search" value={typed} onValue={setTyped} />}
        </Field>
        <Field label="Plan" name="planFilter">
          {(a) => (
            <Select
              {...a}
              value={plan}
              onValue={setPlan}
              options={[
                { value: "", label: "Any plan" },
                ...(data?.plans ?? []).map((p) => ({ value: p.code, label: p.name })),
              ]}
            />
          )}
        </Field>
        <Button type="submit">Search</Button>
      </form>
      {error && <Notice kind="error">{error.message}</Notice>}
      {loading && !data && <Loading />}
      {data && (
        <>
          <Table
            caption="Customers, newest first"
            rowKey={(c) => c.id}
            rows={data.customers.edges.map((e) => e.node)}
            empty={search || plan ? "No customer matches on this page." : "No customers yet."}
            columns={[
              { title: "Customer", render: (c) => <Link href={paths.customer(c.id)}>{c.name ?? c.id}</Link> },
              { title: "Id", render: (c) => <code>{c.id}</code> },
              { title: "Email", render: (c) => c.email ?? "—" },
              {
                title: "Plan",
                render: (c) => (isRunning(c.subscription) ? c.subscription.plan.name : "—"),
              },
            ]}
          />
          <Pager pager={pager} pageInfo={data.customers.pageInfo} label="Customer list" />
        </>
      )}
    </Section>
  );
}

function OpenCustomer() {
  const [id, setId] = useState("");
  return (
    <Section title="Open a customer">
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (id.trim()) navigate(paths.customer(id.trim()));
        }}
      >
        <Field label="Customer id" name="openId">
          {(a) => <Input {...a} value={id} onValue={setId} required />}
        </Field>
        <Button type="submit">Open</Button>
      </form>
    </Section>
  );
}

const CREATE = `mutation CreateCustomer($input: CreateCustomerInput!) { createCustomer(input: $input) { id } }`;

function CreateCustomer() {
  const [form, setForm] = useState({ id: "", name: "", email: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const input = { id: form.id.trim(), name: form.name.trim() || null, email: form.email.trim() || null };
      const { createCustomer } = await gql<{ createCustomer: { id: string } }>(CREATE, { input });
      navigate(paths.customer(createCustomer.id));
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Create a customer">
      <form onSubmit={submit} aria-label="Create a customer" noValidate>
        {errors[""] && <Notice kind="error">{errors[""]}</Notice>}
        <div class="form-grid">
          <Field label="Id" name="id" error={errors.id} hint="Your own id for the customer: letters, digits, _ - . : @">
            {(a) => <Input {...a} value={form.id} onValue={set("id")} />}
          </Field>
          <Field label="Name" name="name" error={errors.name}>
            {(a) => <Input {...a} value={form.name} onValue={set("name")} />}
          </Field>
          <Field label="Email" name="email" error={errors.email}>
            {(a) => <Input {...a} type="email" value={form.email} onValue={set("email")} />}
          </Field>
        </div>
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Create customer
          </Button>
        </div>
      </form>
    </Section>
  );
}
