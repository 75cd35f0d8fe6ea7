/**
 * Grants that expire mid-period: the first write to find one expired settles the grants before it
 * goes on (what the expired ones had left leaves the credits), so no usage is ever charged to a
 * grant after its expiry. Reads settle in memory instead (core/usage/current.ts).
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { Backoff, CONFLICT_ATTEMPTS } from "../retry";
import type { Wallet } from "../wallet";
import { writeSettledGrants } from "../db/credit-grants";
import { loadWallet } from "../usage/load";
import { closeIfDue } from "../periods/close";
import { grantsDue, settleGrants } from "./grant";

/** The wallet in memory with its expired grants settled at `now`. */
export const withoutExpiredGrants = (wallet: Wallet, now: Date): Wallet =>
  grantsDue(wallet, now.toISOString()) ? settleGrants(wallet, now.toISOString()) : wallet;

/** The same, written: conditioned on the wallet's version, retried on a fresh read when it changed. */
export async function settleExpiredGrants(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  const at = now.toISOString();
  const backoff = new Backoff({
    attempts: CONFLICT_ATTEMPTS,
    exhausted: () => new DomainError("CONFLICT", "the customer's wallet changed concurrently too often; retry"),
  });
  let current = wallet;
  while (grantsDue(current, at)) {
    const after = settleGrants(current, at);
    if (await writeSettledGrants(deps.db, current, after)) return { ...after, version: current.version + 1 };
    await backoff.next();
    current = await closeIfDue(deps, await loadWallet(deps, current.customerId), now);
  }
  return current;
}
