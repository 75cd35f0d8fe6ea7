/**
 * The authorisation scopes fields declare with `authScopes` (Pothos scope-auth):
 *
 * - `admin`: the bootstrap key or an ADMIN key; may do everything.
 * - `ingest`: an INGEST key; fields that allow it: trackUsage, trackUsageBatch, entitlement, quote,
 *   createCustomer (which grants it the created customer's own input fields back, nothing else).
 * - `customerToken`: any customer token; for catalogue reads (plans, plan, creditPacks) and `now`.
 * - `customer: id`: a customer token of exactly that customer (a portal token is one too: it reads
 *   what a customer token reads).
 * - `portal: id`: a portal session's token of exactly that customer (core/portal/): the portal's own
 *   operations (purchase requests, cancel at period end and its undo, paying in test mode). A
 *   customer token from createCustomerToken stays read-only.
 * - `portalToken`: any portal token (`portalSession`, and the fields whose rule needs stored state:
 *   core/portal/operations.ts).
 *
 * Every Query and Mutation field states its policy with one of the shorthands below
 * (test/auth/matrix.test.ts fails for a field without one).
 */
import type { Principal } from "../core/auth/principal";

export type AuthScopes = {
  admin: boolean;
  ingest: boolean;
  customerToken: boolean;
  customer: string;
  portal: string;
  portalToken: boolean;
};

export function scopesOf(principal: Principal | undefined) {
  return {
    admin: principal?.kind === "bootstrap" || (principal?.kind === "apiKey" && principal.scope === "ADMIN"),
    ingest: principal?.kind === "apiKey" && principal.scope === "INGEST",
    customerToken: principal?.kind === "customer",
    customer: (customerId: string) => principal?.kind === "customer" && principal.customerId === customerId,
    portal: (customerId: string) =>
      principal?.kind === "customer" && principal.portal && principal.customerId === customerId,
    portalToken: principal?.kind === "customer" && principal.portal,
  };
}

/** The customer a customer token speaks for; undefined for API keys, which see every customer. */
export const customerOf = (principal: Principal): string | undefined =>
  principal.kind === "customer" ? principal.customerId : undefined;

/** Field policies, named so a reader sees the rule rather than a scope map. */
export const adminOnly = { admin: true } as const;
export const adminOrIngest = { $any: { admin: true, ingest: true } } as const;
/**
 * Merchant-internal fields (provider costs, margins, catalog prices, raw event properties): any
 * API key, never a customer token, which gets FORBIDDEN on the field and the rest of its answer.
 */
export const merchantOnly = adminOrIngest;
export const adminOrAnyCustomer = { $any: { admin: true, customerToken: true } } as const;
export const adminOrCustomer = (customerId: string) => ({ $any: { admin: true, customer: customerId } });
/** The portal's operations: an ADMIN key, or that customer's portal session (never a plain customer token). */
export const adminOrPortal = (customerId: string) => ({ $any: { admin: true, portal: customerId } });

/** The customer a portal session speaks for; undefined for any other caller. */
export const portalCustomerOf = (principal: Principal): string | undefined =>
  principal.kind === "customer" && principal.portal ? principal.customerId : undefined;
export const adminIngestOrCustomer = (customerId: string) => ({
  $any: { admin: true, ingest: true, customer: customerId },
});
/** Granted by createCustomer on the customer it returns (see `customerInput`). */
export const CREATED_CUSTOMER = "createdCustomer";
/**
 * A customer's own input fields (id, name, email, metadata): its readers, or whoever just created
 * it (an INGEST key may create customers and read back what it sent, never the wallet, usage,
 * events or invoices, whose fields keep the type's own policy).
 */
export const customerInput = (customerId: string) => ({
  $any: { admin: true, customer: customerId, $granted: CREATED_CUSTOMER },
});
/**
 * A customer's email and metadata: merchant data, as `customerInput` but never to the customer's
 * own token (FORBIDDEN on the field, the rest of the answer stays).
 */
export const customerPrivate = { $any: { admin: true, $granted: CREATED_CUSTOMER } } as const;
