/** The shape of a trackUsage request, checked at the edge of core. */
import * as z from "../zod";
import { IdSchema, JsonSchema, parseInput } from "../validation";
import type { TrackRequest } from "./event";

const TokenCount = z.nullish(z.number().check(z.int(), z.gte(0), z.lte(2_147_483_647)));

export const TrackUsageInputSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  idempotencyKey: IdSchema,
  value: z.nullish(z.bigint().check(z.gt(0n, "value must be greater than zero"))),
  model: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(256))),
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheReadTokens: TokenCount,
  cacheWriteTokens: TokenCount,
  timestamp: z.nullish(z.date()),
  properties: z.nullish(JsonSchema),
});
export type TrackUsageInput = z.input<typeof TrackUsageInputSchema>;

export function parseTrackRequest(input: TrackUsageInput): TrackRequest {
  return parseInput(TrackUsageInputSchema, input) as TrackRequest;
}
