import type { ModelPrice } from "../core/catalog/model-price";
import { findAiModel, listAiModels } from "../core/catalog/queries";
import { setAiModelAlias } from "../core/catalog/set-alias";
import { upsertAiModel } from "../core/catalog/upsert-model";
import { adminOnly } from "./auth";
import { builder } from "./builder";

const AiModelRef = builder.objectRef<ModelPrice>("AiModel").implement({
  fields: (t) => ({
    id: t.exposeID("id", { description: "provider/model, e.g. anthropic/claude-sonnet-4-6" }),
    provider: t.exposeString("provider"),
    name: t.exposeString("name"),
    inputPrice: t.field({ type: "Money", description: "USD per 1,000,000 tokens", resolve: (m) => m.input }),
    outputPrice: t.field({ type: "Money", resolve: (m) => m.output }),
    cacheReadPrice: t.field({ type: "Money", nullable: true, resolve: (m) => m.cacheRead ?? null }),
    cacheWritePrice: t.field({ type: "Money", nullable: true, resolve: (m) => m.cacheWrite ?? null }),
    updatedAt: t.field({ type: "DateTime", resolve: (m) => m.updatedAt }),
    pinned: t.boolean({
      description: "Set by upsertAiModel: the daily catalog sync keeps this price instead of the feed's",
      resolve: (m) => m.pinned === true,
    }),
  }),
});

builder.queryField("aiModels", (t) =>
  t.field({
    type: [AiModelRef],
    authScopes: adminOnly,
    args: { provider: t.arg.string(), search: t.arg.string() },
    resolve: (_, args, { deps }) => listAiModels(deps, args),
  }),
);

builder.queryField("aiModel", (t) =>
  t.field({
    type: AiModelRef,
    nullable: true,
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { deps }) => findAiModel(deps, String(id)),
  }),
);

builder.mutationField("upsertAiModel", (t) =>
  t.field({
    type: AiModelRef,
    authScopes: adminOnly,
    args: {
      id: t.arg.id({ required: true }),
      name: t.arg.string(),
      inputPrice: t.arg({ type: "Money", required: true }),
      outputPrice: t.arg({ type: "Money", required: true }),
      cacheReadPrice: t.arg({ type: "Money" }),
      cacheWritePrice: t.arg({ type: "Money" }),
      pinned: t.arg.boolean({
        description: "Default true: the daily sync keeps this price; false lets the feed replace it",
      }),
    },
    resolve: (_, args, { deps }) => upsertAiModel(deps, { ...args, id: String(args.id) }),
  }),
);

builder.mutationField("setAiModelAlias", (t) =>
  t.field({
    type: AiModelRef,
    description:
      "Makes `alias` (a spelling clients send) mean the catalog model `modelId`; setting it again repoints it",
    authScopes: adminOnly,
    args: { alias: t.arg.string({ required: true }), modelId: t.arg.id({ required: true }) },
    resolve: (_, args, { deps }) => setAiModelAlias(deps, { alias: args.alias, modelId: String(args.modelId) }),
  }),
);
