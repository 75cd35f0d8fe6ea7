/**
 * Plans: a base price, a currency, an interval, one consumption model and the features it prices.
 * Plans are immutable once created (prices are never edited: archive and create a new plan), which
 * is also what lets readers cache them forever.
 */
import * as z from "../zod";
import type { Amount } from "../money";
import { MAX_PRICE } from "../bounds";
import type { FeatureKind } from "../features/feature";
import { BILLING_INTERVALS, type BillingInterval } from "../periods/arithmetic";
import { CurrencySchema, IdSchema, NameSchema, PriceSchema, QuantitySchema } from "../validation";

export const ConsumptionModel = { METERED: "METERED", CREDITS: "CREDITS", BALANCE: "BALANCE" } as const;
export type ConsumptionModel = (typeof ConsumptionModel)[keyof typeof ConsumptionModel];
export const PricingMode = { FIXED: "FIXED", AI_MODEL: "AI_MODEL" } as const;
export type PricingMode = (typeof PricingMode)[keyof typeof PricingMode];

export const TierMode = { GRADUATED: "GRADUATED", VOLUME: "VOLUME" } as const;
export type TierMode = (typeof TierMode)[keyof typeof TierMode];
/** One tier of a METERED feature's overage: units beyond `included` up to `upTo` (inclusive; none on the last). */
export type PriceTier = { upTo?: Amount; unitPrice: Amount; flatFee?: Amount };

export type PlanFeature = {
  feature: string;
  kind: FeatureKind;
  included?: Amount;
  overagePrice?: Amount;
  limit?: Amount;
  /** METERED: the overage priced by tiers instead of one overagePrice (core/models/overage-pricing.ts). */
  tiers?: PriceTier[];
  tierMode?: TierMode;
  /** METERED: overagePrice is per started package of this many units; BALANCE FIXED: unitPrice is. */
  packageSize?: Amount;
  creditsPerUnit?: Amount;
  pricing?: PricingMode;
  unitPrice?: Amount;
  marginBps?: number;
};

export type Plan = {
  code: string;
  name: string;
  model: ConsumptionModel;
  basePrice: Amount;
  currency: string;
  interval: BillingInterval;
  /** How often grants renew and overage is invoiced (core/periods/cycle.ts); absent: the interval. */
  resetInterval?: BillingInterval;
  includedCredits?: Amount;
  blockOnExhaustion: boolean;
  /** Days of free trial a first subscription gets (0: none): core/subscriptions/trial.ts. */
  trialDays: number;
  features: PlanFeature[];
  /** Plans a customer may switch between in the portal; ADMIN keys may change to any plan. */
  group?: string;
  /** Within a group: higher is an upgrade (immediate), lower a downgrade (at period end). */
  rank?: number;
  archived: boolean;
  createdAt: string;
  /** BALANCE: money add-ons add to each period's allowance (core/add-ons/terms.ts); never stored on a plan. */
  addOnAllowance?: Amount;
};

/** A trial of 0 (none) to 730 days. */
export const TrialDaysSchema = z.number().check(z.int(), z.gte(0), z.lte(730));

export const PlanFeatureInputSchema = z.object({
  feature: IdSchema,
  included: z.nullish(QuantitySchema),
  overagePrice: z.nullish(PriceSchema),
  limit: z.nullish(QuantitySchema),
  creditsPerUnit: z.nullish(z.bigint().check(z.gt(0n, "must be greater than zero"), z.lte(MAX_PRICE))),
  pricing: z.nullish(z.enum(["FIXED", "AI_MODEL"])),
  unitPrice: z.nullish(PriceSchema),
  marginBps: z.nullish(z.number().check(z.int(), z.gte(0), z.lte(100_000))),
  tiers: z.nullish(
    z.array(z.object({ upTo: z.nullish(QuantitySchema), unitPrice: PriceSchema, flatFee: z.nullish(PriceSchema) })),
  ),
  tierMode: z.nullish(z.enum(["GRADUATED", "VOLUME"])),
  packageSize: z.nullish(QuantitySchema),
});
export type PlanFeatureInput = z.infer<typeof PlanFeatureInputSchema>;

export const CreatePlanInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  model: z.enum(ConsumptionModel),
  basePrice: PriceSchema,
  currency: z.nullish(CurrencySchema),
  interval: z.enum(BILLING_INTERVALS),
  resetInterval: z.nullish(z.enum(BILLING_INTERVALS)),
  includedCredits: z.nullish(QuantitySchema),
  blockOnExhaustion: z.nullish(z.boolean()),
  trialDays: z.nullish(TrialDaysSchema),
  features: z.array(PlanFeatureInputSchema).check(z.maxLength(100)),
  group: z.nullish(IdSchema),
  rank: z.nullish(z.number().check(z.int(), z.gte(0, "must not be negative"), z.lte(1_000_000))),
});
export type CreatePlanInput = z.infer<typeof CreatePlanInputSchema>;

export const planFeatureOf = (plan: Plan, feature: string) => plan.features.find((f) => f.feature === feature);
