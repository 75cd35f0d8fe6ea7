/**
 * The stream aggregator: turns a batch of table stream records into rollups (AI costs, usage
 * history). Only new usage events count (INSERTs of EVENT items); everything else the table
 * streams (wallets, invoices, the rollups themselves) is ignored. The same code runs in the
 * Lambda fed by the stream (functions/rollups.ts) and in npm start's stream poller.
 *
 * Off the usage path on purpose: a track writes its one transaction and returns; the rollups
 * follow within the stream's delay (about a second on AWS, a poll interval locally).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Db } from "../db/client";
import { rolledEventOf } from "../db/streamed-events";
import { ItemType } from "../db/keys";
import { applyRollups, type StreamedEvent } from "../db/rollups";

/** A stream record as Lambda and the DynamoDB Streams API both give it (the parts read here). */
export type StreamRecord = {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
};

/** Applies the batch's new usage events to the rollups, each exactly once; returns how many were new. */
export async function aggregate(deps: { db: Db }, records: StreamRecord[]): Promise<number> {
  const events: StreamedEvent[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== "INSERT" || image?.type?.S !== ItemType.EVENT) continue;
    const item = unmarshall(image, { wrapNumbers: true });
    events.push({ key: { pk: item.pk as string, sk: item.sk as string }, event: rolledEventOf(item) });
  }
  if (!events.length) return 0;
  // Markers expire by real time, whatever the deployment's clock: the stream's retention is real time.
  return applyRollups(deps.db, events, new Date());
}
