/**
 * One invoice as a printable document (the print style hides the console around it), with its
 * lines as issued (each rounded once, on the line), and the operator's actions: mark paid, void.
 */
import { useState } from "preact/hooks";
import { gql } from "../../shared/api";
import { money, quantity, signOf } from "../../shared/decimal";
import { date } from "../../shared/time";
import { useQuery } from "../../shared/use-query";
import { Button, Link, Loading, Notice } from "../../shared/ui";
import { paths } from "../paths";
import { InvoiceStatusBadge } from "./invoice-status";

const FIELDS = `id number status customerId currency createdAt periodStart periodEnd subtotal total creditedToAccount
  lines { kind description feature quantity unitPrice amount periodStart periodEnd }
  reversal { kind unit granted unspent spent }`;

type Invoice = {
  id: string;
  number: string;
  status: string;
  customerId: string;
  currency: string;
  createdAt: string;
  periodStart: string | null;
  periodEnd: string | null;
  subtotal: string;
  total: string;
  creditedToAccount: string;
  lines: {
    kind: string;
    description: string;
    feature: string | null;
    quantity: string;
    unitPrice: string;
    amount: string;
    periodStart: string | null;
    periodEnd: string | null;
  }[];
  reversal: { kind: string; unit: string; granted: string; unspent: string; spent: string } | null;
};

export function InvoicePage({ id }: { id: string }) {
  const { data, error, loading, reload } = useQuery<{ invoice: Invoice | null }>(
    `query Invoice($id: ID!) { invoice(id: $id) { ${FIELDS} } }`,
    { id },
  );
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const invoice = data?.invoice;
  if (!invoice)
    return (
      <>
        <h1>Invoice not found</h1>
        <p>
          <Link href={paths.invoices()}>Back to the invoices</Link>
        </p>
      </>
    );
  const c = invoice.currency;
  return (
    <>
      <InvoiceActions invoice={invoice} onChange={reload} />
      <article class="invoice-doc" aria-labelledby="invoice-title">
        <header>
          <div>
            <h1 id="invoice-title">Invoice {invoice.number}</h1>
            <p>
              Customer{" "}
              <Link href={paths.customer(invoice.customerId)}>
                <code>{invoice.customerId}</code>
              </Link>
            </p>
          </div>
          <div>
            <p>
              <InvoiceStatusBadge status={invoice.status} />
            </p>
            <p>Issued {date(invoice.createdAt)}</p>
            {invoice.periodStart && (
              <p>
                Period {date(invoice.periodStart)} – {date(invoice.periodEnd)}
              </p>
            )}
          </div>
        </header>
        <table>
          <caption class="visually-hidden">Invoice lines</caption>
          <thead>
            <tr>
              <th scope="col">Description</th>
              <th scope="col">Period</th>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col" class="num">
                Unit price
              </th>
              <th scope="col" class="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {invoice.lines.map((line, i) => (
              <tr key={i}>
                <td>
                  {line.description}
                  <br />
                  <span class="hint">{line.kind}</span>
                </td>
                <td class="nowrap">{line.periodStart ? `${date(line.periodStart)} – ${date(line.periodEnd)}` : "—"}</td>
                <td class="num">{quantity(line.quantity)}</td>
                <td class="num">{money(line.unitPrice, c)}</td>
                <td class="num">{money(line.amount, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="totals">
          <caption class="visually-hidden">Totals</caption>
          <tbody>
            <tr>
              <th scope="row">Subtotal</th>
              <td class="num">{money(invoice.subtotal, c)}</td>
            </tr>
            {signOf(invoice.creditedToAccount) !== 0 && (
              <tr>
                <th scope="row">Credited to the account</th>
                <td class="num">{money(invoice.creditedToAccount, c)}</td>
              </tr>
            )}
            <tr>
              <th scope="row">Total</th>
              <td class="num">
                <strong>{money(invoice.total, c)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
        {invoice.reversal && (
          <p class="hint">
            Voided: took back {invoice.reversal.granted} {invoice.reversal.unit} ({invoice.reversal.unspent} unspent,{" "}
            {invoice.reversal.spent} already spent and now owed).
          </p>
        )}
      </article>
    </>
  );
}

function InvoiceActions({ invoice, onChange }: { invoice: Invoice; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [confirmVoid, setConfirmVoid] = useState(false);
  const [notice, setNotice] = useState<{ kind: "error" | "success"; text: string }>();
  const act = async (mutation: "markInvoicePaid" | "voidInvoice", done: string) => {
    setBusy(true);
    setNotice(undefined);
    try {
      await gql(`mutation($id: ID!) { ${mutation}(id: $id) { status } }`, { id: invoice.id });
      setNotice({ kind: "success", text: done });
      onChange();
    } catch (e) {
      setNotice({ kind: "error", text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
      setConfirmVoid(false);
    }
  };
  return (
    <div class="no-print">
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <div class="actions" style={{ marginBottom: "1rem" }}>
        <Button onClick={() => window.print()}>Print</Button>
        {invoice.status === "OPEN" && (
          <>
            <Button
              variant="primary"
              busy={busy}
              onClick={() => act("markInvoicePaid", `Invoice ${invoice.number} marked paid.`)}
            >
              Mark paid
            </Button>
            <Button
              variant="danger"
              busy={busy}
              onClick={() =>
                confirmVoid ? act("voidInvoice", `Invoice ${invoice.number} voided.`) : setConfirmVoid(true)
              }
            >
              {confirmVoid ? "Confirm void" : "Void"}
            </Button>
            {confirmVoid && <Button onClick={() => setConfirmVoid(false)}>Keep it</Button>}
          </>
        )}
      </div>
    </div>
  );
}
