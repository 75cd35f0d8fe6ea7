/** Reading the catalog for the API: listing, and looking one model up by any spelling resolveModel accepts. */
import type { Deps } from "../deps";
import { isDomainError } from "../errors";
import { listModels } from "../db/ai-models";
import type { ModelPrice } from "./model-price";
import { resolveModel } from "./resolve";

export const listAiModels = (deps: Deps, filter: { provider?: string | null; search?: string | null } = {}) =>
  listModels(deps.db, { provider: filter.provider ?? undefined, search: filter.search ?? undefined });

/** The model `id` means, or null when there is none; an ambiguous ID is still BAD_USER_INPUT. */
export async function findAiModel(deps: Deps, id: string): Promise<ModelPrice | null> {
  try {
    return await resolveModel(deps, id);
  } catch (error) {
    if (isDomainError(error) && error.code === "NOT_FOUND") return null;
    throw error;
  }
}
