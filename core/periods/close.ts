/**
 * Closing a billing period for one customer: one transaction, conditioned on the period it
 * closes, that renews the wallet (and writes the period's invoice). Running it twice, late, or
 * concurrently with tracking closes once: the loser's condition fails and it reads the winner's.
 */
import type { Deps } from "../deps";
import { activeSubscription, type Wallet } from "../wallet";
import { pricingPlan, loadWallet } from "../usage/load";
import { writePeriodChange } from "../db/subscriptions";
import { renewWallet } from "./renew";

/** Closes every ended period of the wallet (oldest first) and returns the wallet as it is now. */
export async function closeIfDue(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  let current = wallet;
  for (let sub = activeSubscription(current); sub && Date.parse(sub.periodEnd) <= now.getTime(); sub = activeSubscription(current)) {
    current = await closePeriod(deps, current);
  }
  return current;
}

/** Closes the wallet's current period; returns the wallet after it, whoever closed it. */
export async function closePeriod(deps: Deps, wallet: Wallet): Promise<Wallet> {
  const sub = wallet.subscription!;
  const plan = await pricingPlan(deps, sub.planCode);
  const next = sub.cancelAtPeriodEnd ? undefined : await pricingPlan(deps, sub.scheduledPlanCode ?? sub.planCode);
  const after = renewWallet(wallet, plan, next);
  const written = await writePeriodChange(deps.db, wallet, after);
  return written ? after : loadWallet(deps, wallet.customerId);
}
