/**
 * Creating, reading and archiving plans (the types and the input schemas: ./plan.ts). What a plan
 * of each model may say is the model's to decide (core/models/plan-terms.ts).
 */
import { DomainError } from "../errors";
import type { Deps } from "../deps";
import { requireWholeMinorUnits } from "../currencies";
import { IdSchema, parseInput } from "../validation";
import { getFeature } from "../features";
import { periodsPerCycle } from "../periods/cycle";
import { planFeature, planTerms } from "../models";
import * as repo from "../db/plans";
import { CreatePlanInputSchema, type CreatePlanInput, type Plan, type PlanFeature } from "./plan";

export {
  ConsumptionModel,
  CreatePlanInputSchema,
  PricingMode,
  planFeatureOf,
  type CreatePlanInput,
  type Plan,
  type PlanFeature,
  type PriceTier,
} from "./plan";

export async function createPlan(deps: Deps, input: CreatePlanInput): Promise<Plan> {
  const parsed = parseInput(CreatePlanInputSchema, input);
  const terms = planTerms(parsed);
  const currency = parsed.currency ?? "USD";
  if (parsed.resetInterval != null && !periodsPerCycle(parsed.interval, parsed.resetInterval))
    throw new DomainError(
      "BAD_USER_INPUT",
      `input.resetInterval ${parsed.resetInterval} must divide input.interval ${parsed.interval} (MONTH or QUARTER in a YEAR, MONTH in a QUARTER, DAY in a WEEK)`,
    );
  if (parsed.rank != null && parsed.group == null)
    throw new DomainError("BAD_USER_INPUT", "input.rank needs input.group: a rank orders the plans of one group");
  requireWholeMinorUnits(parsed.basePrice, currency, "input.basePrice");
  const seen = new Set<string>();
  const features: PlanFeature[] = [];
  for (const [i, f] of parsed.features.entries()) {
    const at = `input.features[${i}]`;
    if (seen.has(f.feature)) throw new DomainError("BAD_USER_INPUT", `${at}.feature "${f.feature}" is listed twice`);
    seen.add(f.feature);
    const { kind } = await getFeature(deps, f.feature);
    features.push(planFeature(parsed.model, kind, f, { at, currency }));
  }
  const plan: Plan = {
    code: parsed.code,
    name: parsed.name,
    model: parsed.model,
    basePrice: parsed.basePrice,
    currency,
    interval: parsed.interval,
    ...(parsed.resetInterval != null && parsed.resetInterval !== parsed.interval
      ? { resetInterval: parsed.resetInterval }
      : {}),
    ...terms,
    blockOnExhaustion: parsed.blockOnExhaustion ?? false,
    trialDays: parsed.trialDays ?? 0,
    features,
    ...(parsed.group != null ? { group: parsed.group } : {}),
    ...(parsed.rank != null ? { rank: parsed.rank } : {}),
    archived: false,
    createdAt: (await deps.clock.now()).toISOString(),
  };
  await repo.insertPlan(deps.db, plan);
  return plan;
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
