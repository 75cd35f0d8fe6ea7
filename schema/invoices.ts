import {
  customerInvoices,
  findInvoiceOf,
  markInvoicePaid,
  MAX_INVOICES_PER_PAGE,
  voidInvoice,
} from "../core/invoices/status";
import type { Invoice, InvoiceLine, InvoiceReversal } from "../core/invoices/invoice";
import { formatDecimal, formatMoney } from "../core/money";
import { payInTestMode } from "../core/portal/operations";
import { adminOnly, adminOrAnyCustomer, adminOrCustomer, customerOf, portalCustomerOf } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";

export const InvoiceStatusEnum = builder.enumType("InvoiceStatus", { values: ["OPEN", "PAID", "VOID"] as const });
const InvoiceLineKindEnum = builder.enumType("InvoiceLineKind", {
  values: [
    "BASE_FEE",
    "OVERAGE",
    "CREDIT_PACK",
    "TOP_UP",
    "PRORATION",
    "DISCOUNT",
    "ACCOUNT_CREDIT",
    "SEATS",
    "ADD_ON",
  ] as const,
});

export const InvoiceLineRef = builder.objectRef<InvoiceLine>("InvoiceLine").implement({
  fields: (t) => ({
    kind: t.field({ type: InvoiceLineKindEnum, resolve: (l) => l.kind }),
    description: t.exposeString("description"),
    feature: t.id({ nullable: true, resolve: (l) => l.feature ?? null }),
    quantity: t.field({ type: "Decimal", resolve: (l) => l.quantity }),
    unitPrice: t.field({ type: "Money", description: "Exact, unrounded.", resolve: (l) => l.unitPrice }),
    amount: t.field({
      type: "Money",
      description:
        "quantity x unitPrice, rounded once to cents, half away from zero (a PRORATION: its exact fraction of the base price, rounded once).",
      resolve: (l) => l.amount,
    }),
    periodStart: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "The period this line bills (a BASE_FEE bills the coming period, an OVERAGE the one that closed, a PRORATION the unused rest).",
      resolve: (l) => l.periodStart ?? null,
    }),
    periodEnd: t.field({ type: "DateTime", nullable: true, resolve: (l) => l.periodEnd ?? null }),
  }),
});

const InvoiceReversalRef = builder.objectRef<InvoiceReversal & { currency: string }>("InvoiceReversal").implement({
  description:
    "What voiding a CREDIT_PACK or TOP_UP invoice took back from the wallet: all it granted, of which `unspent` was still there and `spent` had been used and is now owed (negative purchased credits, or money billed as overage unless the period's unused allowance covers it).",
  fields: (t) => ({
    kind: t.field({ type: InvoiceLineKindEnum, resolve: (r) => r.kind }),
    unit: t.string({
      description: '"credits" for a credit pack, the currency code for a top-up.',
      resolve: (r) => (r.kind === "CREDIT_PACK" ? "credits" : r.currency),
    }),
    granted: t.string({ description: "Decimal text, in `unit`.", resolve: (r) => amountText(r, r.granted) }),
    unspent: t.string({ resolve: (r) => amountText(r, r.unspent) }),
    spent: t.string({ resolve: (r) => amountText(r, r.spent) }),
  }),
});
const amountText = (r: InvoiceReversal, v: bigint) => (r.kind === "TOP_UP" ? formatMoney(v) : formatDecimal(v));

export const InvoiceRef = builder.objectRef<Invoice>("Invoice").implement({
  // A customer token may read its own invoices only, however it reached them.
  authScopes: (invoice) => adminOrCustomer(invoice.customerId),
  fields: (t) => ({
    id: t.exposeID("id"),
    number: t.exposeString("number"),
    customerId: t.exposeID("customerId"),
    status: t.field({ type: InvoiceStatusEnum, resolve: (i) => i.status }),
    currency: t.exposeString("currency"),
    periodStart: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "The period the invoice was issued for. A period's close, an IMMEDIATE plan change or cancellation: the period (or its part) it ends, whose usage its OVERAGE lines bill; a BASE_FEE on it bills the next period in advance (the line's own periodStart/periodEnd). A subscription's first invoice: its first billing cycle. Added seats, an add-on: the rest of the current period. Null on a credit pack or top-up. Each line carries the period it bills.",
      resolve: (i) => i.periodStart ?? null,
    }),
    periodEnd: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.periodEnd ?? null }),
    lines: t.field({ type: [InvoiceLineRef], resolve: (i) => i.lines }),
    subtotal: t.field({ type: "Money", resolve: (i) => i.subtotal }),
    total: t.field({
      type: "Money",
      description: "The subtotal, or 0.00 when the subtotal is below zero (the rest is creditedToAccount).",
      resolve: (i) => i.total,
    }),
    creditedToAccount: t.field({
      type: "Money",
      description: "What a subtotal below zero granted the customer as account credit (0.00 otherwise).",
      resolve: (i) => i.creditedToAccount,
    }),
    reversal: t.field({
      type: InvoiceReversalRef,
      nullable: true,
      description: "A voided CREDIT_PACK or TOP_UP invoice: what the void took back.",
      resolve: (i) => (i.reversal ? { ...i.reversal, currency: i.currency } : null),
    }),
    accountCreditReturned: t.field({
      type: "Money",
      nullable: true,
      description:
        "A voided invoice that had applied account credit (its ACCOUNT_CREDIT line): the credit the void gave back, as the account credit grant `void~<invoice id>` (no expiry); null otherwise.",
      resolve: (i) => i.accountCreditReturned ?? null,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (i) => i.createdAt }),
    grantedOnPayment: t.boolean({
      description:
        "A purchase the customer asked for (requestCreditPackPurchase, requestTopUp): its credits or funds arrive when it is paid, and never if it is voided.",
      resolve: (i) => i.grantOnPayment !== undefined,
    }),
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
    description:
      "What the company's payment integration calls once it collected the money. A purchase request's credits or funds arrive in the same write. In test mode a portal session may pay its own purchase requests.",
    authScopes: { $any: { admin: true, portalToken: true } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps, principal }) => {
      const portal = portalCustomerOf(principal);
      return portal ? payInTestMode(deps, portal, a.id) : markInvoicePaid(deps, a.id);
    },
  }),
  voidInvoice: t.field({
    type: InvoiceRef,
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => voidInvoice(deps, a.id),
  }),
}));
