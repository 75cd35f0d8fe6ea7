/**
 * An invoice that has not been issued (previewPlanChange, upcomingInvoice): its exact lines and
 * totals as the API computed them, one table for the console and the portal.
 */
import { money, quantity, signOf } from "./decimal";
import { LineDescription } from "./invoice";

export const PREVIEW_FIELDS =
  "currency periodStart periodEnd subtotal total creditedToAccount lines { kind description quantity unitPrice amount periodStart periodEnd }";

export type InvoicePreview = {
  currency: string;
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
};

export function PreviewTable({ preview, caption }: { preview: InvoicePreview; caption: string }) {
  const c = preview.currency;
  if (!preview.lines.length) return <p class="empty">Nothing would be invoiced.</p>;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region is focusable so the keyboard can scroll it
    <section class="table-wrap preview" aria-label={caption} tabIndex={0}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col" class="num">
              Quantity
            </th>
            <th scope="col" class="num">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.lines.map((line, i) => (
            <tr key={i}>
              <td>
                <LineDescription line={line} />
              </td>
              <td class="num">{quantity(line.quantity)}</td>
              <td class="num">{money(line.amount, c)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {signOf(preview.creditedToAccount) !== 0 && (
            <tr>
              <th scope="row" colSpan={2}>
                Credited to the account
              </th>
              <td class="num">{money(preview.creditedToAccount, c)}</td>
            </tr>
          )}
          <tr>
            <th scope="row" colSpan={2}>
              Total
            </th>
            <td class="num">
              <strong>{money(preview.total, c)}</strong>
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
