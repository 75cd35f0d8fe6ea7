/**
 * The wallet rolled forward to `now` in memory: every period that has ended is renewed as a
 * close would renew it. Reads (entitlements, the customer view) use this so they never show an
 * ended period; writes close for real first (core/periods/close.ts).
 */
import type { Deps } from "../deps";
import { activeSubscription, type Wallet } from "../wallet";
import { pricingPlan } from "../usage/load";
import { renewWallet } from "./renew";

export async function rollForward(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  let current = wallet;
  for (
    let sub = activeSubscription(current);
    sub && Date.parse(sub.periodEnd) <= now.getTime();
    sub = activeSubscription(current)
  ) {
    const plan = await pricingPlan(deps, sub.planCode);
    const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
    current = renewWallet(current, plan, next);
  }
  return current;
}
