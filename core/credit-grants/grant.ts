/**
 * Free credits (grantCredits), pure. A grant sits in the wallet's credit pool beside the plan's
 * credits and the purchased ones, and usage spends them in this order: plan credits, then grants
 * that expire, soonest first, then grants that never expire, then purchased credits (free before
 * paid, as Orb orders credit blocks of equal expiry).
 *
 * Usage never writes to a grant: a track only ADDs to `creditsUsed` and takes from `credits`, as
 * before grants existed (one transaction, same write units). What each pool has left is derived
 * from those counters: the period's use beyond its plan credits (`creditsUsed - planCredits`),
 * less what was already settled into the grants (`grantsBase`), is charged to the grants in
 * spending order; the rest of `credits` is purchased.
 *
 * The rare writes that change the grants first settle them (`settleGrants`): each grant's credits
 * become what it has left, `grantsBase` what the period has used beyond its plan credits so far,
 * and grants that have expired are removed with what they had left. So a grant added later never
 * takes the blame for usage before it, and an expired one stops counting: a write that finds a
 * grant expired settles it first (core/usage/current.ts), reads settle in memory, and a close
 * carries what each grant has left into the next period, dropping those expired by then.
 */
import { max, min, type Amount } from "../money";

export type CreditGrant = {
  /** The grant's idempotency key. */
  id: string;
  /** What it had left when the grants were last settled (what it granted, until then). */
  credits: Amount;
  expiresAt?: string;
};

/** What the grant logic reads of a wallet (core/wallet.ts). */
type Pools = {
  planCredits: Amount;
  creditsUsed: Amount;
  credits: Amount;
  grants?: CreditGrant[];
  grantsBase?: Amount;
  /** Credits held by open reservations (core/reservations): taken in spending order, like usage. */
  heldCredits?: Amount;
  /** The part of `heldCredits` kept from grants that expired under it (core/wallet.ts): no pool's. */
  heldExpired?: Amount;
};

/** Spending order: expiring first, soonest first; never-expiring last; then by id, so it is total. */
export const spendingOrder = (a: CreditGrant, b: CreditGrant): number =>
  (a.expiresAt ?? "~") < (b.expiresAt ?? "~")
    ? -1
    : (a.expiresAt ?? "~") > (b.expiresAt ?? "~")
      ? 1
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;

/**
 * What each grant has left of its own credits after the period's use, in spending order (no debt
 * counted). `holds`: whether open reservations' held credits count as used (what is available now)
 * or not (what a settle writes: a hold is not usage, and a release gives it back).
 */
function unsettledLefts(w: Pools, holds = true): { grant: CreditGrant; left: Amount }[] {
  const held = holds ? (w.heldCredits ?? 0n) - (w.heldExpired ?? 0n) : 0n;
  let unsettled = max(0n, max(0n, w.creditsUsed + held - w.planCredits) - (w.grantsBase ?? 0n));
  return [...(w.grants ?? [])].sort(spendingOrder).map((grant) => {
    const spent = min(grant.credits, unsettled);
    unsettled -= spent;
    return { grant, left: grant.credits - spent };
  });
}

/** What the grants hold before any debt: what wallet.ts's plan credits left must leave to them. */
export const grantsHeld = (w: Pools): Amount => (w.grants?.length ? sumLeft(unsettledLefts(w)) : 0n);

/**
 * What each grant has left, in spending order. `planLeft`: the plan credits left (wallet.ts), spent
 * before any grant. A debt (credits below what the pools hold: a voided pack already spent, see
 * wallet.ts) is repaid from the plan credits left first, which expire anyway, then from the
 * grants spent last.
 */
export function grantsLeft(w: Pools, planLeft: Amount): { grant: CreditGrant; left: Amount }[] {
  let available = max(0n, w.credits - planLeft);
  return unsettledLefts(w).map(({ grant, left: own }) => {
    const left = min(own, available);
    available -= left;
    return { grant, left };
  });
}

export const sumLeft = (lefts: { left: Amount }[]): Amount => lefts.reduce((sum, g) => sum + g.left, 0n);

const expired = (grant: CreditGrant, at: string) => grant.expiresAt !== undefined && grant.expiresAt <= at;

/** The soonest expiry among the wallet's grants, if any (a write settles the grants once it passes). */
export const nextExpiry = (w: Pools): string | undefined =>
  (w.grants ?? []).reduce<string | undefined>(
    (soonest, g) =>
      g.expiresAt !== undefined && (soonest === undefined || g.expiresAt < soonest) ? g.expiresAt : soonest,
    undefined,
  );

/** Whether a grant has expired by `at` (ISO time) and is still in the wallet. */
export const grantsDue = (w: Pools, at: string): boolean => {
  const soonest = nextExpiry(w);
  return soonest !== undefined && soonest <= at;
};

/**
 * The grants settled at `at`: each holds what it has left of its own credits, expired and used-up
 * ones removed (what expired grants had left leaves `credits`), and the period's use so far settled
 * into them. A debt is not taken from them here: it stays owed by the purchased pool.
 */
export function settleGrants<W extends Pools>(w: W, at: string): W {
  // Each grant's own credits left: a debt stays in the purchased pool (a pack repays it later).
  // Holds are not usage: a grant keeps its own credits left, the holds' shares are derived again.
  const lefts = unsettledLefts(w, false);
  // A hold is a promise: what open holds took of a grant that expires stays held (heldExpired),
  // for their settles to consume; only what was free of it leaves now (core/wallet.ts).
  const free = unsettledLefts(w, true);
  let lost = 0n;
  let kept = 0n;
  for (const [i, { grant, left }] of lefts.entries()) {
    if (!expired(grant, at)) continue;
    lost += free[i]!.left;
    kept += left - free[i]!.left;
  }
  const grants = lefts
    .filter(({ grant, left }) => left > 0n && !expired(grant, at))
    .map(({ grant, left }) => ({ ...grant, credits: left }));
  const { grants: _old, grantsBase: _base, heldExpired: _kept, ...rest } = w;
  const used = max(0n, w.creditsUsed - w.planCredits);
  const heldExpired = (w.heldExpired ?? 0n) + kept;
  return {
    ...rest,
    credits: w.credits - lost,
    ...(grants.length ? { grants } : {}),
    ...(used > 0n ? { grantsBase: used } : {}),
    ...(heldExpired > 0n ? { heldExpired } : {}),
  } as W;
}

/** The grants a new period starts with: what each has left, those expired by its start dropped. */
export function carriedGrants(w: Pools, planLeft: Amount, periodStart: string): CreditGrant[] {
  return grantsLeft(w, planLeft)
    .filter(({ grant, left }) => left > 0n && !expired(grant, periodStart))
    .map(({ grant, left }) => ({ ...grant, credits: left }));
}
