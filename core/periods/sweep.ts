/**
 * The period-close sweeper: what the scheduled function and `closeDuePeriods` run. It first
 * publishes events a crash left unpublished, then finds due subscriptions through the sparse,
 * sharded due index (no scans) and closes them with bounded concurrency, stopping cleanly when its
 * time budget runs out (the next run continues where it stopped). One failing customer is logged
 * and counted, never stopping the rest (and its writes never fail another customer's: see the group
 * commit in core/db/group-commit.ts); it is tried again on the next run. A customer whose catch-up
 * another worker is running (core/periods/close.ts) is skipped: that worker finishes it.
 */
import type { Deps } from "../deps";
import { publishOutbox } from "../events/publish";
import { listDue } from "../db/due";
import { drain } from "../drain";
import { closeDue } from "./close";
import { loadWallet } from "../usage/load";
import { expireDueReservations } from "../reservations/expire";

/**
 * concurrency: customers closed at once (default 16). Their reads and event publishing overlap;
 * their transactions share the invoice counter and so are group-committed (core/db/group-commit.ts).
 */
export type SweepOptions = { budgetMs?: number; concurrency?: number };
/**
 * found: due subscriptions seen; closed: periods this run closed (several per customer when it is
 * behind); failed: customers whose close failed (logged); skipped: customers another worker was
 * catching up.
 */
export type SweepResult = {
  found: number;
  closed: number;
  failed: number;
  skipped: number;
  published: number;
  /** Reservations whose hold expired, given back (core/reservations/expire.ts). */
  expired: number;
  durationMs: number;
  complete: boolean;
};

export async function closeDuePeriods(deps: Deps, options: SweepOptions = {}): Promise<SweepResult> {
  const started = Date.now();
  const result: SweepResult = {
    found: 0,
    closed: 0,
    failed: 0,
    skipped: 0,
    published: await publishOutbox(deps),
    expired: 0,
    durationMs: 0,
    complete: true,
  };
  const now = await deps.clock.now();
  const drained = await drain(
    listDue(deps.db, now),
    { started, budgetMs: options.budgetMs ?? 60_000, concurrency: options.concurrency ?? 16 },
    async (customerId) => {
      result.found++;
      try {
        // Awaited first: `result.closed += await ...` reads result.closed before the await and
        // loses the counts other workers add meanwhile.
        const { closed, skipped } = await closeDue(deps, await loadWallet(deps, customerId), now, {
          onLeased: "skip",
        });
        result.closed += closed;
        if (skipped) result.skipped++;
      } catch (error) {
        result.failed++;
        console.error(JSON.stringify({ level: "error", msg: "period close failed", customerId, error: String(error) }));
      }
    },
  );
  result.complete = drained.complete;
  // Then the holds due (their own sparse index): given back in whichever period the close left, the
  // same as before it (a close carries a hold as a hold).
  result.expired = await expireDueReservations(deps, now);
  result.durationMs = Date.now() - started;
  return result;
}
