/** Customers: open one by id, and create one. (The searchable list arrives with the `customers` query.) */
import { useState } from "preact/hooks";
import { fieldErrors, gql } from "../../shared/api";
import { navigate } from "../../shared/router";
import { Button, Field, Input, Notice, Section } from "../../shared/ui";
import { paths } from "../paths";

export function CustomersPage() {
  return (
    <>
      <h1>Customers</h1>
      <OpenCustomer />
      <CreateCustomer />
    </>
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
