/**
 * What a portal session may do beyond reading its customer, where the rule needs the stored state
 * (the rules that need only the arguments are field policies: schema/auth.ts). A portal token is
 * the customer at a browser: it may undo a scheduled cancel, and in test mode pay its own purchase
 * requests so the flow can be tried end to end; anything else is FORBIDDEN. An invoice that is
 * not the customer's is NOT_FOUND, exactly as one that does not exist.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { activeSubscription } from "../wallet";
import { currentWallet } from "../usage/current";
import { changePlan, type ChangeTiming } from "../subscriptions";
import { findInvoiceOf, markInvoicePaid } from "../invoices/status";
import type { Invoice } from "../invoices/invoice";
import type { Subscription } from "../wallet";

/**
 * Test mode only: marks one of the customer's purchase requests paid (its credits or funds
 * arrive), as the company's payment integration would. In production the portal says the
 * purchase awaits payment instead.
 */
export async function payInTestMode(deps: Deps, customerId: string, invoiceId: string): Promise<Invoice> {
  if (deps.clock.mode !== "test")
    throw new DomainError(
      "FORBIDDEN",
      "only the company's payment integration marks invoices paid in production; the portal pays only in test mode",
    );
  const invoice = await findInvoiceOf(deps, invoiceId, customerId);
  if (!invoice) throw new DomainError("NOT_FOUND", `invoice "${invoiceId}" not found`);
  if (!invoice.grantOnPayment)
    throw new DomainError("FORBIDDEN", `invoice ${invoice.number} is not a purchase made in the portal`);
  return markInvoicePaid(deps, invoice.id);
}

/**
 * A plan change asked for in the portal: back to the current plan at period end, which undoes a
 * scheduled cancel or change. Moving to another plan needs plan groups (which plans a customer
 * may pick), which this deployment does not have yet: FORBIDDEN.
 */
export async function changePlanInPortal(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<Subscription> {
  const sub = activeSubscription((await currentWallet(deps, customerId)).wallet);
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${customerId}" has no active subscription`);
  if (planCode !== sub.planCode || timing !== "PERIOD_END")
    throw new DomainError(
      "FORBIDDEN",
      "the portal may only keep the current plan (timing PERIOD_END), which undoes a scheduled cancel or change",
    );
  return changePlan(deps, customerId, planCode, timing);
}
