/**
 * Money owed from a voided top-up that was already spent (core/invoices/void.ts): a top-up pool
 * below zero. A BALANCE plan bills it with its own overage (a balance below zero); the other
 * models bill it here, as its own line, at the close of the period they are in.
 */
import { SCALE } from "../money";
import { balanceOverage, type Wallet } from "../wallet";
import type { OverageCharge } from "./types";

export function topUpDebt(wallet: Wallet): OverageCharge[] {
  const owed = balanceOverage(wallet);
  return owed > 0n ? [{ description: "Voided top-up already spent", quantity: SCALE, unitPrice: owed }] : [];
}
