import type { ModelPrice } from "../core/catalog/model-price";
import { findAiModel, listAiModels } from "../core/catalog/queries";
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
    },
    resolve: (_, args, { deps }) => upsertAiModel(deps, { ...args, id: String(args.id) }),
  }),
);
