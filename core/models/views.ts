/** What the customer sees of a wallet and of each metered feature, as the plan's model shows it. */
import type { ConsumptionModel, Plan } from "../plans/plan";
import { heldPurchases, type Wallet, type WalletView } from "../wallet";
import { strategyFor } from "./strategies";
import type { FeatureUsage } from "./types";
import { levelKindOf } from "./levels";

/** The wallet as the API shows it for `model`; without a plan, only what the customer holds. */
export const walletView = (wallet: Wallet, model: ConsumptionModel | undefined): WalletView =>
  model ? strategyFor(model).walletView(wallet) : heldPurchases(wallet);

/** Each metered feature's usage this period, and each seats or quota feature's level. */
export function featureUsages(wallet: Wallet, plan: Plan): FeatureUsage[] {
  const strategy = strategyFor(plan.model);
  return plan.features
    .filter((f) => f.kind !== "BOOLEAN")
    .map((f) => levelKindOf(f)?.usageView(wallet, f) ?? strategy.usageView(wallet, f));
}
