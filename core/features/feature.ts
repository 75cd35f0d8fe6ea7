/** Features: the things a plan prices or grants (`ai_chat`, `api_calls`, `sso`). Immutable once created. */
import * as z from "../zod";
import { IdSchema, NameSchema } from "../validation";

/** SEATS and QUOTA are levels, not usage that adds up (core/models/levels.ts). */
export const FeatureKind = { BOOLEAN: "BOOLEAN", METERED: "METERED", SEATS: "SEATS", QUOTA: "QUOTA" } as const;
export type FeatureKind = (typeof FeatureKind)[keyof typeof FeatureKind];

export const CreateFeatureInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  kind: z.enum(FeatureKind),
  unit: z.nullish(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))),
});
export type CreateFeatureInput = z.infer<typeof CreateFeatureInputSchema>;
export type Feature = { code: string; name: string; kind: FeatureKind; unit?: string; createdAt: string };
