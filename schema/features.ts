import { createFeature, listFeatures, type Feature } from "../core/features";
import { adminOnly } from "./auth";
import { builder } from "./builder";

export const FeatureKindEnum = builder.enumType("FeatureKind", {
  values: ["BOOLEAN", "METERED", "SEATS", "QUOTA"] as const,
});

export const FeatureRef = builder.objectRef<Feature>("Feature").implement({
  fields: (t) => ({
    code: t.exposeID("code"),
    name: t.exposeString("name"),
    kind: t.field({ type: FeatureKindEnum, resolve: (f) => f.kind }),
    unit: t.string({ nullable: true, resolve: (f) => f.unit ?? null }),
  }),
});

const CreateFeatureInput = builder.inputType("CreateFeatureInput", {
  fields: (t) => ({
    code: t.id({ required: true }),
    name: t.string({ required: true }),
    kind: t.field({ type: FeatureKindEnum, required: true }),
    unit: t.string(),
  }),
});

builder.queryField("features", (t) =>
  t.field({ type: [FeatureRef], authScopes: adminOnly, resolve: (_, __, { deps }) => listFeatures(deps) }),
);

builder.mutationField("createFeature", (t) =>
  t.field({
    type: FeatureRef,
    authScopes: adminOnly,
    args: { input: t.arg({ type: CreateFeatureInput, required: true }) },
    resolve: (_, { input }, { deps }) => createFeature(deps, input),
  }),
);
