/**
 * The customer's wallet as of now. Writes (`close: true`) first close a period that has ended
 * (lazily, for real), so no usage is ever booked into a period that is over. Reads roll the wallet
 * forward in memory instead, showing the period a close would open, and never write.
 */
import type { Deps } from "../deps";
import type { Plan } from "../plans";
import { activeSubscription, type Wallet } from "../wallet";
import { closeIfDue } from "../periods/close";
import { rollForward } from "../periods/roll";
import { loadWallet, pricingPlan } from "./load";

export async function currentWallet(
  deps: Deps,
  customerId: string,
  options: { close?: boolean } = {},
): Promise<{ wallet: Wallet; plan?: Plan; now: Date }> {
  const [stored, now] = await Promise.all([loadWallet(deps, customerId), deps.clock.now()]);
  const wallet = options.close ? await closeIfDue(deps, stored, now) : await rollForward(deps, stored, now);
  const sub = activeSubscription(wallet);
  return { wallet, now, ...(sub ? { plan: await pricingPlan(deps, sub.planCode) } : {}) };
}
