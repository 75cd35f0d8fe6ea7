/**
 * `migrateSubscribers(fromPlan, toPlan, timing)`: moves every subscriber of a plan to another, each
 * by the same change as `changePlan` (./plan-change.ts). A plan's subscribers are the wallets whose
 * subscription renews into it (the plan index, core/db/subscribers.ts): on it and not leaving at
 * period end, or scheduled to switch to it. One scheduled to switch to `fromPlan` is rescheduled to
 * `toPlan` (at its period end, whatever the timing); one canceling at period end is left alone.
 *
 * Resumable without a stored cursor: a moved subscriber no longer renews into `fromPlan`, so it
 * leaves the index, and a later call finds only those not moved yet. A call stops after `limit`
 * moves or when its time budget (about 20 s, well inside the API Lambda's 29 s) is spent, and
 * returns how many it moved; calling again until it returns 0 moves everyone. Idempotent and safe
 * to run twice at once: each move re-reads the wallet and is conditioned on it, so a subscriber
 * already moved (by this run, another, or the operator) is skipped and never moved twice.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getPlan } from "../plans";
import { IdSchema, parseInput } from "../validation";
import type { Plan } from "../plans/plan";
import { activeSubscription } from "../wallet";
import { subscribersPage } from "../db/subscribers";
import { change } from "./change";
import { orderablePlan, planChange, type ChangeTiming } from "./plan-change";

/** Subscribers moved at once (different customers: they only meet at the invoice counter, group-committed). */
const CONCURRENCY = 8;
const PAGE = 100;
export const MIGRATION_BUDGET_MS = 20_000;

export type MigrationOptions = { limit?: number; budgetMs?: number };

export async function migrateSubscribers(
  deps: Deps,
  fromPlan: string,
  toPlan: string,
  timing: ChangeTiming,
  options: MigrationOptions = {},
): Promise<number> {
  parseInput(IdSchema, fromPlan, "fromPlan");
  parseInput(IdSchema, toPlan, "toPlan");
  const { limit: given } = options;
  if (given !== undefined && !(Number.isInteger(given) && given >= 1 && given <= 100_000))
    throw new DomainError("BAD_USER_INPUT", "limit must be 1 to 100000");
  if (fromPlan === toPlan) throw new DomainError("BAD_USER_INPUT", "toPlan must differ from fromPlan");
  const [from, to] = await Promise.all([getPlan(deps, fromPlan), orderablePlan(deps, toPlan)]);
  if (from.currency !== to.currency)
    throw new DomainError(
      "BAD_USER_INPUT",
      `toPlan "${to.code}" is in ${to.currency} and fromPlan "${from.code}" in ${from.currency}: a subscription keeps its currency`,
    );
  const limit = given ?? Number.POSITIVE_INFINITY;
  const deadline = Date.now() + (options.budgetMs ?? MIGRATION_BUDGET_MS);
  const more = () => moved < limit && Date.now() < deadline;
  let moved = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await subscribersPage(deps.db, from.code, start, PAGE);
    for (let i = 0; i < page.customerIds.length && more(); ) {
      const batch = page.customerIds.slice(i, i + Math.min(CONCURRENCY, limit - moved));
      i += batch.length;
      // Every move of the group finishes before the call answers, also when one fails: a move left
      // running would change a subscription after the caller was told the call had failed.
      const results = await Promise.allSettled(batch.map((id) => moveSubscriber(deps, id, from, to, timing)));
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
      moved += results.filter((r) => r.status === "fulfilled" && r.value).length;
    }
    start = page.next;
  } while (start && more());
  return moved;
}

/** Moves one subscriber if it still renews into `from`; whether this call moved it. */
async function moveSubscriber(deps: Deps, customerId: string, from: Plan, to: Plan, timing: ChangeTiming) {
  let moved = false;
  await change(deps, customerId, async (wallet, now) => {
    const sub = activeSubscription(wallet);
    moved = sub !== undefined && !sub.cancelAtPeriodEnd && (sub.scheduledPlanCode ?? sub.planCode) === from.code;
    if (!moved) return undefined;
    return planChange(deps, wallet, now, to, sub!.planCode === from.code ? timing : "PERIOD_END");
  });
  return moved;
}
