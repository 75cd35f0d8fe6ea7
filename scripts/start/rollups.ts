/**
 * The rollups of a local server (the AI costs view, usage history): what the stream-fed Rollups
 * function does on AWS, by polling DynamoDB Local's table stream every `intervalMs` into the same
 * aggregator (core/ai-costs/aggregate.ts). One poll at a time; it logs only failures.
 */
import { aggregate } from "../../core/ai-costs/aggregate";
import type { Db } from "../../core/db/client";
import { streamPoller } from "../../tools/dynamodb-local/stream-poller";

export const DEFAULT_ROLLUP_INTERVAL_MS = 1_000;

export function startRollups(db: Db, intervalMs: number, log: (line: string) => void) {
  const poller = streamPoller(db, (records) => aggregate({ db }, records));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const run = () => {
    running = poller
      .poll()
      .catch((error: unknown) => log(`rollups: poll failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      poller.stop();
    },
  };
}
