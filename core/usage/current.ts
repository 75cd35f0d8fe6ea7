/**
 * The customer's wallet as of now. Writes (`close: true`) first close a period that has ended
 * (lazily, for real), so no usage is ever booked into a period that is over. Reads roll the wallet
 * forward in memory instead, showing the period a close would open, and never write. Reservations
 * past their expiry likewise: writes give their holds back for real first, reads show them given
 * back (core/reservations/expire.ts), so from every side a hold ends at its `expiresAt`.
 */
import type { Deps } from "../deps";
import type { Plan } from "../plans/plan";
import { activeSubscription, holdsDue, type Wallet } from "../wallet";
import { closeIfDue } from "../periods/close";
import { rollForward } from "../periods/roll";
import { loadWallet, subscribedPlan } from "./load";
import { cachedWallet, rememberWallet } from "../db/wallet-cache";
import { settleExpiredGrants, withoutExpiredGrants } from "../credit-grants/expire";
import { grantsDue } from "../credit-grants/grant";
import { expireDueHolds, withDueHoldsGivenBack } from "../reservations/expire";
import { issueDue } from "../periods/grace";

export async function currentWallet(
  deps: Deps,
  customerId: string,
  options: { close?: boolean } = {},
): Promise<{ wallet: Wallet; plan?: Plan; now: Date }> {
  const [stored, now] = await Promise.all([loadWallet(deps, customerId), deps.clock.now()]);
  let wallet = options.close ? await closeIfDue(deps, stored, now) : await rollForward(deps, stored, now);
  if (holdsDue(wallet, now)) {
    if (options.close) {
      await expireDueHolds(deps, wallet, now);
      wallet = await closeIfDue(deps, await loadWallet(deps, customerId), now);
    } else wallet = await withDueHoldsGivenBack(deps, wallet, now);
  }
  // Grants after holds: a hold given back first is settled with the grants it came from.
  wallet = options.close ? await settleExpiredGrants(deps, wallet, now) : withoutExpiredGrants(wallet, now);
  const sub = activeSubscription(wallet);
  // The plan as the subscription's add-ons extend it (core/add-ons/terms.ts).
  return { wallet, now, ...(sub ? { plan: await subscribedPlan(deps, sub) } : {}) };
}

/**
 * The wallet a usage write prices against, and whether it is `trusted` (just read, or just
 * returned by a failed condition) or this process's cached view (db/wallet-cache.ts), which costs
 * no read: the write's conditions (status, plan, period, guards) are checked by DynamoDB against
 * the real item. A cached view is only used while its period is still running; a refusal decided
 * on it must be re-decided on a trusted wallet. `given`: the wallet a failed condition returned.
 */
export async function walletForWrite(
  deps: Deps,
  customerId: string,
  options: { cache: boolean; given?: Wallet },
): Promise<{ wallet: Wallet; plan?: Plan; now: Date; trusted: boolean }> {
  const found = await viewForWrite(deps, customerId, options);
  // A reservation may have expired: the customer's next write gives its hold back first
  // (core/reservations/expire.ts). Wallets that never reserved carry no mark: nothing to compare.
  if (!holdsDue(found.wallet, found.now)) return found;
  await expireDueHolds(deps, found.wallet, found.now);
  const current = await currentWallet(deps, customerId, { close: true });
  rememberWallet(deps.db, current.wallet);
  return { ...current, trusted: true };
}

async function viewForWrite(
  deps: Deps,
  customerId: string,
  options: { cache: boolean; given?: Wallet },
): Promise<{ wallet: Wallet; plan?: Plan; now: Date; trusted: boolean }> {
  const view = options.given ?? (options.cache ? cachedWallet(deps.db, customerId) : undefined);
  const sub = view && activeSubscription(view);
  if (view && sub) {
    const now = await deps.clock.now();
    // Like an ended period, an expired grant is settled on a fresh read first (core/credit-grants).
    if (Date.parse(sub.periodEnd) > now.getTime() && !grantsDue(view, now.toISOString()) && !issueDue(view, now)) {
      const plan = await subscribedPlan(deps, sub);
      return { wallet: view, plan, now, trusted: options.given !== undefined };
    }
  }
  const current = await currentWallet(deps, customerId, { close: true });
  rememberWallet(deps.db, current.wallet);
  return { ...current, trusted: true };
}
