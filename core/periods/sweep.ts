/**
 * The period-close sweeper (filled in by the periods work): finds due subscriptions through the
 * sparse, sharded due index and closes them with bounded concurrency inside a time budget.
 */
import type { Deps } from "../deps";

export type SweepOptions = { budgetMs?: number; concurrency?: number };
export type SweepResult = { found: number; closed: number; failed: number; durationMs: number; complete: boolean };

export async function closeDuePeriods(_deps: Deps, _options: SweepOptions = {}): Promise<SweepResult> {
  return { found: 0, closed: 0, failed: 0, durationMs: 0, complete: true };
}
