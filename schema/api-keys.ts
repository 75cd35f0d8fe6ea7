import { createApiKey, listApiKeys, revokeApiKey, type ApiKey } from "../core/auth/api-keys";
import { adminOnly } from "./auth";
import { builder } from "./builder";

const ApiKeyScopeEnum = builder.enumType("ApiKeyScope", {
  values: {
    ADMIN: { description: "Everything." },
    INGEST: {
      description:
        "trackUsage, trackUsageBatch, reservations, entitlement, quote and createCustomer only: for a backend that meters.",
    },
  } as const,
});

const ApiKeyRef = builder.objectRef<ApiKey>("ApiKey").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    scope: t.field({ type: ApiKeyScopeEnum, resolve: (k) => k.scope }),
    prefix: t.exposeString("prefix", {
      description: "The secret's first characters (bk_live_ or bk_test_ and 4 more), to recognise it.",
    }),
    createdAt: t.field({ type: "DateTime", resolve: (k) => k.createdAt }),
    revokedAt: t.field({ type: "DateTime", nullable: true, resolve: (k) => k.revokedAt ?? null }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ key: ApiKey; secret: string }>("CreatedApiKey").implement({
  fields: (t) => ({
    key: t.field({ type: ApiKeyRef, resolve: (c) => c.key }),
    secret: t.exposeString("secret", {
      description: "The secret; returned only in this response, stored only as a hash.",
    }),
  }),
});

builder.queryField("apiKeys", (t) =>
  t.field({
    type: [ApiKeyRef],
    description: "Every API key, revoked ones included, without secrets.",
    authScopes: adminOnly,
    resolve: (_, __, { deps }) => listApiKeys(deps),
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    authScopes: adminOnly,
    args: { name: t.arg.string({ required: true }), scope: t.arg({ type: ApiKeyScopeEnum, required: true }) },
    resolve: (_, a, { deps }) => createApiKey(deps, a),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: "Takes effect on the next request. Revoking a revoked key returns it unchanged.",
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => revokeApiKey(deps, a.id),
  }),
}));
