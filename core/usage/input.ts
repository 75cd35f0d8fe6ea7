/** The shape of a trackUsage request, checked at the edge of core. */
import { z } from "zod";
import { IdSchema, JsonSchema, parseInput } from "../validation";
import type { TrackRequest } from "./event";

const TokenCount = z.number().int().min(0).max(2_147_483_647).nullish();

export const TrackUsageInputSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  idempotencyKey: IdSchema,
  value: z.bigint().positive("value must be greater than zero").nullish(),
  model: z.string().trim().min(1).max(256).nullish(),
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheReadTokens: TokenCount,
  cacheWriteTokens: TokenCount,
  timestamp: z.date().nullish(),
  properties: JsonSchema.nullish(),
});
export type TrackUsageInput = z.input<typeof TrackUsageInputSchema>;

export function parseTrackRequest(input: TrackUsageInput): TrackRequest {
  return parseInput(TrackUsageInputSchema, input) as TrackRequest;
}
