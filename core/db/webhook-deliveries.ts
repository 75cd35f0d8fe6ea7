/**
 * Webhook deliveries in the table. A delivery (`WEBHOOK_DELIVERY#<id>` / `DELIVERY`) is one
 * event for one endpoint; its attempts are items of the same partition (`ATTEMPT#0001`, ...). Its
 * id is derived from the endpoint and the event, so creating it twice (a republished event, a
 * redelivered queue message) creates it once. It sits in the endpoint's timeline (gsi2, newest
 * first) and, while an attempt is due, in the sparse webhook due index (gsi1, by due time).
 *
 * Attempts are claimed: a worker sets a claim (a random token and a lease in real time) with a
 * condition that no live claim exists and the attempt count is what it read, and records the
 * outcome with a condition on its token, so two workers never both send one attempt. A worker
 * that dies mid-attempt leaves a claim that expires (LEASE_MS); the attempt is then sent again
 * (at least once: receivers deduplicate by webhook-id). Deliveries and their attempts expire 30
 * days after creation in real time (DynamoDB's TTL deletes by real time, whatever a test clock says).
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "./commands";
import type { DeliveryStatus } from "../webhooks/schedule";
import type { WebhookAttempt, WebhookDelivery } from "../webhooks/types";
import type { Db } from "./client";
import { getItem, int, queryPrefix, type Item } from "./items";
import { ItemType, keys, TABLE, WEBHOOK_DUE_SHARDS } from "./keys";
import { nextRecordingOrder } from "./recording-order";
import { listDueIn } from "./due";

export const DELIVERY_RETENTION_DAYS = 30;
/** How long a claim holds: well beyond an attempt's 10 s timeout. */
export const LEASE_MS = 60_000;

/** Set at creation (attempts copy their delivery's): real time, as TTL deletes by it. */
const newExpiry = () => Math.floor(Date.now() / 1000) + DELIVERY_RETENTION_DAYS * 86_400;

const optional = <T>(value: unknown, as: (v: unknown) => T) =>
  value === undefined || value === null ? undefined : as(value);

export const toDelivery = (item: Item): WebhookDelivery => {
  const d: WebhookDelivery = {
    id: item.id as string,
    endpointId: item.endpointId as string,
    eventId: item.eventId as string,
    eventType: item.eventType as string,
    body: item.body as string,
    status: item.status as DeliveryStatus,
    attempts: int(item.attempts),
    step: int(item.step),
    createdAt: item.createdAt as string,
  };
  if (item[TABLE.ttlAttribute] !== undefined) d.expiresAt = int(item[TABLE.ttlAttribute]);
  const lastResponseStatus = optional(item.lastResponseStatus, int);
  for (const [name, value] of Object.entries({
    lastAttemptAt: item.lastAttemptAt,
    nextAttemptAt: item.nextAttemptAt,
    lastResponseStatus,
    lastError: item.lastError,
  }))
    if (value !== undefined && value !== null) Object.assign(d, { [name]: value });
  return d;
};

/** Creates a PENDING delivery due at `d.nextAttemptAt`; false when it exists already. */
export async function createDelivery(db: Db, d: WebhookDelivery): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          ...keys.webhookDelivery(d.id),
          type: ItemType.WEBHOOK_DELIVERY,
          ...d,
          ...keys.webhookDeliveryTimeline(d.endpointId, d.createdAt, nextRecordingOrder(), d.id),
          ...keys.webhookDue(d.id, d.nextAttemptAt!),
          [TABLE.ttlAttribute]: newExpiry(),
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function getDelivery(db: Db, id: string): Promise<WebhookDelivery | undefined> {
  const item = await getItem(db, keys.webhookDelivery(id));
  return item && toDelivery(item);
}

/**
 * Claims the delivery's next attempt for `token` until `until` (real ms): only if it is still
 * PENDING with the attempts `d` counted, due by `now` (deployment clock) and nobody holds a live claim.
 */
export async function claimDelivery(
  db: Db,
  d: WebhookDelivery,
  claim: { token: string; until: number; realNow: number },
  now: string,
): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.webhookDelivery(d.id),
        UpdateExpression: "SET claim = :token, claimedUntil = :until",
        ConditionExpression:
          "#status = :pending AND attempts = :attempts AND nextAttemptAt <= :now AND (attribute_not_exists(claimedUntil) OR claimedUntil < :realNow)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":token": claim.token,
          ":until": claim.until,
          ":pending": "PENDING",
          ":attempts": d.attempts,
          ":now": now,
          ":realNow": claim.realNow,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The delivery's state after an attempt (or after being closed without one). */
export type DeliveryState = {
  status: DeliveryStatus;
  step: number;
  nextAttemptAt?: string;
  lastError?: string;
};

/**
 * Records an attempt under the claim `token`: the delivery's new state and the attempt's log item,
 * in one transaction; the claim is released. Undefined when the claim was lost (its lease ran out
 * and another worker took over): nothing is written, the other worker records its own attempt.
 */
export async function recordAttempt(
  db: Db,
  d: WebhookDelivery,
  token: string,
  state: DeliveryState,
  attempt: WebhookAttempt,
): Promise<WebhookDelivery | undefined> {
  const next: WebhookDelivery = {
    ...withState(d, state),
    attempts: attempt.number,
    lastAttemptAt: attempt.at,
    ...(attempt.responseStatus === undefined ? {} : { lastResponseStatus: attempt.responseStatus }),
  };
  if (attempt.responseStatus === undefined) delete next.lastResponseStatus;
  // The attempt expires with its delivery (a redelivered one may outlive it by the time since).
  const expiry = d.expiresAt ?? newExpiry();
  const write = new TransactWriteCommand({
    TransactItems: [
      { Update: stateUpdate(db, next, "claim = :token", { ":token": token }) },
      {
        Put: {
          TableName: db.table,
          Item: {
            ...keys.webhookAttempt(d.id, attempt.number),
            type: ItemType.WEBHOOK_ATTEMPT,
            ...attempt,
            [TABLE.ttlAttribute]: expiry,
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ],
  });
  for (let tries = 1; ; tries++) {
    try {
      await db.doc.send(write);
      return next;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // A concurrent write to the delivery (a redelivery's read-and-reopen) is no reason to lose the record.
      const conflict = (error.CancellationReasons ?? []).some((r) => r.Code === "TransactionConflict");
      if (!conflict || tries === 3) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20 * tries));
    }
  }
}

/** Ends a claimed delivery without an attempt (its endpoint was disabled or deleted). */
export async function closeDelivery(
  db: Db,
  d: WebhookDelivery,
  token: string,
  lastError: string,
): Promise<WebhookDelivery | undefined> {
  const next = withState(d, { status: "FAILED", step: d.step, lastError });
  try {
    await db.doc.send(new UpdateCommand(stateUpdate(db, next, "claim = :token", { ":token": token })));
    return next;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * A redelivery: the delivery PENDING again, due `now`, with a fresh schedule, if it is still as
 * `d` saw it (status and attempts) and no live claim holds it. Undefined otherwise.
 */
export async function reopenDelivery(
  db: Db,
  d: WebhookDelivery,
  now: string,
  realNow: number,
): Promise<WebhookDelivery | undefined> {
  const next = withState(d, { status: "PENDING", step: 0, nextAttemptAt: now });
  try {
    await db.doc.send(
      new UpdateCommand(
        stateUpdate(
          db,
          next,
          "#status = :seen AND attempts = :attempts AND (attribute_not_exists(claimedUntil) OR claimedUntil < :realNow)",
          { ":seen": d.status, ":attempts": d.attempts, ":realNow": realNow },
        ),
      ),
    );
    return next;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

function withState(d: WebhookDelivery, state: DeliveryState): WebhookDelivery {
  const { nextAttemptAt: _, lastError: __, ...rest } = d;
  return {
    ...rest,
    status: state.status,
    step: state.step,
    ...(state.nextAttemptAt ? { nextAttemptAt: state.nextAttemptAt } : {}),
    ...(state.lastError ? { lastError: state.lastError } : {}),
  };
}

/** The update that writes `next`'s state, in or out of the due index, releasing any claim. */
function stateUpdate(db: Db, next: WebhookDelivery, condition: string, values: Record<string, unknown>) {
  const set = ["#status = :status", "step = :step", "attempts = :n"];
  const remove = ["claim", "claimedUntil"];
  const v: Record<string, unknown> = { ":status": next.status, ":step": next.step, ":n": next.attempts, ...values };
  const optionalFields = {
    nextAttemptAt: next.nextAttemptAt,
    lastAttemptAt: next.lastAttemptAt,
    lastResponseStatus: next.lastResponseStatus,
    lastError: next.lastError,
  };
  for (const [name, value] of Object.entries(optionalFields)) {
    if (value === undefined) remove.push(name);
    else {
      set.push(`${name} = :${name}`);
      v[`:${name}`] = value;
    }
  }
  if (next.nextAttemptAt) {
    const due = keys.webhookDue(next.id, next.nextAttemptAt);
    set.push("gsi1pk = :duePk", "gsi1sk = :dueSk");
    v[":duePk"] = due.gsi1pk;
    v[":dueSk"] = due.gsi1sk;
  } else remove.push("gsi1pk", "gsi1sk");
  return {
    TableName: db.table,
    Key: keys.webhookDelivery(next.id),
    UpdateExpression: `SET ${set.join(", ")} REMOVE ${remove.join(", ")}`,
    ConditionExpression: condition,
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: v,
  };
}

export async function listAttempts(db: Db, deliveryId: string): Promise<WebhookAttempt[]> {
  const items = await queryPrefix(db, keys.webhookDeliveryPartition(deliveryId), keys.webhookAttemptPrefix());
  return items.map((item) => {
    const a: WebhookAttempt = {
      number: int(item.number),
      at: item.at as string,
      timestamp: int(item.timestamp),
      succeeded: item.succeeded as boolean,
      durationMs: int(item.durationMs),
    };
    if (item.responseStatus !== undefined) a.responseStatus = int(item.responseStatus);
    if (item.error !== undefined) a.error = item.error as string;
    if (item.responseExcerpt !== undefined) a.responseExcerpt = item.responseExcerpt as string;
    return a;
  });
}

/** Where a listing resumes: an entry of this endpoint's timeline. */
export type DeliveryCursor = { endpointId: string; sk: string };

/** Items examined per request at most when filtering by status; the cursor resumes beyond them. */
const MAX_EXAMINED = 1_000;

/**
 * An endpoint's deliveries, newest first, `first` at a time after `from`, optionally only those of
 * one status (a filter on the timeline query: a page may examine up to 1,000 deliveries to find
 * its matches, then ends with a cursor where it stopped).
 */
export async function listDeliveries(
  db: Db,
  endpointId: string,
  first: number,
  from?: DeliveryCursor,
  status?: DeliveryStatus,
): Promise<{ deliveries: { delivery: WebhookDelivery; cursor: string }[]; hasNextPage: boolean; endCursor?: string }> {
  const index = TABLE.timelineIndex;
  const found: { delivery: WebhookDelivery; cursor: string }[] = [];
  let startKey: Record<string, unknown> | undefined;
  let examined = 0;
  let lastSk: string | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: index.name,
        KeyConditionExpression: `${index.partitionKey} = :pk${from ? ` AND ${index.sortKey} < :sk` : ""}`,
        ExpressionAttributeValues: {
          ":pk": keys.webhookDeliveryTimelinePartition(endpointId),
          ...(from ? { ":sk": from.sk } : {}),
          ...(status ? { ":status": status } : {}),
        },
        ...(status ? { FilterExpression: "#status = :status", ExpressionAttributeNames: { "#status": "status" } } : {}),
        ScanIndexForward: false,
        Limit: status ? 100 : first + 1 - found.length,
        ExclusiveStartKey: startKey,
      }),
    );
    examined += out.ScannedCount ?? 0;
    for (const item of out.Items ?? []) {
      if (found.length === first + 1) break;
      const sk = item[index.sortKey] as string;
      found.push({ delivery: toDelivery(item), cursor: encodeCursor({ endpointId, sk }) });
    }
    startKey = out.LastEvaluatedKey;
    lastSk = startKey?.[index.sortKey] as string | undefined;
  } while (startKey && found.length <= first && examined < MAX_EXAMINED);
  if (found.length > first) return { deliveries: found.slice(0, first), hasNextPage: true };
  // Stopped by the examination bound with more to read: resume where it stopped.
  if (startKey && lastSk)
    return { deliveries: found, hasNextPage: true, endCursor: encodeCursor({ endpointId, sk: lastSk }) };
  return { deliveries: found, hasNextPage: false };
}

/** Opaque to clients: base64url of a JSON array [endpointId, sort key]. */
const encodeCursor = (c: DeliveryCursor) => Buffer.from(JSON.stringify([c.endpointId, c.sk])).toString("base64url");

/** A cursor this list handed out for `endpointId`, or undefined (malformed, made up, another endpoint's). */
export function decodeDeliveryCursor(endpointId: string, text: string): DeliveryCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [owner, sk] = value as unknown[];
    return owner === endpointId && typeof sk === "string" && keys.isWebhookDeliveryTimelineSortKey(sk)
      ? { endpointId, sk }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Deliveries with an attempt due by `now`, shard by shard, page by page; safe to share among workers. */
export const listDueDeliveries = (db: Db, now: Date, pageSize = 100): AsyncIterator<string> =>
  listDueIn(
    db,
    { shards: WEBHOOK_DUE_SHARDS, shard: keys.webhookDueShard, idOf: keys.deliveryOfWebhookDue },
    now,
    pageSize,
  );
