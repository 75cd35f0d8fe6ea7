/**
 * What a portal session may do beyond reading its customer, where the rule needs the stored state
 * (the rules that need only the arguments are field policies: schema/auth.ts). A portal token is
 * the customer at a browser: it may change plan within its plan group, undo a scheduled cancel,
 * and in test mode pay its own purchase requests so the flow can be tried end to end; anything
 * else is FORBIDDEN. An invoice that is
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
import { findPlan, getPlan } from "../plans";
import type { Plan } from "../plans/plan";

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
 * A plan change asked for in the portal. The customer may keep its current plan at PERIOD_END
 * (undoing a scheduled cancel or change), or move to another plan of its plan's `group` with the
 * same consumption model (a CREDITS customer does not become a BALANCE one by a click: that is the
 * operator's decision). Within the group the ranks decide the timing: a higher rank is an upgrade,
 * made now (IMMEDIATE, the previewed charge); anything else (lower, equal or unranked) a downgrade,
 * made at the period end, so no money moves back to the customer mid-period. Anything else is
 * FORBIDDEN (also for a plan that does not exist); an archived plan of the group is BAD_USER_INPUT
 * (changePlan's own rule).
 */
export async function changePlanInPortal(
  deps: Deps,
  customerId: string,
  planCode: string,
  timing: ChangeTiming,
): Promise<Subscription> {
  const sub = activeSubscription((await currentWallet(deps, customerId)).wallet);
  if (!sub) throw new DomainError("NO_SUBSCRIPTION", `customer "${customerId}" has no active subscription`);
  if (planCode === sub.planCode) {
    if (timing !== "PERIOD_END")
      throw new DomainError(
        "FORBIDDEN",
        "in the portal, keeping the current plan is timing PERIOD_END (it undoes a scheduled cancel or change)",
      );
    return changePlan(deps, customerId, planCode, timing);
  }
  // A plan that does not exist is not in the group either: the same answer, so nothing is learnt by probing.
  const [current, target] = await Promise.all([getPlan(deps, sub.planCode), findPlan(deps, planCode)]);
  if (!target || !current.group || target.group !== current.group)
    throw new DomainError(
      "FORBIDDEN",
      `plan "${planCode}" is not in the customer's plan group; only the operator may move a customer there`,
    );
  if (target.model !== current.model)
    throw new DomainError(
      "FORBIDDEN",
      `plan "${planCode}" has another consumption model (${target.model}); only the operator may change it`,
    );
  const allowed = portalTiming(current, target);
  if (timing !== allowed)
    throw new DomainError(
      "FORBIDDEN",
      allowed === "IMMEDIATE"
        ? `plan "${planCode}" is an upgrade: in the portal it starts now (timing IMMEDIATE)`
        : `plan "${planCode}" is a downgrade: in the portal it starts at the period end (timing PERIOD_END)`,
    );
  return changePlan(deps, customerId, planCode, timing);
}

/** How the portal changes from `current` to `target` of the same group: an upgrade (higher rank) now, anything else at period end. */
export const portalTiming = (current: Plan, target: Plan): ChangeTiming =>
  (target.rank ?? 0) > (current.rank ?? 0) ? "IMMEDIATE" : "PERIOD_END";
