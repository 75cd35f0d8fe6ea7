/**
 * A usage event as the table's stream shows it (a new EVENT item's image), reduced to what the
 * rollups sum. Decoding the stream's records (DynamoDB's attribute values) is a database job, so
 * it lives here and the aggregator (core/ai-costs/aggregate.ts) never imports the AWS SDK. Read here rather than through db/events.ts so the aggregator's bundle carries no
 * code that reads or writes anything but its own items (stacks/permissions.ts grants it only those).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { RolledEvent } from "../ai-costs/rollup";
import { ItemType } from "./keys";
import type { StreamedEvent } from "./rollups";

/** A stream record as Lambda and the DynamoDB Streams API both give it (the parts read here). */
export type StreamRecord = {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, AttributeValue> };
};

/**
 * The new usage events among a batch of stream records: INSERTs of EVENT items. Everything else
 * the table streams (wallets, invoices, the rollups themselves) is left out.
 */
export function streamedEvents(records: StreamRecord[]): StreamedEvent[] {
  const events: StreamedEvent[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== "INSERT" || image?.type?.S !== ItemType.EVENT) continue;
    const item = unmarshall(image, { wrapNumbers: true });
    events.push({ key: { pk: item.pk as string, sk: item.sk as string }, event: rolledEventOf(item) });
  }
  return events;
}

type Image = Record<string, unknown>;

/** A Number read with wrapNumbers ({ value: "123" }), exactly. */
const big = (value: unknown): bigint =>
  value === undefined || value === null
    ? 0n
    : BigInt(typeof value === "object" ? (value as { value: string }).value : (value as string | number | bigint));

const optional = (value: unknown): bigint | undefined =>
  value === undefined || value === null ? undefined : big(value);

export function rolledEventOf(image: Image): RolledEvent {
  const ai = image.ai as Image | undefined;
  const tokens = (name: string) => optional(image[name]);
  return {
    customerId: image.customerId as string,
    feature: image.feature as string,
    timestamp: image.timestamp as string,
    periodStart: image.periodStart as string,
    value: big(image.value),
    cost: optional(image.cost),
    credits: optional(image.credits),
    inputTokens: tokens("inputTokens"),
    outputTokens: tokens("outputTokens"),
    cacheReadTokens: tokens("cacheReadTokens"),
    cacheWriteTokens: tokens("cacheWriteTokens"),
    ai: ai ? { modelId: ai.modelId as string, providerCost: big(ai.providerCost) } : undefined,
  };
}
