/** Read views of a customer's usage: the wallet, per-feature usage this period, and the event log. */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { listEvents } from "../db/event-timeline";
import { decodeEventCursor } from "../db/keys";
import { currentWallet } from "./current";
import type { WalletView } from "../wallet";
import { featureUsages, walletView, type FeatureUsage } from "../models";

/** The customer's wallet as of now, as the API shows it for the model of its plan. */
export async function customerWallet(deps: Deps, customerId: string): Promise<WalletView> {
  const { wallet, plan } = await currentWallet(deps, customerId);
  return walletView(wallet, plan?.model);
}

export type { FeatureUsage } from "../models";

export async function featureUsage(deps: Deps, customerId: string): Promise<FeatureUsage[]> {
  const { wallet, plan } = await currentWallet(deps, customerId);
  return plan ? featureUsages(wallet, plan) : [];
}

export async function customerEvents(deps: Deps, customerId: string, first: number, after?: string | null) {
  if (!Number.isInteger(first) || first < 1 || first > 100)
    throw new DomainError("BAD_USER_INPUT", "first must be between 1 and 100");
  const from = after ? decodeEventCursor(customerId, after) : undefined;
  if (after && !from) throw new DomainError("BAD_USER_INPUT", "after is not a cursor from this customer's list");
  return listEvents(deps.db, customerId, first, from);
}
