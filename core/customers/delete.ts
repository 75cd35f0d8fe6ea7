/**
 * `deleteCustomer`: erases the customer's personal data (name, email, metadata) and ends its
 * subscription now, in one transaction. Like an immediate cancel without proration (Stripe's
 * customer deletion does the same): the final invoice bills the usage so far, and the unused base
 * fee is not credited (account credit on an erased customer could never be used). What remains
 * are accounting records under the customer's id: its invoices, usage events (their `properties`
 * are the integrator's, kept as recorded), purchases and the wallet's purchased pools.
 *
 * Idempotent: deleting an erased customer returns it and writes nothing. An erased customer cannot
 * subscribe again nor be given personal data again (`updateCustomer`).
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { CONFLICT_ATTEMPTS, RETRY, withRetries } from "../retry";
import { IdSchema, parseInput } from "../validation";
import { activeSubscription } from "../wallet";
import { currentWallet } from "../usage/current";
import { cancellation } from "../subscriptions/cancellation";
import { drafted, type Change } from "../subscriptions/change";
import type { Invoice } from "../invoices/invoice";
import { invoiceIssued } from "../events";
import { publish } from "../events/publish";
import { getCustomer as readCustomer } from "../db/customers";
import { writeErasure } from "../db/customer-changes";
import type { Customer } from "./customer";

export async function deleteCustomer(deps: Deps, id: string): Promise<Customer> {
  const customerId = parseInput(IdSchema, id, "id");
  const exhausted = () => new DomainError("CONFLICT", "the customer changed concurrently too often; retry");
  return withRetries({ attempts: CONFLICT_ATTEMPTS, exhausted }, async () => {
    const { wallet, now } = await currentWallet(deps, customerId, { close: true });
    const customer = await readCustomer(deps.db, customerId);
    if (!customer) throw new DomainError("NOT_FOUND", `customer "${id}" not found`);
    if (customer.deletedAt) return customer;
    const ended: Change = activeSubscription(wallet)
      ? await cancellation(deps, wallet, now, "IMMEDIATE", false)
      : { after: wallet, events: [] };
    const { draft, after } = drafted(customerId, ended, now);
    const deletedAt = now.toISOString();
    const eventsFor = (invoices: Invoice[]) => [...invoices.flatMap(invoiceIssued), ...ended.events];
    const written = await writeErasure(
      deps.db,
      customer,
      deletedAt,
      { before: wallet, after },
      draft ? [draft] : [],
      eventsFor,
    );
    if (!written.ok) return RETRY;
    await publish(deps, written.events, written.outbox);
    const { name: _n, email: _e, metadata: _m, ...kept } = customer;
    return { ...kept, deletedAt, revision: (customer.revision ?? 0) + 1 };
  });
}
