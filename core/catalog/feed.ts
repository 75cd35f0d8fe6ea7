/**
 * The models.dev feed (`https://models.dev/api.json`, or the shipped snapshot) turned into
 * `ModelPrice`s, exactly.
 *
 * Exact prices: the feed writes prices as JSON numbers (0.075). `JSON.parse` would turn them into
 * floats, so before parsing every number token of the raw text is quoted (`quoteNumbers`): each
 * price reaches `parseMoney` as the very digits the source wrote, with no float in between. Prices
 * written with more than 12 decimals (the source's own float artefacts, e.g. 0.049999999999999996)
 * are rounded half away from zero to 12 decimals of USD per 1M tokens, i.e. 10^-18 USD per token.
 *
 * What is refused as a whole (`FeedRejectedError`, nothing gets written): text that is not JSON,
 * a top level that is not `{ providerId: { models: { modelId: {...} } } }`, a feed without any
 * priced model, and (`assertComplete`) one covering fewer than half the providers or models stored
 * now. Single models that cannot be billed are skipped with a reason: no input/output price, a
 * price that is not a non-negative decimal, an ID with characters outside letters, digits,
 * `_ - . : @ /`, or an entry that is not an object of the expected shape.
 */
import * as z from "../zod";
import { DomainError } from "../errors";
import { divRound, parseMoney, SCALE_DIGITS, type Amount } from "../money";
import { MODEL_ID_PATTERN, type ModelPrice, type Tier } from "./model-price";

export class FeedRejectedError extends DomainError {
  constructor(reason: string) {
    super("BAD_USER_INPUT", `catalog feed rejected: ${reason}`);
    this.name = "FeedRejectedError";
  }
}

export type SkippedModel = { id: string; reason: string };
export type ParsedFeed = { models: ModelPrice[]; skipped: SkippedModel[] };

/** A number of the feed, as its decimal text (numbers are quoted before parsing; see above). */
const DecimalTextSchema = z.pipe(
  z.pipe(
    z.union([z.string(), z.number()]),
    z.transform((value) => String(value)),
  ),
  z.string().check(z.regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/, "must be a decimal number")),
);

export const FeedTierSchema = z.looseObject({
  tier: z.looseObject({
    size: z.pipe(DecimalTextSchema, z.string().check(z.regex(/^\d+$/, "must be a whole token count"))),
  }),
  input: z.optional(DecimalTextSchema),
  output: z.optional(DecimalTextSchema),
  cache_read: z.optional(DecimalTextSchema),
  cache_write: z.optional(DecimalTextSchema),
});

/** Other cost keys (input_audio, reasoning, request, citation, cached_input, ...) are kept and ignored. */
export const FeedCostSchema = z.looseObject({
  input: z.optional(DecimalTextSchema),
  output: z.optional(DecimalTextSchema),
  cache_read: z.optional(DecimalTextSchema),
  cache_write: z.optional(DecimalTextSchema),
  tiers: z.optional(z.array(FeedTierSchema)),
});

export const FeedModelSchema = z.looseObject({
  id: z.optional(z.string()),
  name: z.optional(z.string()),
  cost: z.optional(FeedCostSchema),
});

export const FeedProviderSchema = z.looseObject({
  id: z.optional(z.string()),
  name: z.optional(z.string()),
  models: z.record(z.string(), z.unknown()),
});

export const FeedSchema = z.record(z.string(), FeedProviderSchema);
export type FeedModel = z.infer<typeof FeedModelSchema>;

export function parseFeed(text: string, options: { updatedAt?: string } = {}): ParsedFeed {
  const updatedAt = options.updatedAt ?? new Date(0).toISOString();
  let json: unknown;
  try {
    json = JSON.parse(quoteNumbers(text));
  } catch {
    throw new FeedRejectedError("not valid JSON");
  }
  const feed = FeedSchema.safeParse(json);
  if (!feed.success) {
    const issue = feed.error.issues[0];
    throw new FeedRejectedError(
      `not the models.dev shape (${issue?.path.join(".") || "top level"}: ${issue?.message})`,
    );
  }
  const models: ModelPrice[] = [];
  const skipped: SkippedModel[] = [];
  for (const [provider, entry] of Object.entries(feed.data)) {
    for (const [modelId, raw] of Object.entries(entry.models)) {
      const id = `${provider}/${modelId}`;
      const result = toModelPrice(id, provider, modelId, raw, updatedAt);
      if (typeof result === "string") skipped.push({ id, reason: result });
      else models.push(result);
    }
  }
  if (models.length === 0) throw new FeedRejectedError("no model with an input and output price");
  return { models, skipped };
}

/** Refuses a feed that looks truncated next to what is stored (fewer than half the providers or models). */
export function assertComplete(models: ModelPrice[], stored: { providers: number; models: number }): void {
  const providers = new Set(models.map((m) => m.provider)).size;
  if (providers * 2 < stored.providers) {
    throw new FeedRejectedError(`only ${providers} providers, ${stored.providers} stored: looks partial`);
  }
  if (models.length * 2 < stored.models) {
    throw new FeedRejectedError(`only ${models.length} priced models, ${stored.models} stored: looks partial`);
  }
}

/** Wraps every number token in quotes; string tokens are matched first so their contents are untouched. */
export function quoteNumbers(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    token.startsWith('"') ? token : `"${token}"`,
  );
}

/** A ModelPrice, or the reason the model is skipped. */
function toModelPrice(
  id: string,
  provider: string,
  modelId: string,
  raw: unknown,
  updatedAt: string,
): ModelPrice | string {
  if (!MODEL_ID_PATTERN.test(id)) return "ID has characters outside letters, digits and _ - . : @ /";
  const parsed = FeedModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `unexpected entry (${issue?.path.join(".") || "model"}: ${issue?.message})`;
  }
  const cost = parsed.data.cost;
  if (cost?.input === undefined || cost.output === undefined) return "no input/output price";
  try {
    const tiers: Tier[] = (cost.tiers ?? [])
      .map((t) => ({
        size: BigInt(t.tier.size),
        ...prices({ input: t.input, output: t.output, cacheRead: t.cache_read, cacheWrite: t.cache_write }),
      }))
      .sort((a, b) => (a.size < b.size ? -1 : a.size > b.size ? 1 : 0));
    return {
      id,
      provider,
      name: parsed.data.name?.trim() || modelId,
      input: catalogPrice(cost.input),
      output: catalogPrice(cost.output),
      ...prices({ cacheRead: cost.cache_read, cacheWrite: cost.cache_write }),
      tiers,
      updatedAt,
    };
  } catch (error) {
    return error instanceof DomainError ? error.message : "invalid price";
  }
}

function prices<K extends string>(texts: Record<K, string | undefined>): Partial<Record<K, Amount>> {
  const out: Partial<Record<K, Amount>> = {};
  for (const key of Object.keys(texts) as K[]) {
    const text = texts[key];
    if (text !== undefined) out[key] = catalogPrice(text);
  }
  return out;
}

/** USD-per-1M decimal text -> ledger units per 1M tokens; over 12 decimals rounds (see the header). */
export function catalogPrice(text: string): Amount {
  const plain = /^(\d+)\.(\d{13,})$/.exec(text);
  const value = plain
    ? divRound(BigInt(plain[1]! + plain[2]!), 10n ** BigInt(plain[2]!.length - SCALE_DIGITS))
    : parseMoney(text, "price");
  if (value < 0n) throw new DomainError("BAD_USER_INPUT", `price must not be negative, got "${text}"`);
  return value;
}
