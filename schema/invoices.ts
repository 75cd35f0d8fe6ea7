import {
  customerInvoices,
  findInvoiceOf,
  markInvoicePaid,
  MAX_INVOICES_PER_PAGE,
  voidInvoice,
} from "../core/invoices/status";
import type { Invoice, InvoiceLine } from "../core/invoices/invoice";
import { adminOnly, adminOrAnyCustomer, adminOrCustomer, customerOf } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";

const InvoiceStatusEnum = builder.enumType("InvoiceStatus", { values: ["OPEN", "PAID", "VOID"] as const });
const InvoiceLineKindEnum = builder.enumType("InvoiceLineKind", {
  values: ["BASE_FEE", "OVERAGE", "CREDIT_PACK", "TOP_UP", "PRORATION"] as const,
});

const InvoiceLineRef = builder.objectRef<InvoiceLine>("InvoiceLine").implement({
  fields: (t) => ({
    kind: t.field({ type: InvoiceLineKindEnum, resolve: (l) => l.kind }),
    description: t.exposeString("description"),
    feature: t.id({ nullable: true, resolve: (l) => l.feature ?? null }),
    quantity: t.field({ type: "Decimal", resolve: (l) => l.quantity }),
    unitPrice: t.field({ type: "Money", description: "Exact, unrounded.", resolve: (l) => l.unitPrice }),
    amount: t.field({
      type: "Money",
      description: "quantity x unitPrice, rounded once to cents, half away from zero.",
      resolve: (l) => l.amount,
    }),
  }),
});

export const InvoiceRef = builder.objectRef<Invoice>("Invoice").implement({
  // A customer token may read its own invoices only, however it reached them.
  authScopes: (invoice) => adminOrCustomer(invoice.customerId),
  fields: (t) => ({
    id: t.exposeID("id"),
    number: t.exposeString("number"),
    customerId: t.exposeID("customerId"),
    status: t.field({ type: InvoiceStatusEnum, resolve: (i) => i.status }),
    currency: t.exposeString("currency"),
    periodStart: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.periodStart ?? null }),
    periodEnd: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.periodEnd ?? null }),
    lines: t.field({ type: [InvoiceLineRef], resolve: (i) => i.lines }),
    subtotal: t.field({ type: "Money", resolve: (i) => i.subtotal }),
    total: t.field({ type: "Money", resolve: (i) => i.total }),
    createdAt: t.field({ type: "DateTime", resolve: (i) => i.createdAt }),
  }),
});

builder.objectField(CustomerRef, "invoices", (t) =>
  t.field({
    type: [InvoiceRef],
    description:
      "Newest first, `first` (1 to 100) at a time; the next page: `after` = the last invoice's id (a page shorter than `first` is the last).",
    args: {
      first: t.arg.int({ defaultValue: MAX_INVOICES_PER_PAGE }),
      after: t.arg.id(),
    },
    resolve: (c, a, { deps }) => customerInvoices(deps, c.id, a.first ?? MAX_INVOICES_PER_PAGE, a.after),
  }),
);

builder.queryField("invoice", (t) =>
  t.field({
    type: InvoiceRef,
    nullable: true,
    authScopes: adminOrAnyCustomer,
    args: { id: t.arg.id({ required: true }) },
    description:
      "One invoice, or null. A customer token gets null for another customer's invoice, as for a missing one.",
    resolve: async (_, a, { deps, principal }) => (await findInvoiceOf(deps, a.id, customerOf(principal))) ?? null,
  }),
);

builder.mutationFields((t) => ({
  markInvoicePaid: t.field({
    type: InvoiceRef,
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => markInvoicePaid(deps, a.id),
  }),
  voidInvoice: t.field({
    type: InvoiceRef,
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => voidInvoice(deps, a.id),
  }),
}));
