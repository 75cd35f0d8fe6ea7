/**
 * This process's last view of each wallet (per table and customer), so that a steady-state track
 * can skip the wallet read: its transaction is conditioned on the subscription's status, plan and
 * period and on the charge's guards, which DynamoDB checks against the real item. A stale view
 * therefore never lets a wrong write land; it can only make the write fail (and the caller then
 * works from the wallet the failed condition returns) or make an in-memory pre-check refuse, which
 * callers must re-decide on a fresh read before answering.
 *
 * Views are dropped on every period change and purchase this process writes (db/subscriptions.ts,
 * db/purchases.ts). Writes of other processes are not seen: counters shown from a view are "as of
 * this process's last view plus its own writes since". Bounded: the views least recently written are
 * evicted first (a hot customer's is re-inserted by each of its writes), at WALLET_CACHE_LIMIT.
 *
 * The limit is a Lambda's: an instance serves its recent customers, and a view is worth one read
 * (an evicted one costs a GetItem on the customer's next write, never a wrong answer), while a
 * view is heap: about 1.3 KB for a one-feature wallet, more with features, grants and add-ons.
 * 1,000 views keep a busy instance's working set within a few MB (10,000, before, held 13 MB and
 * more in a long-lived process serving many customers). The period-close sweeper never fills it: a
 * close reads the wallet (usage/load.ts) and its write forgets the view (db/subscriptions.ts).
 */
import type { Wallet } from "../wallet";
import type { Db } from "./client";

export const WALLET_CACHE_LIMIT = 1_000;

const views = new Map<string, Wallet>();
const keyOf = (db: Db, customerId: string) => `${db.table}\u0000${customerId}`;

export function cachedWallet(db: Db, customerId: string): Wallet | undefined {
  return views.get(keyOf(db, customerId));
}

export function rememberWallet(db: Db, wallet: Wallet): void {
  const key = keyOf(db, wallet.customerId);
  views.delete(key); // re-inserted last: Map order is the eviction order
  views.set(key, wallet);
  if (views.size > WALLET_CACHE_LIMIT) views.delete(views.keys().next().value!);
}

export function forgetWallet(db: Db, customerId: string): void {
  views.delete(keyOf(db, customerId));
}

/** How many views this process holds (the bench's memory lines, tests). */
export const cachedWalletCount = () => views.size;
