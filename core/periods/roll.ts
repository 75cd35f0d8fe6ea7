/**
 * The wallet rolled forward to `now` in memory: every period that has ended is closed as a close
 * would close it (the same code, core/periods/catch-up.ts, so account credit the closes would take
 * is not shown as still there). Reads (entitlements, the customer view) use this so they never show
 * an ended period; writes close for real first (core/periods/close.ts).
 */
import type { Deps } from "../deps";
import { activeSubscription, isDue, type Wallet } from "../wallet";
import { planCloses } from "./catch-up";

export async function rollForward(deps: Deps, wallet: Wallet, now: Date): Promise<Wallet> {
  // What planCloses would find first: nothing to close unless a period ended (every check asks).
  const sub = activeSubscription(wallet);
  if (!wallet.ended && !(sub && isDue(sub, now))) return wallet;
  let current = wallet;
  for (let more = true; more; ) {
    const step = await planCloses(deps, current, now);
    if (!step.closes && !step.reminders) return current;
    current = step.after;
    more = step.more;
  }
  return current;
}
