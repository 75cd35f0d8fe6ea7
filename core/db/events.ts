/**
 * Usage event items and the usage transaction: the events (each new only if its idempotency key
 * is unused) and the wallet update, all or nothing. A cancelled transaction is reported back with
 * what made it fail, read from the cancellation reasons themselves (no extra read).
 */
import { QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { Guard } from "../models/types";
import type { UsageEvent } from "../usage/event";
import type { Wallet } from "../wallet";
import type { Db } from "./client";
import { big, getItem, int, type Item } from "./items";
import { ItemType, keys, TABLE } from "./keys";
import { toWallet, usageUpdate, type WalletDelta } from "./wallets";

/** Events are kept (and keys deduplicated) for this long; DynamoDB's TTL removes them after. */
export const EVENT_RETENTION_DAYS = 400;

function eventItem(event: UsageEvent): Item {
  const { properties, ai, ...rest } = event;
  return {
    ...keys.event(event.customerId, event.idempotencyKey),
    ...keys.eventTimeline(event.customerId, event.timestamp, event.idempotencyKey),
    type: ItemType.EVENT,
    ...rest,
    ...(properties !== undefined ? { properties: JSON.stringify(properties) } : {}),
    ...(ai ? { ai: { ...ai, unitPrices: { ...ai.unitPrices } } } : {}),
    [TABLE.ttlAttribute]: Math.floor(Date.parse(event.recordedAt) / 1000) + EVENT_RETENTION_DAYS * 86_400,
  };
}

export function toEvent(item: Item): UsageEvent {
  const ai = item.ai as Item | undefined;
  const prices = (ai?.unitPrices ?? {}) as Item;
  const tokens = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const;
  return {
    idempotencyKey: item.idempotencyKey as string,
    customerId: item.customerId as string,
    feature: item.feature as string,
    value: big(item.value),
    ...(item.model ? { model: item.model as string } : {}),
    ...Object.fromEntries(tokens.filter((k) => item[k] !== undefined).map((k) => [k, int(item[k])])),
    ...(item.cost !== undefined ? { cost: big(item.cost) } : {}),
    ...(item.credits !== undefined ? { credits: big(item.credits) } : {}),
    ...(ai
      ? {
          ai: {
            modelId: ai.modelId as string,
            marginBps: int(ai.marginBps),
            providerCost: big(ai.providerCost),
            unitPrices: { input: big(prices.input), output: big(prices.output), cacheRead: big(prices.cacheRead), cacheWrite: big(prices.cacheWrite) },
          },
        }
      : {}),
    ...(item.properties !== undefined ? { properties: JSON.parse(item.properties as string) } : {}),
    timestamp: item.timestamp as string,
    periodStart: item.periodStart as string,
    planCode: item.planCode as string,
    requestHash: item.requestHash as string,
    recordedAt: item.recordedAt as string,
  };
}

export type UsageWriteResult =
  | { ok: true }
  /** Some events' keys were used before: their stored events, by position in the batch. */
  | { ok: false; duplicates: Map<number, UsageEvent> }
  /** The wallet's condition failed: the wallet as it is now. */
  | { ok: false; wallet: Wallet }
  /** Another transaction held an item; retrying is safe. */
  | { ok: false; conflict: true };

export async function writeUsage(
  db: Db,
  customerId: string,
  expected: { planCode: string; periodStart: string },
  events: UsageEvent[],
  delta: WalletDelta,
  guards: Guard[],
  /** See usageUpdate: the write fails (with the wallet) instead of depleting credits or balance. */
  noDepletion = false,
): Promise<UsageWriteResult> {
  const puts = events.map((event) => ({
    Put: {
      TableName: db.table,
      Item: eventItem(event),
      ConditionExpression: "attribute_not_exists(pk)",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    },
  }));
  try {
    await db.doc.send(
      new TransactWriteCommand({ TransactItems: [...puts, { Update: usageUpdate(db, customerId, expected, delta, guards, noDepletion) }] }),
    );
    return { ok: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    const old = (i: number) => unmarshall(reasons[i]?.Item as Record<string, AttributeValue>, { wrapNumbers: true });
    const duplicates = new Map<number, UsageEvent>();
    events.forEach((_, i) => {
      if (reasons[i]?.Code === "ConditionalCheckFailed" && reasons[i]?.Item) duplicates.set(i, toEvent(old(i)));
    });
    if (duplicates.size) return { ok: false, duplicates };
    const walletReason = reasons[events.length];
    if (walletReason?.Code === "ConditionalCheckFailed" && walletReason.Item) return { ok: false, wallet: toWallet(old(events.length)) };
    if (reasons.some((r) => r.Code === "TransactionConflict")) return { ok: false, conflict: true };
    throw error;
  }
}

export async function getEvent(db: Db, customerId: string, idempotencyKey: string): Promise<UsageEvent | undefined> {
  const item = await getItem(db, keys.event(customerId, idempotencyKey));
  return item && toEvent(item);
}

/** A customer's events, newest first, `first` at a time after the opaque `after` cursor. */
export async function listEvents(
  db: Db,
  customerId: string,
  first: number,
  after?: string,
): Promise<{ events: { event: UsageEvent; cursor: string }[]; hasNextPage: boolean }> {
  const index = TABLE.timelineIndex;
  const pk = keys.eventTimelinePartition(customerId);
  const startSk = after ? Buffer.from(after, "base64url").toString("utf8") : undefined;
  const page = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: index.name,
      KeyConditionExpression: `${index.partitionKey} = :pk`,
      ExpressionAttributeValues: { ":pk": pk },
      ScanIndexForward: false,
      Limit: first + 1,
      ...(startSk ? { ExclusiveStartKey: startKeyFor(startSk, pk, customerId) } : {}),
    }),
  );
  const items = page.Items ?? [];
  return {
    events: items.slice(0, first).map((item) => ({
      event: toEvent(item),
      cursor: Buffer.from(item[index.sortKey] as string, "utf8").toString("base64url"),
    })),
    hasNextPage: items.length > first,
  };
}

/** The ExclusiveStartKey of a GSI query holds the index keys and the table keys of the last item. */
function startKeyFor(gsi2sk: string, gsi2pk: string, customerId: string) {
  const idempotencyKey = gsi2sk.slice(gsi2sk.indexOf("#") + 1);
  return { ...keys.event(customerId, idempotencyKey), gsi2pk, gsi2sk };
}
