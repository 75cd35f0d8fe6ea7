/**
 * A usage event as the table's stream shows it (a new EVENT item's image), reduced to what the
 * rollups sum. Read here rather than through db/events.ts so the aggregator's bundle carries no
 * code that reads or writes anything but its own items (stacks/permissions.ts grants it only those).
 */
import type { RolledEvent } from "../ai-costs/rollup";

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
