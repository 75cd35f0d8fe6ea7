/**
 * Credit packs and balance top-ups: prepaid, never expiring, idempotent by key. The purchase
 * record (the idempotency record) and the wallet ADD are one transaction, so a retried purchase
 * never adds twice.
 */
import { z } from "zod";
import type { Deps } from "./deps";
import { DomainError } from "./errors";
import { getCreditPack } from "./credit-packs";
import { IdSchema, PositiveAmount, parseInput } from "./validation";
import { walletView, type WalletView } from "./wallet";
import { currentWallet } from "./usage/current";
import { loadWallet } from "./usage/load";
import { recordPurchase, type Purchase } from "./db/purchases";

const PurchaseSchema = z.object({ customerId: IdSchema, idempotencyKey: IdSchema });

export async function purchaseCreditPack(deps: Deps, customerId: string, packCode: string, idempotencyKey: string): Promise<WalletView> {
  parseInput(PurchaseSchema, { customerId, idempotencyKey });
  const pack = await getCreditPack(deps, packCode);
  return purchase(deps, { kind: "CREDIT_PACK", customerId, idempotencyKey, packCode: pack.code, credits: pack.credits, amount: 0n, price: pack.price, currency: pack.currency });
}

export async function topUpBalance(deps: Deps, customerId: string, amount: bigint, idempotencyKey: string): Promise<WalletView> {
  parseInput(PurchaseSchema.extend({ amount: PositiveAmount }), { customerId, idempotencyKey, amount });
  return purchase(deps, { kind: "TOP_UP", customerId, idempotencyKey, credits: 0n, amount, price: amount, currency: "USD" });
}

async function purchase(deps: Deps, p: Omit<Purchase, "createdAt">): Promise<WalletView> {
  await loadWallet(deps, p.customerId);
  const now = await deps.clock.now();
  const outcome = await recordPurchase(deps.db, { ...p, createdAt: now.toISOString() });
  if (outcome !== "recorded" && outcome !== "replayed") {
    throw new DomainError("IDEMPOTENCY_KEY_REUSED", `idempotency key "${p.idempotencyKey}" was used for a different purchase`);
  }
  return walletView((await currentWallet(deps, p.customerId)).wallet);
}
