/** The shape of a trackUsage request, checked at the edge of core. */
import * as z from "../zod";
import { EventQuantitySchema, IdSchema, JsonSchema, parseInput } from "../validation";
import { DomainError } from "../errors";
import type { TrackRequest } from "./event";

const TokenCount = z.nullish(z.number().check(z.int(), z.gte(0), z.lte(2_147_483_647)));
const TOKEN_FIELDS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens"] as const;

/** What is used: units (`value`) or an AI model's tokens; a track, a reserve and a settle say it alike. */
export const USAGE_FIELDS = {
  value: z.nullish(EventQuantitySchema),
  model: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(256))),
  inputTokens: TokenCount,
  outputTokens: TokenCount,
  cacheReadTokens: TokenCount,
  cacheWriteTokens: TokenCount,
};

export const TrackUsageInputSchema = z.object({
  customerId: IdSchema,
  feature: IdSchema,
  idempotencyKey: IdSchema,
  ...USAGE_FIELDS,
  timestamp: z.nullish(z.date()),
  properties: z.nullish(JsonSchema),
});
export type TrackUsageInput = z.input<typeof TrackUsageInputSchema>;

export function parseTrackRequest(input: TrackUsageInput): TrackRequest {
  const request = parseInput(TrackUsageInputSchema, input) as TrackRequest;
  const given = TOKEN_FIELDS.filter((k) => request[k] != null);
  // Like value: 0, token counts that add up to nothing are no usage to record.
  if (given.length && given.every((k) => request[k] === 0)) {
    const fields = given.map((k) => `input.${k}`).join(", ");
    throw new DomainError(
      "BAD_USER_INPUT",
      `${fields} ${given.length === 1 ? "is" : "are all"} zero: there is no usage to track`,
    );
  }
  return request;
}

/** The sum of the request's token counts, or undefined when it has none. */
export function tokenSum(request: TrackRequest): bigint | undefined {
  const given = TOKEN_FIELDS.filter((k) => request[k] != null);
  return given.length ? given.reduce((sum, k) => sum + BigInt(request[k]!), 0n) : undefined;
}
