/** Creating, reading and archiving plans (the types and the input schemas: ./plan.ts). */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import { formatDecimal } from "../money";
import { CATALOG_CURRENCY, requireWholeMinorUnits } from "../currencies";
import { IdSchema, parseInput } from "../validation";
import { getFeature } from "../features";
import type { FeatureKind } from "../features/feature";
import * as repo from "../db/plans";
import {
  CreatePlanInputSchema,
  type ConsumptionModel,
  type CreatePlanInput,
  type Plan,
  type PlanFeature,
  type PlanFeatureInput,
} from "./plan";

export {
  ConsumptionModel,
  CreatePlanInputSchema,
  PricingMode,
  planFeatureOf,
  type CreatePlanInput,
  type Plan,
  type PlanFeature,
} from "./plan";

/** The fields each model's metered features may carry; anything else on a feature is refused. */
const FIELDS_BY_MODEL: Record<ConsumptionModel, (keyof PlanFeatureInput)[]> = {
  METERED: ["included", "overagePrice", "limit"],
  CREDITS: ["creditsPerUnit"],
  BALANCE: ["pricing", "unitPrice", "marginBps"],
};
const ALL_FIELDS = Object.values(FIELDS_BY_MODEL).flat();

export async function createPlan(deps: Deps, input: CreatePlanInput): Promise<Plan> {
  const parsed = parseInput(CreatePlanInputSchema, input);
  const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);
  if (parsed.includedCredits != null && parsed.model !== "CREDITS") {
    throw bad("input.includedCredits is only for CREDITS plans");
  }
  if (parsed.blockOnExhaustion && parsed.model !== "BALANCE") {
    throw bad("input.blockOnExhaustion is only for BALANCE plans");
  }
  const currency = parsed.currency ?? "USD";
  requireWholeMinorUnits(parsed.basePrice, currency, "input.basePrice");
  const seen = new Set<string>();
  const features: PlanFeature[] = [];
  for (const [i, f] of parsed.features.entries()) {
    const at = `input.features[${i}]`;
    if (seen.has(f.feature)) throw bad(`${at}.feature "${f.feature}" is listed twice`);
    seen.add(f.feature);
    const { kind } = await getFeature(deps, f.feature);
    const feature = planFeature(parsed.model, kind, f, at);
    // Catalog prices are USD; without exchange rates they cannot bill another currency.
    if (feature.pricing === "AI_MODEL" && currency !== CATALOG_CURRENCY) {
      throw bad(`${at}.pricing AI_MODEL needs a plan in ${CATALOG_CURRENCY}, the AI model catalog's currency`);
    }
    features.push(feature);
  }
  const plan: Plan = {
    code: parsed.code,
    name: parsed.name,
    model: parsed.model,
    basePrice: parsed.basePrice,
    currency,
    interval: parsed.interval,
    ...(parsed.model === "CREDITS" ? { includedCredits: parsed.includedCredits ?? 0n } : {}),
    blockOnExhaustion: parsed.blockOnExhaustion ?? false,
    features,
    archived: false,
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertPlan(deps.db, plan);
  return plan;
}

/** One plan feature, checked against the plan's model; `at` is its path in the input. */
function planFeature(model: ConsumptionModel, kind: FeatureKind, f: PlanFeatureInput, at: string): PlanFeature {
  const given = ALL_FIELDS.filter((field) => f[field] != null);
  const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);
  if (kind === "BOOLEAN") {
    if (given.length)
      throw bad(`${at}.${given[0]} does not apply: "${f.feature}" is a BOOLEAN feature, which takes no pricing`);
    return { feature: f.feature, kind };
  }
  const foreign = given.filter((field) => !FIELDS_BY_MODEL[model].includes(field));
  if (foreign.length) throw bad(`${at}.${foreign[0]} does not apply to ${model} plans`);
  switch (model) {
    case "METERED": {
      if (f.overagePrice == null) throw bad(`${at}.overagePrice is required on METERED plans`);
      const included = f.included ?? 0n;
      // A limit refuses usage beyond it: 0 would refuse everything, below included would hide units sold.
      if (f.limit != null && f.limit <= 0n) throw bad(`${at}.limit must be greater than zero`);
      if (f.limit != null && f.limit < included)
        throw bad(`${at}.limit must not be below ${at}.included (${formatDecimal(included)})`);
      return {
        feature: f.feature,
        kind,
        included,
        overagePrice: f.overagePrice,
        ...(f.limit != null ? { limit: f.limit } : {}),
      };
    }
    case "CREDITS":
      if (f.creditsPerUnit == null) throw bad(`${at}.creditsPerUnit is required on CREDITS plans`);
      return { feature: f.feature, kind, creditsPerUnit: f.creditsPerUnit };
    case "BALANCE": {
      const pricing = f.pricing ?? "FIXED";
      if (pricing === "FIXED") {
        if (f.unitPrice == null) throw bad(`${at}.unitPrice is required for FIXED pricing`);
        if (f.marginBps != null) throw bad(`${at}.marginBps applies to AI_MODEL pricing only`);
        return { feature: f.feature, kind, pricing, unitPrice: f.unitPrice };
      }
      if (f.unitPrice != null) throw bad(`${at}.unitPrice does not apply to AI_MODEL pricing (it takes marginBps)`);
      return { feature: f.feature, kind, pricing, marginBps: f.marginBps ?? 0 };
    }
  }
}

export async function getPlan(deps: Deps, code: string): Promise<Plan> {
  const plan = await repo.getPlan(deps.db, parseInput(IdSchema, code, "planCode"));
  if (!plan) throw new DomainError("NOT_FOUND", `plan "${code}" not found`);
  return plan;
}

export const findPlan = (deps: Deps, code: string) => repo.getPlan(deps.db, parseInput(IdSchema, code, "code"));

export async function listPlans(deps: Deps, includeArchived = false): Promise<Plan[]> {
  const plans = await repo.listPlans(deps.db);
  return includeArchived ? plans : plans.filter((p) => !p.archived);
}

export async function archivePlan(deps: Deps, code: string): Promise<Plan> {
  await getPlan(deps, code);
  return repo.archivePlan(deps.db, code);
}
