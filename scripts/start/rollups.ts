/**
 * The rollups of a local server (the AI costs view, usage history): what the stream-fed Rollups
 * function does on AWS, by polling DynamoDB Local's table stream every `intervalMs` into the same
 * aggregator (core/ai-costs/aggregate.ts). One poll at a time; it logs only failures.
 */
import { aggregate } from "../../core/ai-costs/aggregate";
import type { Db } from "../../core/db/client";
import { messageOf, repeatEvery } from "../../core/repeat";
import { streamPoller } from "../../tools/dynamodb-local/stream-poller";

export const DEFAULT_ROLLUP_INTERVAL_MS = 1_000;

export function startRollups(db: Db, intervalMs: number, log: (line: string) => void) {
  const poller = streamPoller(db, (records) => aggregate({ db }, records));
  const loop = repeatEvery(
    intervalMs,
    () => poller.poll(),
    (error) => log(`rollups: poll failed: ${messageOf(error)}`),
  );
  return {
    async stop() {
      await loop.stop();
      poller.stop();
    },
  };
}
