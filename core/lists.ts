/**
 * The operator's lists: customers (a search on id, name or email by prefix, case-insensitive; a
 * plan) and invoices (a status, a customer, a creation range), newest first, a page at a time with
 * an opaque cursor. Read through indexes only (core/db/lists.ts: never a Scan); a filter reads at
 * most MAX_READ_PER_PAGE entries per page, so a page can be short while `hasNextPage` is true.
 */
import * as z from "./zod";
import type { Customer } from "./customers";
import type { Deps } from "./deps";
import { customerListQuery, listPage, onPlan, type ListPage } from "./db/lists";
import type { Item } from "./db/items";
import { toCustomer } from "./db/customers";
import { toInvoice } from "./db/invoices";
import { keys, TABLE } from "./db/keys";
import type { Invoice, InvoiceStatus } from "./invoices/invoice";
import { IdSchema, parseInput } from "./validation";

export type Connection<T> = { edges: { node: T; cursor: string }[]; hasNextPage: boolean; endCursor: string | null };

const FirstSchema = z.int().check(z.gte(1, "must be 1 to 100"), z.lte(100, "must be 1 to 100"));

const CustomersArgsSchema = z.object({
  search: z.nullish(z.string().check(z.trim(), z.minLength(1, "must not be empty"), z.maxLength(200))),
  planCode: z.nullish(IdSchema),
  first: FirstSchema,
  after: z.nullish(z.string()),
});

export async function listCustomers(
  deps: Deps,
  args: { search?: string | null; planCode?: string | null; first: number; after?: string | null },
): Promise<Connection<Customer>> {
  const { search, planCode, first, after } = parseInput(CustomersArgsSchema, args, "");
  const page = await listPage(deps.db, {
    ...customerListQuery(search ?? undefined),
    ...(planCode ? { keep: onPlan(deps.db, planCode) } : {}),
    first,
    ...(after ? { after } : {}),
  });
  return connection(page, toCustomer);
}

const InvoicesArgsSchema = z.object({
  status: z.nullish(z.enum(["OPEN", "PAID", "VOID"])),
  customerId: z.nullish(IdSchema),
  from: z.nullish(z.date()),
  to: z.nullish(z.date()),
  first: FirstSchema,
  after: z.nullish(z.string()),
});

export async function listAllInvoices(
  deps: Deps,
  args: {
    status?: InvoiceStatus | null;
    customerId?: string | null;
    from?: Date | null;
    to?: Date | null;
    first: number;
    after?: string | null;
  },
): Promise<Connection<Invoice>> {
  const { status, customerId, from, to, first, after } = parseInput(InvoicesArgsSchema, args, "");
  // One customer's invoices come from its own timeline; everyone's from the list index.
  const source = customerId
    ? { index: TABLE.timelineIndex, partition: keys.invoiceTimelinePartition(customerId) }
    : { index: TABLE.listIndex, partition: keys.invoiceListingPartition() };
  const page = await listPage(deps.db, {
    ...source,
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: to.toISOString() } : {}),
    ...(status
      ? { filter: { expression: "#status = :status", names: { "#status": "status" }, values: { ":status": status } } }
      : {}),
    first,
    ...(after ? { after } : {}),
  });
  return connection(page, toInvoice);
}

function connection<T>(page: ListPage, convert: (item: Item) => T): Connection<T> {
  return {
    edges: page.items.map(({ item, cursor }) => ({ node: convert(item), cursor })),
    hasNextPage: page.hasNextPage,
    endCursor: page.cursor ?? null,
  };
}
