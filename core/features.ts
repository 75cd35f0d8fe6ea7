/** Features: the things a plan prices or grants (`ai_chat`, `api_calls`, `sso`). Immutable once created. */
import * as z from "./zod";
import { DomainError } from "./errors";
import type { Deps } from "./deps";
import { IdSchema, NameSchema, parseInput } from "./validation";
import * as repo from "./db/features";

export const FeatureKind = { BOOLEAN: "BOOLEAN", METERED: "METERED" } as const;
export type FeatureKind = (typeof FeatureKind)[keyof typeof FeatureKind];

export const CreateFeatureInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  kind: z.enum(["BOOLEAN", "METERED"]),
  unit: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))),
});
export type CreateFeatureInput = z.infer<typeof CreateFeatureInputSchema>;
export type Feature = { code: string; name: string; kind: FeatureKind; unit?: string; createdAt: string };

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
