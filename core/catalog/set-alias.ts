/**
 * An operator's alias for a model (`setAiModelAlias`): a spelling the client sends that none of the
 * resolution rules maps (an Azure deployment name, a fine-tune's name, a gateway route), pointed at
 * a catalog model ID. Setting an alias again repoints it. An alias is matched exactly, after the
 * exact ID and before every other rule (core/catalog/resolve.ts); it cannot be a model's own ID.
 */
import * as z from "../zod";
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getModel, putAlias } from "../db/ai-models";
import { parseInput } from "../validation";
import { MODEL_ID_PATTERN, type ModelPrice } from "./model-price";
import { forgetModelIds } from "./resolve";

const ModelIdText = z
  .string()
  .check(z.regex(MODEL_ID_PATTERN, "must be 1 to 256 characters of letters, digits and _ - . : @ /"));

export const SetAiModelAliasInputSchema = z.object({ alias: ModelIdText, modelId: ModelIdText });
export type SetAiModelAliasInput = z.input<typeof SetAiModelAliasInputSchema>;

/** Returns the model the alias now means. */
export async function setAiModelAlias(deps: Deps, input: SetAiModelAliasInput): Promise<ModelPrice> {
  const { alias, modelId } = parseInput(SetAiModelAliasInputSchema, input, "");
  const [target, shadowed] = await Promise.all([getModel(deps.db, modelId), getModel(deps.db, alias)]);
  if (!target)
    throw new DomainError("NOT_FOUND", `AI model "${modelId}" not found: an alias must name a catalog model ID`);
  if (shadowed) throw new DomainError("BAD_USER_INPUT", `alias "${alias}" is already a model ID in the catalog`);
  await putAlias(deps.db, alias, modelId, (await deps.clock.now()).toISOString());
  forgetModelIds(deps.db.table);
  return target;
}
