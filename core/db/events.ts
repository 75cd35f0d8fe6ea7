/**
 * Usage event items: one per event, under its idempotency key (which makes it the idempotency
 * record), kept EVENT_RETENTION_DAYS. They are written by the usage transaction (./usage-write.ts)
 * and listed through the customer's timeline (./event-timeline.ts).
 *
 * The customer's event timeline (`customer.events`, newest recorded first) is the timeline index
 * (gsi2). A transaction of one event puts the event itself in it (1 index write unit). A
 * transaction of several events puts one page item in it instead, which names its events in
 * order: a few bytes per event instead of a full index write each, which keeps a batched event
 * near the 2 write units its own transactional put costs. Events are ordered by when they were
 * recorded, ties broken in recording order (db/recording-order.ts; a batch's events share one
 * entry, in the batch's order); each keeps its own `timestamp`, which is what periods and pricing
 * use.
 */
import type { UsageEvent } from "../usage/event";
import type { Db } from "./client";
import { batchGet, big, getItem, int, type Item } from "./items";
import { ItemType, keys, TABLE } from "./keys";

/** Events are kept (and keys deduplicated) for this long; DynamoDB's TTL removes them after. */
export const EVENT_RETENTION_DAYS = 400;

/**
 * From the real time of the write, not the deployment clock: TTL deletes by real time, so an event
 * recorded on a test clock set in the past would otherwise vanish (with its idempotency record)
 * while the test or local demo still uses it. In production the two clocks are the same.
 */
const expiresAt = () => Math.floor(Date.now() / 1000) + EVENT_RETENTION_DAYS * 86_400;

/**
 * An event's item; with an `order` it is in the timeline itself (a transaction of one event).
 * Built member by member, in the order the spreads it replaced wrote them: a literal of several
 * large spreads cost a track about 6 us and made V8 keep about 3 KB of each track alive across
 * two young-generation collections (promoted, then collected by a full one), which was most of
 * what a steady-state track promoted (docs/performance.md, item 1).
 */
export function eventItem(event: UsageEvent, order?: string): Item {
  const item: Item = keys.event(event.customerId, event.idempotencyKey);
  if (order) {
    const timeline = keys.eventTimeline(event.customerId, event.recordedAt, order, event.idempotencyKey);
    item.gsi2pk = timeline.gsi2pk;
    item.gsi2sk = timeline.gsi2sk;
  }
  item.type = ItemType.EVENT;
  for (const name in event) if (name !== "properties" && name !== "ai") item[name] = event[name as keyof UsageEvent];
  const { properties, ai } = event;
  if (properties !== undefined) item.properties = JSON.stringify(properties);
  if (ai) item.ai = { ...ai, unitPrices: { ...ai.unitPrices } };
  item[TABLE.ttlAttribute] = expiresAt();
  return item;
}

/** The timeline entry of a transaction's several events: their keys, in order. Kept as long as they are. */
export function pageItem(customerId: string, events: UsageEvent[], order: string): Item {
  const first = events[0]!;
  return {
    ...keys.eventPage(customerId, first.idempotencyKey),
    ...keys.eventTimeline(customerId, first.recordedAt, order, first.idempotencyKey),
    type: ItemType.EVENT_PAGE,
    events: events.map((e) => e.idempotencyKey),
    [TABLE.ttlAttribute]: expiresAt(),
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
            unitPrices: {
              input: big(prices.input),
              output: big(prices.output),
              cacheRead: big(prices.cacheRead),
              cacheWrite: big(prices.cacheWrite),
            },
          },
        }
      : {}),
    ...(item.properties !== undefined ? { properties: JSON.parse(item.properties as string) } : {}),
    ...(item.reason !== undefined ? { reason: item.reason as string } : {}),
    ...(item.level !== undefined ? { level: big(item.level) } : {}),
    ...(item.capped ? { capped: true as const } : {}),
    timestamp: item.timestamp as string,
    periodStart: item.periodStart as string,
    planCode: item.planCode as string,
    requestHash: item.requestHash as string,
    recordedAt: item.recordedAt as string,
  };
}

export async function getEvent(db: Db, customerId: string, idempotencyKey: string): Promise<UsageEvent | undefined> {
  const item = await getItem(db, keys.event(customerId, idempotencyKey));
  return item && toEvent(item);
}

/** Events by key, strongly consistent (a page is visible only once its events are written). */
export async function getEvents(
  db: Db,
  customerId: string,
  idempotencyKeys: string[],
): Promise<Map<string, UsageEvent>> {
  const items = await batchGet(
    db,
    idempotencyKeys.map((k) => keys.event(customerId, k)),
  );
  return new Map(items.map((item) => [item.idempotencyKey as string, toEvent(item)]));
}
