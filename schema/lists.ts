/** The operator's lists across customers: `customers` and `invoices`, newest first, with cursors (core/lists.ts). */
import { listAllInvoices, listCustomers, type Connection } from "../core/lists";
import type { Customer } from "../core/customers";
import type { Invoice } from "../core/invoices/invoice";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";
import { InvoiceRef, InvoiceStatusEnum } from "./invoices";
import { PageInfoRef } from "./page-info";

const CustomerEdgeRef = builder.objectRef<Connection<Customer>["edges"][number]>("CustomerEdge").implement({
  fields: (t) => ({ node: t.field({ type: CustomerRef, resolve: (e) => e.node }), cursor: t.exposeString("cursor") }),
});
const CustomerConnectionRef = builder.objectRef<Connection<Customer>>("CustomerConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [CustomerEdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c }),
  }),
});

const InvoiceEdgeRef = builder.objectRef<Connection<Invoice>["edges"][number]>("InvoiceEdge").implement({
  fields: (t) => ({ node: t.field({ type: InvoiceRef, resolve: (e) => e.node }), cursor: t.exposeString("cursor") }),
});
const InvoiceConnectionRef = builder.objectRef<Connection<Invoice>>("InvoiceConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [InvoiceEdgeRef], resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c }),
  }),
});

builder.queryFields((t) => ({
  customers: t.field({
    type: CustomerConnectionRef,
    description:
      "Newest first. search matches id, name or email (prefix, case-insensitive). first: 1 to 100. A filtered page reads at most 2,000 customers: it may hold fewer than `first` while hasNextPage is true; go on from pageInfo.endCursor.",
    authScopes: adminOnly,
    args: {
      search: t.arg.string(),
      planCode: t.arg.id(),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: (_, a, { deps }) => listCustomers(deps, { ...a, first: a.first ?? 50 }),
  }),
  invoices: t.field({
    type: InvoiceConnectionRef,
    description:
      "Newest first, across customers: created in [from, to). first: 1 to 100. A page filtered by status reads at most 2,000 invoices: it may hold fewer than `first` while hasNextPage is true.",
    authScopes: adminOnly,
    args: {
      status: t.arg({ type: InvoiceStatusEnum }),
      customerId: t.arg.id(),
      from: t.arg({ type: "DateTime" }),
      to: t.arg({ type: "DateTime" }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: (_, a, { deps }) => listAllInvoices(deps, { ...a, first: a.first ?? 50 }),
  }),
}));
