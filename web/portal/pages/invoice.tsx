/**
 * One of the customer's invoices as the shared printable page (shared/invoice.tsx). Another
 * customer's invoice answers as one that does not exist.
 */
import { INVOICE_QUERY, type Invoice, PrintableInvoicePage } from "../../shared/invoice";
import { Link } from "../../shared/ui";
import { portalGql } from "../api";
import { paths } from "../paths";

export function InvoicePage({ id }: { id: string }) {
  return (
    <PrintableInvoicePage
      id={id}
      load={(v) => portalGql<{ invoice: Invoice | null }>(INVOICE_QUERY, v)}
      back={<Link href={paths.home()}>Back to billing</Link>}
    />
  );
}
