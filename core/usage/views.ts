/** Read views of a customer's usage: the wallet, per-feature usage this period, and the event log. */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { max, multiply, type Amount } from "../money";
import { listEvents } from "../db/events";
import { decodeEventCursor } from "../db/keys";
import { currentWallet } from "./current";
import { walletView, type WalletView } from "../wallet";

/** The customer's wallet as of now, as the API shows it for the model of its plan. */
export async function customerWallet(deps: Deps, customerId: string): Promise<WalletView> {
  const { wallet, plan } = await currentWallet(deps, customerId);
  return walletView(wallet, plan?.model);
}

export type FeatureUsage = {
  feature: string;
  used: Amount;
  included?: Amount;
  overage?: Amount;
  cost?: Amount;
  credits?: Amount;
};

export async function featureUsage(deps: Deps, customerId: string): Promise<FeatureUsage[]> {
  const { wallet, plan } = await currentWallet(deps, customerId);
  if (!plan) return [];
  return plan.features
    .filter((f) => f.kind === "METERED")
    .map((f) => {
      const used = wallet.usage[f.feature] ?? 0n;
      if (plan.model === "METERED") {
        const included = f.included ?? 0n;
        const overage = max(0n, used - included);
        return { feature: f.feature, used, included, overage, cost: multiply(overage, f.overagePrice ?? 0n) };
      }
      if (plan.model === "CREDITS")
        return { feature: f.feature, used, credits: wallet.featureCredits[f.feature] ?? 0n };
      return { feature: f.feature, used, cost: wallet.featureCost[f.feature] ?? 0n };
    });
}

export async function customerEvents(deps: Deps, customerId: string, first: number, after?: string | null) {
  if (!Number.isInteger(first) || first < 1 || first > 100)
    throw new DomainError("BAD_USER_INPUT", "first must be between 1 and 100");
  const from = after ? decodeEventCursor(customerId, after) : undefined;
  if (after && !from) throw new DomainError("BAD_USER_INPUT", "after is not a cursor from this customer's list");
  return listEvents(deps.db, customerId, first, from);
}
