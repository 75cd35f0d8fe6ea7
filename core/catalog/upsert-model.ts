/**
 * A company's own model price (a fine-tuned or self-hosted model, or a negotiated price), what the
 * `upsertAiModel` mutation runs. It sets the complete price: tiers are dropped, a missing name keeps
 * the stored one (or the model part of the ID). The price is **pinned** unless `pinned: false` is
 * passed: the daily sync never replaces a pinned model's price, even when the feed lists the model
 * (a negotiated price for `openai/gpt-4o` survives). `pinned: false` hands the model back to the
 * feed: the next sync may replace the price.
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { getModel, upsertModels } from "../db/ai-models";
import { PriceSchema, parseInput } from "../validation";
import { MODEL_ID_PATTERN, splitModelId, type ModelPrice } from "./model-price";
import { forgetModelIds } from "./resolve";

export const UpsertAiModelInputSchema = z.object({
  id: z.string().check(
    z.regex(MODEL_ID_PATTERN, "must be 1 to 256 characters of letters, digits and _ - . : @ /"),
    z.refine((id) => /^[^/]+\/./.test(id), "must be provider/model, e.g. acme/support-bot-v2"),
  ),
  name: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  inputPrice: PriceSchema,
  outputPrice: PriceSchema,
  cacheReadPrice: z.nullish(PriceSchema),
  cacheWritePrice: z.nullish(PriceSchema),
  pinned: z.nullish(z.boolean()),
});
export type UpsertAiModelInput = z.input<typeof UpsertAiModelInputSchema>;

/** Prices are ledger units per 1M tokens (the Money scalar's value of "USD per 1M tokens"). */
export async function upsertAiModel(deps: Deps, input: UpsertAiModelInput): Promise<ModelPrice> {
  const parsed = parseInput(UpsertAiModelInputSchema, input, "");
  const { provider, model: modelId } = splitModelId(parsed.id);
  const current = await getModel(deps.db, parsed.id);
  const model: ModelPrice = {
    id: parsed.id,
    provider,
    name: parsed.name ?? current?.name ?? modelId,
    input: parsed.inputPrice,
    output: parsed.outputPrice,
    ...(parsed.cacheReadPrice != null ? { cacheRead: parsed.cacheReadPrice } : {}),
    ...(parsed.cacheWritePrice != null ? { cacheWrite: parsed.cacheWritePrice } : {}),
    tiers: [],
    updatedAt: (await deps.clock.now()).toISOString(),
    ...(parsed.pinned === false ? {} : { pinned: true }),
  };
  const { unchanged } = await upsertModels(deps.db, [model]);
  forgetModelIds(deps.db.table);
  return unchanged.length > 0 && current ? current : model;
}
