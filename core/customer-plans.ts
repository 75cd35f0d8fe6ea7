/**
 * The plans a customer token may see: the ones on offer (not archived) and its own (current and
 * scheduled), even when archived. There is no private-plan flag: a plan made for one customer is
 * hidden from the others by archiving it once that customer is subscribed (the subscriber keeps
 * it, and keeps seeing it). API keys see every plan.
 */
import type { Deps } from "./deps";
import type { Plan } from "./plans/plan";
import { findPlan, listPlans } from "./plans";
import { getWallet } from "./db/wallets";

/** `viewer`: the customer a token speaks for; undefined for an API key. */
export async function plansFor(deps: Deps, viewer: string | undefined, includeArchived: boolean): Promise<Plan[]> {
  if (viewer === undefined) return listPlans(deps, includeArchived);
  const [plans, own] = await Promise.all([listPlans(deps, true), ownPlanCodes(deps, viewer)]);
  return plans.filter((p) => !p.archived || own.has(p.code));
}

/** One plan, or undefined when it does not exist or the viewer may not see it (the same answer). */
export async function planFor(deps: Deps, code: string, viewer: string | undefined): Promise<Plan | undefined> {
  const plan = await findPlan(deps, code);
  if (!plan || viewer === undefined || !plan.archived) return plan;
  return (await ownPlanCodes(deps, viewer)).has(plan.code) ? plan : undefined;
}

async function ownPlanCodes(deps: Deps, customerId: string): Promise<Set<string>> {
  const subscription = (await getWallet(deps.db, customerId))?.subscription;
  return new Set([subscription?.planCode, subscription?.scheduledPlanCode].filter((c): c is string => !!c));
}
