/**
 * One of the customer's invoices as a printable document (the print style leaves only the
 * document). Another customer's invoice answers as one that does not exist.
 */
import { money, quantity } from "../../shared/decimal";
import { date } from "../../shared/time";
import { useQuery } from "../../shared/use-query";
import { Button, Link, Loading, Notice } from "../../shared/ui";
import { portalGql } from "../api";
import type { Session } from "../app";
import { paths } from "../paths";
import { InvoiceStatus } from "./home";

const QUERY = `query Invoice($id: ID!) { invoice(id: $id) {
  id number status currency createdAt periodStart periodEnd subtotal total creditedToAccount
  lines { description quantity unitPrice amount periodStart periodEnd }
} }`;

type Invoice = {
  id: string;
  number: string;
  status: string;
  currency: string;
  createdAt: string;
  periodStart: string | null;
  periodEnd: string | null;
  subtotal: string;
  total: string;
  creditedToAccount: string;
  lines: {
    description: string;
    quantity: string;
    unitPrice: string;
    amount: string;
    periodStart: string | null;
    periodEnd: string | null;
  }[];
};

export function InvoicePage({ id }: { id: string; session: Session }) {
  const { data, error, loading } = useQuery<{ invoice: Invoice | null }>(QUERY, { id }, (v) =>
    portalGql<{ invoice: Invoice | null }>(QUERY, v),
  );
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const invoice = data?.invoice;
  const back = (
    <p class="no-print">
      <Link href={paths.home()}>Back to billing</Link>
    </p>
  );
  if (!invoice)
    return (
      <>
        <h1>Invoice not found</h1>
        {back}
      </>
    );
  const c = invoice.currency;
  return (
    <>
      {back}
      <article class="invoice-doc" aria-labelledby="invoice-title">
        <header>
          <div>
            <h1 id="invoice-title">Invoice {invoice.number}</h1>
            <p>Issued {date(invoice.createdAt)}</p>
            {invoice.periodStart && (
              <p>
                Period {date(invoice.periodStart)} – {date(invoice.periodEnd)}
              </p>
            )}
          </div>
          <p>
            <InvoiceStatus status={invoice.status} />
          </p>
        </header>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Invoice lines</caption>
            <thead>
              <tr>
                <th scope="col">Description</th>
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
                    {line.periodStart && (
                      <>
                        <br />
                        <span class="hint">
                          {date(line.periodStart)} – {date(line.periodEnd)}
                        </span>
                      </>
                    )}
                  </td>
                  <td class="num">{quantity(line.quantity)}</td>
                  <td class="num">{money(line.unitPrice, c)}</td>
                  <td class="num">{money(line.amount, c)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <table class="totals">
          <caption class="visually-hidden">Totals</caption>
          <tbody>
            <tr>
              <th scope="row">Subtotal</th>
              <td class="num">{money(invoice.subtotal, c)}</td>
            </tr>
            {invoice.creditedToAccount !== "0.00" && (
              <tr>
                <th scope="row">Credited to your account</th>
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
      </article>
      <p class="no-print">
        <Button onClick={() => window.print()}>Print</Button>
      </p>
    </>
  );
}
