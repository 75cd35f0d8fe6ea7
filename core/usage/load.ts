/** Loading what a usage operation needs: the wallet, and the plan its subscription prices with. */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import type { Plan } from "../plans/plan";
import { IdSchema, parseInput } from "../validation";
import { getWallet } from "../db/wallets";
import { getPlanForPricing } from "../db/plans";
import type { Subscription, Wallet } from "../wallet";
import { withAddOns } from "../add-ons/terms";

export async function loadWallet(deps: Deps, customerId: string): Promise<Wallet> {
  const wallet = await getWallet(deps.db, parseInput(IdSchema, customerId, "customerId"));
  if (!wallet) throw new DomainError("NOT_FOUND", `customer "${customerId}" not found`);
  // Account credit recorded before grants existed is in the currency of the plan it came from.
  if (wallet.subscription && wallet.creditGrants.some((g) => g.currency === "")) {
    const { currency } = await pricingPlan(deps, wallet.subscription.planCode);
    wallet.creditGrants = wallet.creditGrants.map((g) => (g.currency === "" ? { ...g, currency } : g));
  }
  return wallet;
}

export async function pricingPlan(deps: Deps, code: string): Promise<Plan> {
  const plan = await getPlanForPricing(deps.db, code);
  if (!plan) throw new Error(`plan ${code} of a subscription is missing`);
  return plan;
}

/** The plan a subscription prices with: its plan, extended by the add-ons it carries. */
export async function subscribedPlan(deps: Deps, sub: Subscription): Promise<Plan> {
  return withAddOns(await pricingPlan(deps, sub.planCode), sub);
}
