/**
 * Guards, whatever the model: evaluating a charge's guards on a wallet (what the entitlement check
 * and a write's pre-check decide with), and folding a batch's charges into one set of guards (what
 * its single condition asserts).
 */
import { min } from "../money";
import { committedOf, type Wallet } from "../wallet";
import type { Charge, DenyReason, Guard } from "./types";

/** The reasons a guard refuses with; each is also the error code of a refused track. */
export type GuardDenial = "INSUFFICIENT_CREDITS" | "INSUFFICIENT_BALANCE" | "LIMIT_REACHED";
const DENIAL: Record<Guard["kind"], GuardDenial & DenyReason> = {
  credits: "INSUFFICIENT_CREDITS",
  balance: "INSUFFICIENT_BALANCE",
  limit: "LIMIT_REACHED",
  spent: "LIMIT_REACHED",
};

/** The first guard of the charge the wallet fails, as a deny reason; null when it would be accepted. */
export function denial(wallet: Wallet, charge: Charge): GuardDenial | null {
  for (const guard of charge.guards) {
    const holds =
      guard.kind === "credits"
        ? wallet.credits >= guard.atLeast
        : guard.kind === "balance"
          ? wallet.balance >= guard.atLeast
          : guard.kind === "spent"
            ? wallet.spent <= guard.atMost
            : // the stored counter, holds included: what the write's condition checks
              committedOf(wallet, guard.feature) <= guard.atMost;
    if (!holds) return DENIAL[guard.kind];
  }
  return null;
}

/** Whether the charge would take one of the wallet's running sums beyond core/bounds.ts. */
export const beyondBounds = (wallet: Wallet, charge: Charge): boolean =>
  denial(wallet, { ...charge, guards: charge.guards.filter((g) => "ceiling" in g && g.ceiling) }) !== null;

/**
 * The guards of several charges priced on one plan, as one condition on the wallet before all of
 * them: the sums must fit. Equivalent to checking each in turn, because every charge only ever
 * consumes, and guards exactly what it consumes (test/unit/models/guards.test.ts).
 */
export function combinedGuards(charges: Charge[]): Guard[] {
  let credits: bigint | undefined;
  let balance: bigint | undefined;
  let spentCeiling: bigint | undefined;
  let cost = 0n;
  const limits = new Map<string, bigint>();
  const quantity = new Map<string, bigint>();
  for (const c of charges) {
    quantity.set(c.feature, (quantity.get(c.feature) ?? 0n) + c.quantity);
    cost += c.cost ?? 0n;
    for (const g of c.guards) {
      if (g.kind === "credits") credits = (credits ?? 0n) + g.atLeast;
      else if (g.kind === "balance") balance = (balance ?? 0n) + g.atLeast;
      else if (g.kind === "spent") {
        const ceiling = g.atMost + (c.cost ?? 0n);
        spentCeiling = min(ceiling, spentCeiling ?? ceiling);
      } else {
        const limit = g.atMost + c.quantity;
        limits.set(g.feature, min(limit, limits.get(g.feature) ?? limit));
      }
    }
  }
  return [
    ...(credits !== undefined ? [{ kind: "credits" as const, atLeast: credits }] : []),
    ...(balance !== undefined ? [{ kind: "balance" as const, atLeast: balance }] : []),
    ...(spentCeiling !== undefined
      ? [{ kind: "spent" as const, atMost: spentCeiling - cost, ceiling: true as const }]
      : []),
    ...[...limits].map(([feature, limit]) => ({
      kind: "limit" as const,
      feature,
      atMost: limit - (quantity.get(feature) ?? 0n),
    })),
  ];
}
