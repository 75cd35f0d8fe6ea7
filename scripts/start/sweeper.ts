/**
 * The period-close sweeper of a local server: what the scheduled ClosePeriods function does on
 * AWS, run now and then every interval, never two runs at once; it logs only when it did something.
 */
import type { Deps } from "../../core/deps";
import { closeDuePeriods } from "../../core/periods/sweep";
import { messageOf, repeatEvery } from "../../core/repeat";

export type Sweeper = { stop: () => Promise<void> };

/** The shortest sweep interval accepted. */
export const MIN_SWEEP_INTERVAL_MS = 100;

export function checkSweepInterval(intervalMs: number): void {
  if (!Number.isInteger(intervalMs) || intervalMs < MIN_SWEEP_INTERVAL_MS)
    throw new Error(`the sweep interval must be a whole number of ms, at least ${MIN_SWEEP_INTERVAL_MS}`);
}

export function startSweeper(deps: Deps, intervalMs: number, log: (line: string) => void): Sweeper {
  const budgetMs = Math.max(1_000, intervalMs - 1_000);
  return repeatEvery(
    intervalMs,
    async () => {
      const result = await closeDuePeriods(deps, { budgetMs });
      if (result.closed > 0 || result.failed > 0) {
        log(
          `sweeper: closed ${result.closed} of ${result.found} due period(s)` +
            (result.failed ? `, ${result.failed} failed` : "") +
            (result.complete ? "" : "; more are due, continuing next run") +
            ` (${result.durationMs} ms)`,
        );
      }
    },
    (error) => log(`sweeper: run failed: ${messageOf(error)}`),
  );
}
