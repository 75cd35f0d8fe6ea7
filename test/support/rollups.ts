/**
 * The rollup aggregator for a test server, as npm start runs it: the table's stream read by the
 * poller (tools/dynamodb-local/stream-poller.ts) into core/ai-costs/aggregate.ts. `drain` after the
 * writes a test wants counted.
 */
import { aggregate } from "../../core/ai-costs/aggregate";
import type { Db } from "../../core/db/client";
import { streamPoller, type StreamPoller } from "../../tools/dynamodb-local/stream-poller";

export function rollupPoller(db: Db): StreamPoller {
  return streamPoller(db, (records) => aggregate({ db }, records));
}
