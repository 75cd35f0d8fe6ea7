/**
 * The stream aggregator: turns a batch of table stream records into rollups (AI costs, usage
 * history). Only new usage events count (INSERTs of EVENT items); everything else the table
 * streams (wallets, invoices, the rollups themselves) is ignored. The same code runs in the
 * Lambda fed by the stream (functions/rollups.ts) and in npm start's stream poller.
 *
 * Off the usage path on purpose: a track writes its one transaction and returns; the rollups
 * follow within the stream's delay (about a second on AWS, a poll interval locally).
 */
import type { Db } from "../db/client";
import { applyRollups } from "../db/rollups";
import { type StreamRecord, streamedEvents } from "../db/streamed-events";

export type { StreamRecord } from "../db/streamed-events";

/** Applies the batch's new usage events to the rollups, each exactly once; returns how many were new. */
export async function aggregate(deps: { db: Db }, records: StreamRecord[]): Promise<number> {
  const events = streamedEvents(records);
  if (!events.length) return 0;
  // Markers expire by real time, whatever the deployment's clock: the stream's retention is real time.
  return applyRollups(deps.db, events, new Date());
}
