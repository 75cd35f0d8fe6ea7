/** Subscribing a customer to a plan: one active subscription per customer; period 1 starts now. */
import { DomainError } from "./errors";
import type { Deps } from "./deps";
import { getPlan } from "./plans";
import { addIntervals } from "./periods/arithmetic";
import { activeSubscription, openPeriod, type Subscription } from "./wallet";
import { loadWallet } from "./usage/load";
import * as repo from "./db/subscriptions";

export async function subscribe(deps: Deps, customerId: string, planCode: string): Promise<Subscription> {
  const wallet = await loadWallet(deps, customerId);
  const plan = await getPlan(deps, planCode);
  if (plan.archived) throw new DomainError("BAD_USER_INPUT", `plan "${planCode}" is archived and takes no new subscriptions`);
  if (activeSubscription(wallet)) throw new DomainError("ALREADY_EXISTS", `customer "${customerId}" already has an active subscription`);
  const now = await deps.clock.now();
  const subscription: Subscription = {
    planCode: plan.code,
    status: "ACTIVE",
    anchor: now.toISOString(),
    periodIndex: 0,
    periodStart: now.toISOString(),
    periodEnd: addIntervals(now, plan.interval, 1).toISOString(),
    cancelAtPeriodEnd: false,
  };
  const after = openPeriod(wallet, plan, subscription);
  const written = await repo.writePeriodChange(deps.db, wallet, after);
  if (!written) throw new DomainError("ALREADY_EXISTS", `customer "${customerId}" already has an active subscription`);
  return subscription;
}
