/** Invoices: open one by id. (The filtered list arrives with the `invoices` query.) */
import { useState } from "preact/hooks";
import { navigate } from "../../shared/router";
import { Button, Field, Input, Section } from "../../shared/ui";
import { paths } from "../paths";

export function InvoicesPage() {
  const [id, setId] = useState("");
  return (
    <>
      <h1>Invoices</h1>
      <Section title="Open an invoice">
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (id.trim()) navigate(paths.invoice(id.trim()));
          }}
        >
          <Field label="Invoice id" name="invoiceId">
            {(a) => <Input {...a} value={id} onValue={setId} required />}
          </Field>
          <Button type="submit">Open</Button>
        </form>
      </Section>
    </>
  );
}
