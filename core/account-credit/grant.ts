/**
 * Account credit, pure: money owed to the customer, as grants. A grant comes from
 * `grantAccountCredit` (id: its idempotency key), from an invoice whose subtotal was below zero
 * (id: `remainder~<wallet version>~<period start>`), or from voiding an invoice that had applied
 * credit (id: `void~<invoice id>`, core/invoices/void.ts); "~" is never in a client's ID, so none collide.
 * Grants are applied to the next subscription invoices of their currency, soonest-expiring first
 * (a grant without expiry last; then oldest first), as one ACCOUNT_CREDIT line of whole minor units
 * (core/invoices/settle.ts). An expired grant is no longer applied and is dropped by the next write
 * of the wallet; a used-up grant too. The wallet keeps the grants with something left (its
 * `creditGrants`) and their sum (`accountCredit`).
 */
import { min, type Amount } from "../money";

export type CreditGrant = {
  id: string;
  amount: Amount;
  remaining: Amount;
  currency: string;
  reason: string;
  expiresAt?: string;
  createdAt: string;
  /** Held as the wallet's sum only, with no grants map yet (written before grants: core/db/wallets.ts); never stored. */
  storedAsSum?: true;
};

/** The sum of what is left of the grants. */
export const creditLeft = (grants: readonly CreditGrant[]): Amount => grants.reduce((s, g) => s + g.remaining, 0n);

/** Whether a grant can still be applied at `at`. */
export const isLive = (g: CreditGrant, at: Date): boolean =>
  g.remaining > 0n && (g.expiresAt === undefined || Date.parse(g.expiresAt) > at.getTime());

/** Soonest-expiring first, a grant without expiry last, then the oldest, then by id (a total order). */
export function byUseOrder(a: CreditGrant, b: CreditGrant): number {
  const ea = a.expiresAt ? Date.parse(a.expiresAt) : Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ? Date.parse(b.expiresAt) : Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The grants still usable at `at`, in the order they are used. */
export const liveGrants = (grants: readonly CreditGrant[], at: Date): CreditGrant[] =>
  grants.filter((g) => isLive(g, at)).sort(byUseOrder);

/**
 * Takes `amount` of `currency` from the live grants, in use order; returns every grant kept after
 * it (live ones with something left, of any currency), expired and used-up ones dropped.
 */
export function takeCredit(grants: readonly CreditGrant[], currency: string, amount: Amount, at: Date): CreditGrant[] {
  let left = amount;
  const kept: CreditGrant[] = [];
  for (const g of liveGrants(grants, at)) {
    if (g.currency !== currency || left === 0n) {
      kept.push(g);
      continue;
    }
    const used = min(g.remaining, left);
    left -= used;
    if (g.remaining - used > 0n) kept.push({ ...g, remaining: g.remaining - used });
  }
  if (left !== 0n) throw new Error(`took ${amount} of account credit but only ${amount - left} was there`);
  return kept;
}

/** What `currency` of account credit is usable at `at`. */
export const usableCredit = (grants: readonly CreditGrant[], currency: string, at: Date): Amount =>
  creditLeft(liveGrants(grants, at).filter((g) => g.currency === currency));
