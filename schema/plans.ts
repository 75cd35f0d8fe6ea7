import { archivePlan, createPlan, type Plan, type PlanFeature } from "../core/plans";
import { planFor, plansFor } from "../core/customer-plans";
import { getFeature } from "../core/features";
import { adminOnly, adminOrAnyCustomer, customerOf, merchantOnly } from "./auth";
import { builder } from "./builder";
import { FeatureRef } from "./features";

export const ConsumptionModelEnum = builder.enumType("ConsumptionModel", {
  values: ["METERED", "CREDITS", "BALANCE"] as const,
});
const BillingIntervalEnum = builder.enumType("BillingInterval", { values: ["DAY", "MONTH", "YEAR"] as const });
const PricingModeEnum = builder.enumType("PricingMode", { values: ["FIXED", "AI_MODEL"] as const });

const PlanFeatureRef = builder.objectRef<PlanFeature>("PlanFeature").implement({
  fields: (t) => ({
    feature: t.field({ type: FeatureRef, resolve: (f, _, { deps }) => getFeature(deps, f.feature) }),
    included: t.field({ type: "Decimal", nullable: true, resolve: (f) => f.included ?? null }),
    overagePrice: t.field({ type: "Money", nullable: true, resolve: (f) => f.overagePrice ?? null }),
    limit: t.field({ type: "Decimal", nullable: true, resolve: (f) => f.limit ?? null }),
    creditsPerUnit: t.field({ type: "Decimal", nullable: true, resolve: (f) => f.creditsPerUnit ?? null }),
    pricing: t.field({ type: PricingModeEnum, nullable: true, resolve: (f) => f.pricing ?? null }),
    unitPrice: t.field({ type: "Money", nullable: true, resolve: (f) => f.unitPrice ?? null }),
    marginBps: t.int({
      nullable: true,
      description: "API keys only.",
      authScopes: merchantOnly,
      resolve: (f) => f.marginBps ?? null,
    }),
  }),
});

export const PlanRef = builder.objectRef<Plan>("Plan").implement({
  fields: (t) => ({
    code: t.exposeID("code"),
    name: t.exposeString("name"),
    model: t.field({ type: ConsumptionModelEnum, resolve: (p) => p.model }),
    basePrice: t.field({ type: "Money", resolve: (p) => p.basePrice }),
    currency: t.exposeString("currency"),
    interval: t.field({ type: BillingIntervalEnum, resolve: (p) => p.interval }),
    includedCredits: t.field({ type: "Decimal", nullable: true, resolve: (p) => p.includedCredits ?? null }),
    blockOnExhaustion: t.exposeBoolean("blockOnExhaustion", {
      description:
        "BALANCE plans: refuse usage that would take the balance below zero (default false: overage instead).",
    }),
    features: t.field({ type: [PlanFeatureRef], resolve: (p) => p.features }),
    archived: t.exposeBoolean("archived"),
  }),
});

const PlanFeatureInput = builder.inputType("PlanFeatureInput", {
  fields: (t) => ({
    feature: t.id({ required: true }),
    included: t.field({ type: "Decimal" }),
    overagePrice: t.field({ type: "Money" }),
    limit: t.field({ type: "Decimal" }),
    creditsPerUnit: t.field({ type: "Decimal" }),
    pricing: t.field({ type: PricingModeEnum }),
    unitPrice: t.field({ type: "Money" }),
    marginBps: t.int(),
  }),
});

const CreatePlanInput = builder.inputType("CreatePlanInput", {
  fields: (t) => ({
    code: t.id({ required: true }),
    name: t.string({ required: true }),
    model: t.field({ type: ConsumptionModelEnum, required: true }),
    basePrice: t.field({ type: "Money", required: true }),
    currency: t.string({ defaultValue: "USD" }),
    interval: t.field({ type: BillingIntervalEnum, required: true }),
    includedCredits: t.field({ type: "Decimal" }),
    blockOnExhaustion: t.boolean({ defaultValue: false }),
    features: t.field({ type: [PlanFeatureInput], required: true }),
  }),
});

builder.queryFields((t) => ({
  plans: t.field({
    type: [PlanRef],
    authScopes: adminOrAnyCustomer,
    description:
      "Plans on offer, and archived ones when asked. A customer token sees the plans on offer and its own, whatever it asks.",
    args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (_, args, { deps, principal }) => plansFor(deps, customerOf(principal), args.includeArchived ?? false),
  }),
  plan: t.field({
    type: PlanRef,
    nullable: true,
    authScopes: adminOrAnyCustomer,
    description: "One plan, or null. A customer token gets null for an archived plan that is not its own.",
    args: { code: t.arg.id({ required: true }) },
    resolve: async (_, args, { deps, principal }) => (await planFor(deps, args.code, customerOf(principal))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createPlan: t.field({
    type: PlanRef,
    authScopes: adminOnly,
    args: { input: t.arg({ type: CreatePlanInput, required: true }) },
    resolve: (_, { input }, { deps }) => createPlan(deps, input),
  }),
  archivePlan: t.field({
    type: PlanRef,
    authScopes: adminOnly,
    args: { code: t.arg.id({ required: true }) },
    resolve: (_, args, { deps }) => archivePlan(deps, args.code),
  }),
}));
