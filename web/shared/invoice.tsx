/**
 * The printable invoice page, one implementation for the console and the portal: the invoice's
 * lines as issued (each rounded once, on the line), subtotal, account credit, total and what a
 * void took back (a purchase's reversal) or gave back (account credit), as rows after the total,
 * set apart and aligned with the amounts; a void's total struck through as not due; the usage
 * period in the header only when the invoice bills usage. A document the print style leaves alone
 * on the page (`.no-print` hides the rest).
 * Each app passes how it asks the API (its credential), its back link, and what it adds: the
 * console a link to the customer and its actions (mark paid, void); the portal nothing more. Every
 * field read here is one a customer token may read, so both apps send the same query.
 */
import type { ComponentChildren } from "preact";
import { money, quantity, signOf } from "./decimal";
import { DateRange, WholeDates } from "./dates";
import { date } from "./time";
import { useQuery } from "./use-query";
import { Badge, Button, Loading, Notice } from "./ui";

export const INVOICE_QUERY = `query Invoice($id: ID!) { invoice(id: $id) {
  id number status customerId currency createdAt periodStart periodEnd subtotal total creditedToAccount
  lines { kind description quantity unitPrice amount periodStart periodEnd }
  reversal { kind unit granted unspent spent } accountCreditReturned
} }`;

export type Invoice = {
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
    quantity: string;
    unitPrice: string;
    amount: string;
    periodStart: string | null;
    periodEnd: string | null;
  }[];
  reversal: { kind: string; unit: string; granted: string; unspent: string; spent: string } | null;
  /** A voided invoice that had applied account credit: what the void gave back to the customer. */
  accountCreditReturned: string | null;
};

type Props = {
  id: string;
  /** Sends INVOICE_QUERY with the app's credential. */
  load: (variables?: Record<string, unknown>) => Promise<{ invoice: Invoice | null }>;
  /** The way back (a link), shown above the document and when the invoice is not found. */
  back: ComponentChildren;
  /** Under the title: who the invoice is for (the console links the customer). */
  billedTo?: (invoice: Invoice) => ComponentChildren;
  /** Beside Print: what the app may do with it (the console: mark paid, void); `reload` shows the result. */
  actions?: (invoice: Invoice, reload: () => void) => ComponentChildren;
};

export function PrintableInvoicePage({ id, load, back, billedTo, actions }: Props) {
  const { data, error, loading, reload } = useQuery<{ invoice: Invoice | null }>(INVOICE_QUERY, { id }, load);
  if (error) return <Notice kind="error">{error.message}</Notice>;
  if (loading && !data) return <Loading />;
  const invoice = data?.invoice;
  const way = <p class="no-print">{back}</p>;
  if (!invoice)
    return (
      <>
        <h1>Invoice not found</h1>
        {way}
      </>
    );
  return (
    <>
      {way}
      <div class="no-print invoice-tools">
        <Button onClick={() => window.print()}>Print</Button>
        {actions?.(invoice, reload)}
      </div>
      <InvoiceDocument invoice={invoice} billedTo={billedTo?.(invoice)} />
    </>
  );
}

function InvoiceDocument({ invoice, billedTo }: { invoice: Invoice; billedTo?: ComponentChildren }) {
  const c = invoice.currency;
  return (
    <article class="invoice-doc" aria-labelledby="invoice-title">
      <header>
        <div>
          <h1 id="invoice-title">Invoice {invoice.number}</h1>
          {billedTo && <p>{billedTo}</p>}
          <p>Issued {date(invoice.createdAt)}</p>
          {usagePeriod(invoice) && (
            <p>
              Usage period <DateRange from={invoice.periodStart} to={invoice.periodEnd} />
            </p>
          )}
        </div>
        <p>
          <InvoiceStatusBadge status={invoice.status} />
        </p>
      </header>
      {/* On a phone the lines scroll sideways in their wrapper, which the keyboard must be able to focus. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region is focusable so the keyboard can scroll it */}
      <section class="table-wrap" aria-label="Invoice lines" tabIndex={0}>
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
                  <LineDescription line={line} />
                </td>
                <td class="num">{quantity(line.quantity)}</td>
                <td class="num">{money(line.unitPrice, c)}</td>
                <td class="num">{money(line.amount, c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
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
          {invoice.status === "VOID" ? (
            // Not due: said in words (the row's name), and shown struck through and muted, not bold.
            <tr class="void-total">
              <th scope="row">Total (void, not due)</th>
              <td class="num">
                <s>{money(invoice.total, c)}</s>
              </td>
            </tr>
          ) : (
            <tr>
              <th scope="row">Total</th>
              <td class="num">
                <strong>{money(invoice.total, c)}</strong>
              </td>
            </tr>
          )}
        </tbody>
        {(invoice.accountCreditReturned || invoice.reversal) && (
          // After the total and set apart: what the void gave back or took back, not part of what was invoiced.
          <tbody class="after-total">
            {invoice.accountCreditReturned && (
              <tr>
                <th scope="row">Account credit returned</th>
                <td class="num">{money(invoice.accountCreditReturned, c)}</td>
              </tr>
            )}
            {invoice.reversal && <ReversalRows reversal={invoice.reversal} />}
          </tbody>
        )}
      </table>
    </article>
  );
}

/**
 * The header names the invoice's period only when it bills usage (OVERAGE lines): a period's close,
 * an immediate plan change or cancellation bill the usage of the period they end (the invoice's
 * periodStart/periodEnd), while a BASE_FEE on the same invoice bills the next period in advance.
 * "Usage period" says which; every line shows the period it bills itself. An invoice without usage
 * (a subscription's first base fee, added seats, an add-on, a close within the allowance, a credit
 * pack, a top-up) has no period beyond its lines', so none is named: the lines say it.
 */
function usagePeriod(invoice: Invoice): boolean {
  return !!invoice.periodStart && invoice.lines.some((line) => line.kind === "OVERAGE");
}

/**
 * What voiding a credit pack or top-up took back, as rows like the account credit a void returns:
 * all it granted, then its two parts: what was still unspent (gone) and what was already spent
 * (now owed by the customer: docs/billing-periods.md, "Voiding a credit pack or top-up").
 */
function ReversalRows({ reversal }: { reversal: NonNullable<Invoice["reversal"]> }) {
  const amount = (text: string) =>
    reversal.unit === "credits" ? `${quantity(text)} credits` : money(text, reversal.unit);
  return (
    <>
      <tr>
        <th scope="row">{reversal.kind === "TOP_UP" ? "Top-up taken back" : "Credits taken back"}</th>
        <td class="num">{amount(reversal.granted)}</td>
      </tr>
      <tr class="part">
        <th scope="row">Unspent</th>
        <td class="num">{amount(reversal.unspent)}</td>
      </tr>
      <tr class="part">
        <th scope="row">Spent, now owed</th>
        <td class="num">{amount(reversal.spent)}</td>
      </tr>
    </>
  );
}

const STATUS: Record<string, [label: string, tone: "good" | "warn" | "neutral"]> = {
  OPEN: ["Open", "warn"],
  PAID: ["Paid", "good"],
  VOID: ["Void", "neutral"],
};

/** A line's description, with the period it covers when the description does not already say it. */
export function LineDescription({
  line,
}: {
  line: { description: string; periodStart?: string | null; periodEnd?: string | null };
}) {
  return (
    <>
      <WholeDates text={line.description} />
      {line.periodStart && !line.description.includes(date(line.periodStart)) && (
        <>
          <br />
          <span class="hint">
            <DateRange from={line.periodStart} to={line.periodEnd} />
          </span>
        </>
      )}
    </>
  );
}

/** An invoice's status as both apps show it, in lists and on the document. */
export function InvoiceStatusBadge({ status }: { status: string }) {
  const [label, tone] = STATUS[status] ?? [status, "neutral"];
  return <Badge tone={tone}>{label}</Badge>;
}
