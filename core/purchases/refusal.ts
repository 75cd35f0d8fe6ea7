/**
 * Why a purchase cannot be sold to a wallet now: no plan, a plan whose model cannot spend it (its
 * strategy's `sells`), another currency, or a pool that would pass core/bounds.ts.
 */
import { MAX_SUM } from "../bounds";
import { DomainError } from "../errors";
import { modelsSelling, strategyFor } from "../models";
import { formatDecimal } from "../money";
import type { Plan } from "../plans/plan";
import type { Wallet } from "../wallet";
import type { Purchase } from "./purchase";

/** Why this purchase cannot be sold to this wallet now, if it cannot. */
export function purchaseRefusal(
  p: Purchase,
  wallet: Wallet,
  plan: Plan | undefined,
  added: bigint,
  currencyProblem: (plan: Plan) => string | undefined,
): DomainError | undefined {
  const [what, spends] = p.kind === "CREDIT_PACK" ? ["credit packs", "credits"] : ["top-ups", "a balance"];
  const sellers = `${what} can only be bought on a ${modelsSelling(p.kind).join(" or ")} plan`;
  if (!plan) {
    return new DomainError("NO_SUBSCRIPTION", `customer "${p.customerId}" has no active subscription; ${sellers}`);
  }
  if (!strategyFor(plan.model).sells.includes(p.kind)) {
    return new DomainError(
      "BAD_USER_INPUT",
      `customer "${p.customerId}" is on the ${plan.model} plan "${plan.code}", which cannot spend ${spends}; ${sellers}`,
    );
  }
  const problem = currencyProblem(plan);
  if (problem) return new DomainError("BAD_USER_INPUT", problem);
  const pools = p.kind === "CREDIT_PACK" ? [wallet.credits, wallet.purchasedCredits] : [wallet.topUps, wallet.balance];
  if (pools.some((pool) => pool + added > MAX_SUM))
    return new DomainError("LIMIT_REACHED", `the wallet would hold more than ${formatDecimal(MAX_SUM)}`);
  return undefined;
}
