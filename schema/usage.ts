import { trackUsage, type TrackResult } from "../core/usage/track";
import { trackUsageBatch, type BatchResult } from "../core/usage/batch";
import { quote, type Quote } from "../core/usage/quote";
import type { UsageEvent } from "../core/usage/event";
import { adminOrIngest, merchantOnly } from "./auth";
import { builder } from "./builder";
import { EntitlementRef } from "./entitlements";
import { noteForAudit, outcomeCounts } from "./plugins/audit";

export const UsageEventRef = builder.objectRef<UsageEvent>("UsageEvent").implement({
  fields: (t) => ({
    idempotencyKey: t.exposeID("idempotencyKey"),
    customerId: t.exposeID("customerId"),
    feature: t.exposeID("feature"),
    value: t.field({ type: "Decimal", resolve: (e) => e.value }),
    model: t.string({
      nullable: true,
      description: "The model as the client sent it.",
      resolve: (e) => e.model ?? null,
    }),
    inputTokens: t.int({ nullable: true, resolve: (e) => e.inputTokens ?? null }),
    outputTokens: t.int({ nullable: true, resolve: (e) => e.outputTokens ?? null }),
    cacheReadTokens: t.int({ nullable: true, resolve: (e) => e.cacheReadTokens ?? null }),
    cacheWriteTokens: t.int({ nullable: true, resolve: (e) => e.cacheWriteTokens ?? null }),
    cost: t.field({
      type: "Money",
      nullable: true,
      description: "BALANCE plans: money deducted. METERED: cost if billed as overage is decided at close, so null.",
      resolve: (e) => e.cost ?? null,
    }),
    credits: t.field({
      type: "Decimal",
      nullable: true,
      description: "CREDITS plans: credits deducted.",
      resolve: (e) => e.credits ?? null,
    }),
    reason: t.string({
      nullable: true,
      description: "adjustUsage: why the usage was corrected (the event's value is the signed correction).",
      resolve: (e) => e.reason ?? null,
    }),
    level: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "setSeats, adjustQuota: the seats or quota level after the change (the event's value is the signed change).",
      resolve: (e) => e.level ?? null,
    }),
    timestamp: t.field({ type: "DateTime", resolve: (e) => e.timestamp }),
    periodStart: t.field({ type: "DateTime", resolve: (e) => e.periodStart }),
    resolvedModel: t.string({
      nullable: true,
      description: "AI_MODEL pricing: the catalog model (provider/model) the event was priced with.",
      resolve: (e) => e.ai?.modelId ?? null,
    }),
    providerCost: t.field({
      type: "Money",
      nullable: true,
      authScopes: merchantOnly,
      description: "AI_MODEL pricing: the provider's price of the tokens, before margin. API keys only.",
      resolve: (e) => e.ai?.providerCost ?? null,
    }),
    marginBps: t.int({
      nullable: true,
      authScopes: merchantOnly,
      description: "AI_MODEL pricing: the margin applied, in basis points. API keys only.",
      resolve: (e) => e.ai?.marginBps ?? null,
    }),
    inputPrice: t.field({
      type: "Money",
      nullable: true,
      authScopes: merchantOnly,
      description:
        "AI_MODEL pricing: USD per 1M input tokens used (after tier selection). API keys only, as the other prices.",
      resolve: (e) => e.ai?.unitPrices.input ?? null,
    }),
    outputPrice: t.field({
      type: "Money",
      nullable: true,
      authScopes: merchantOnly,
      resolve: (e) => e.ai?.unitPrices.output ?? null,
    }),
    cacheReadPrice: t.field({
      type: "Money",
      nullable: true,
      authScopes: merchantOnly,
      resolve: (e) => e.ai?.unitPrices.cacheRead ?? null,
    }),
    cacheWritePrice: t.field({
      type: "Money",
      nullable: true,
      authScopes: merchantOnly,
      resolve: (e) => e.ai?.unitPrices.cacheWrite ?? null,
    }),
    properties: t.field({
      type: "JSON",
      nullable: true,
      description: "As tracked. API keys only.",
      authScopes: merchantOnly,
      resolve: (e) => e.properties ?? null,
    }),
  }),
});

export const TrackUsageInput = builder.inputType("TrackUsageInput", {
  fields: (t) => ({
    customerId: t.id({ required: true }),
    feature: t.id({ required: true }),
    idempotencyKey: t.id({ required: true }),
    value: t.field({
      type: "Decimal",
      description: "Units consumed; default 1. Ignored for AI_MODEL pricing, where tokens decide the cost.",
    }),
    model: t.string(),
    inputTokens: t.int(),
    outputTokens: t.int(),
    cacheReadTokens: t.int(),
    cacheWriteTokens: t.int(),
    timestamp: t.field({ type: "DateTime", description: "When the usage happened; default now." }),
    properties: t.field({ type: "JSON" }),
  }),
});

const TrackUsagePayloadRef = builder.objectRef<TrackResult>("TrackUsagePayload").implement({
  fields: (t) => ({
    event: t.field({ type: UsageEventRef, resolve: (p) => p.event }),
    replayed: t.exposeBoolean("replayed"),
    entitlement: t.field({ type: EntitlementRef, resolve: (p) => p.entitlement }),
  }),
});

const TrackUsageBatchResultRef = builder.objectRef<BatchResult>("TrackUsageBatchResult").implement({
  fields: (t) => ({
    ok: t.exposeBoolean("ok"),
    payload: t.field({ type: TrackUsagePayloadRef, nullable: true, resolve: (r) => (r.ok ? r.payload : null) }),
    errorCode: t.string({ nullable: true, resolve: (r) => (r.ok ? null : r.errorCode) }),
    errorMessage: t.string({ nullable: true, resolve: (r) => (r.ok ? null : r.errorMessage) }),
  }),
});

const QuoteRef = builder.objectRef<Quote>("Quote").implement({
  fields: (t) => ({
    cost: t.field({ type: "Money", nullable: true, resolve: (q) => q.cost ?? null }),
    credits: t.field({ type: "Decimal", nullable: true, resolve: (q) => q.credits ?? null }),
  }),
});

builder.queryField("quote", (t) =>
  t.field({
    type: QuoteRef,
    authScopes: adminOrIngest,
    description: "What tracking this usage would cost, without recording anything.",
    args: { input: t.arg({ type: TrackUsageInput, required: true }) },
    resolve: (_, { input }, { deps }) => quote(deps, input),
  }),
);

builder.mutationFields((t) => ({
  trackUsage: t.field({
    type: TrackUsagePayloadRef,
    authScopes: adminOrIngest,
    args: { input: t.arg({ type: TrackUsageInput, required: true }) },
    resolve: (_, { input }, { deps }) => trackUsage(deps, input),
  }),
  trackUsageBatch: t.field({
    type: [TrackUsageBatchResultRef],
    authScopes: adminOrIngest,
    description: "Up to 100 events; each is accepted or refused on its own, in order. Errors are per element.",
    args: { inputs: t.arg({ type: [TrackUsageInput], required: true }) },
    resolve: async (_, { inputs }, context, info) => {
      const results = await trackUsageBatch(context.deps, inputs);
      noteForAudit(context, String(info.path.key), { outcomes: outcomeCounts(results) });
      return results;
    },
  }),
}));
