/** Creating and reading features (the types and the input schema: ./feature.ts). */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import { IdSchema, parseInput } from "../validation";
import * as repo from "../db/features";
import { CreateFeatureInputSchema, type CreateFeatureInput, type Feature } from "./feature";

export { CreateFeatureInputSchema, FeatureKind, type CreateFeatureInput, type Feature } from "./feature";

export async function createFeature(deps: Deps, input: CreateFeatureInput): Promise<Feature> {
  const parsed = parseInput(CreateFeatureInputSchema, input);
  const feature: Feature = {
    code: parsed.code,
    name: parsed.name,
    kind: parsed.kind,
    ...(parsed.unit ? { unit: parsed.unit } : {}),
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertFeature(deps.db, feature);
  return feature;
}

export const listFeatures = (deps: Deps) => repo.listFeatures(deps.db);

export const findFeature = (deps: Deps, code: string) =>
  repo.getFeature(deps.db, parseInput(IdSchema, code, "feature"));

export async function getFeature(deps: Deps, code: string): Promise<Feature> {
  const feature = await findFeature(deps, code);
  if (!feature) throw new DomainError("NOT_FOUND", `feature "${code}" not found`);
  return feature;
}
