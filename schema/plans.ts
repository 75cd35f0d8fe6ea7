import { archivePlan, createPlan, type Plan, type PlanFeature, type PriceTier } from "../core/plans";
import { planFor, plansFor } from "../core/customer-plans";
import { getFeature } from "../core/features";
import { adminOnly, adminOrAnyCustomer, customerOf, merchantOnly } from "./auth";
import { builder } from "./builder";
import { BILLING_INTERVALS } from "../core/periods/arithmetic";
import { FeatureRef } from "./features";

export const ConsumptionModelEnum = builder.enumType("ConsumptionModel", {
  values: ["METERED", "CREDITS", "BALANCE"] as const,
});
const BillingIntervalEnum = builder.enumType("BillingInterval", { values: BILLING_INTERVALS });
const PricingModeEnum = builder.enumType("PricingMode", { values: ["FIXED", "AI_MODEL"] as const });

const TierModeEnum = builder.enumType("TierMode", {
  values: ["GRADUATED", "VOLUME"] as const,
  description:
    "GRADUATED: each unit at its tier's price. VOLUME: every unit at the price of the tier the total falls in.",
});

const PriceTierRef = builder.objectRef<PriceTier>("PriceTier").implement({
  description: "One tier of a METERED feature's overage; bounds count units beyond `included`.",
  fields: (t) => ({
    upTo: t.field({
      type: "Decimal",
      nullable: true,
      description: "Inclusive upper bound of this tier's units; null on the last tier.",
      resolve: (tier) => tier.upTo ?? null,
    }),
    unitPrice: t.field({ type: "Money", resolve: (tier) => tier.unitPrice }),
    flatFee: t.field({
      type: "Money",
      nullable: true,
      description: "Added once when any unit falls in this tier.",
      resolve: (tier) => tier.flatFee ?? null,
    }),
  }),
});

const PriceTierInput = builder.inputType("PriceTierInput", {
  fields: (t) => ({
    upTo: t.field({ type: "Decimal" }),
    unitPrice: t.field({ type: "Money", required: true }),
    flatFee: t.field({ type: "Money" }),
  }),
});

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
    tiers: t.field({
      type: [PriceTierRef],
      nullable: true,
      description: "METERED: the overage priced by tiers (instead of overagePrice).",
      resolve: (f) => f.tiers ?? null,
    }),
    tierMode: t.field({ type: TierModeEnum, nullable: true, resolve: (f) => f.tierMode ?? null }),
    packageSize: t.field({
      type: "Decimal",
      nullable: true,
      description:
        "METERED: overagePrice is per started package of this many units. BALANCE FIXED: unitPrice is per this many units.",
      resolve: (f) => f.packageSize ?? null,
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
    resetInterval: t.field({
      type: BillingIntervalEnum,
      description:
        "How often credits, allowance and included units are granted and overage invoiced (the base fee is billed once per interval).",
      resolve: (p) => p.resetInterval ?? p.interval,
    }),
    includedCredits: t.field({ type: "Decimal", nullable: true, resolve: (p) => p.includedCredits ?? null }),
    blockOnExhaustion: t.exposeBoolean("blockOnExhaustion", {
      description:
        "BALANCE plans: refuse usage that would take the balance below zero (default false: overage instead).",
    }),
    features: t.field({ type: [PlanFeatureRef], resolve: (p) => p.features }),
    group: t.string({
      nullable: true,
      description: "Plans in one group are the ones a customer may switch between in the portal.",
      resolve: (p) => p.group ?? null,
    }),
    rank: t.int({
      nullable: true,
      description: "Within a group: higher is an upgrade (immediate), lower a downgrade (at period end).",
      resolve: (p) => p.rank ?? null,
    }),
    trialDays: t.exposeInt("trialDays", {
      description: "Days of free trial a customer's first subscription gets (0: none).",
    }),
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
    tiers: t.field({ type: [PriceTierInput] }),
    tierMode: t.field({ type: TierModeEnum }),
    packageSize: t.field({ type: "Decimal" }),
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
    resetInterval: t.field({
      type: BillingIntervalEnum,
      description:
        "Default: the interval. Must divide it (MONTH or QUARTER in a YEAR, MONTH in a QUARTER, DAY in a WEEK): e.g. YEAR billing with MONTH grants and overage.",
    }),
    includedCredits: t.field({ type: "Decimal" }),
    blockOnExhaustion: t.boolean({ defaultValue: false }),
    trialDays: t.int({ defaultValue: 0 }),
    features: t.field({ type: [PlanFeatureInput], required: true }),
    group: t.string({
      description: "Plans in one group are the ones a customer may switch between in the portal (an ID's characters).",
    }),
    rank: t.int({ description: "Within the plan's group (so only with group): higher is an upgrade; 0 to 1,000,000." }),
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
