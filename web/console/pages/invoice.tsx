/**
 * One invoice as the shared printable page (shared/invoice.tsx), with the customer it bills and
 * the operator's actions: mark paid, void (confirmed with a second click). A refused action (the
 * invoice was paid or voided meanwhile) shows the API's message and the invoice as it now is.
 */
import { useState } from "preact/hooks";
import { gql } from "../../shared/api";
import { INVOICE_QUERY, type Invoice, PrintableInvoicePage } from "../../shared/invoice";
import { Button, Link, Notice } from "../../shared/ui";
import { paths } from "../paths";

export function InvoicePage({ id }: { id: string }) {
  return (
    <PrintableInvoicePage
      id={id}
      load={(v) => gql(INVOICE_QUERY, v)}
      back={<Link href={paths.invoices()}>Back to the invoices</Link>}
      billedTo={(invoice) => (
        <>
          Customer{" "}
          <Link href={paths.customer(invoice.customerId)}>
            <code>{invoice.customerId}</code>
          </Link>
        </>
      )}
      actions={(invoice, reload) => <InvoiceActions invoice={invoice} onChange={reload} />}
    />
  );
}

function InvoiceActions({ invoice, onChange }: { invoice: Invoice; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [confirmVoid, setConfirmVoid] = useState(false);
  const [notice, setNotice] = useState<{ kind: "error" | "success"; text: string }>();
  const act = async (mutation: "markInvoicePaid" | "voidInvoice", done: string, refused: string) => {
    setBusy(true);
    setNotice(undefined);
    try {
      await gql(`mutation($id: ID!) { ${mutation}(id: $id) { status } }`, { id: invoice.id });
      setNotice({ kind: "success", text: done });
      onChange();
    } catch (e) {
      setNotice({ kind: "error", text: `${refused}: ${e instanceof Error ? e.message : String(e)}` });
      // Refused because the invoice changed meanwhile (paid or voided elsewhere): show it as it is now,
      // so the page stops offering what can no longer be done.
      onChange();
    } finally {
      setBusy(false);
      setConfirmVoid(false);
    }
  };
  return (
    <>
      {invoice.status === "OPEN" && (
        <>
          <Button
            variant="primary"
            busy={busy}
            onClick={() => act("markInvoicePaid", `Invoice ${invoice.number} marked paid.`, "Not marked paid")}
          >
            Mark paid
          </Button>
          <Button
            variant="danger"
            busy={busy}
            onClick={() =>
              confirmVoid ? act("voidInvoice", `Invoice ${invoice.number} voided.`, "Not voided") : setConfirmVoid(true)
            }
          >
            {confirmVoid ? "Confirm void" : "Void"}
          </Button>
          {confirmVoid && <Button onClick={() => setConfirmVoid(false)}>Keep it</Button>}
        </>
      )}
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
    </>
  );
}
