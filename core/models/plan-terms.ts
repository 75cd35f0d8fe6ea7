/**
 * What a plan's input may say, given its model: the plan-level options and feature pricing fields
 * each model takes (ConsumptionStrategy.planOptions / featureFields), anything of another model
 * refused with BAD_USER_INPUT naming the field, and the model's own checks of each feature.
 */
import { DomainError } from "../errors";
import type { FeatureKind } from "../features/feature";
import type { ConsumptionModel, CreatePlanInput, Plan, PlanFeature, PlanFeatureInput } from "../plans/plan";
import { STRATEGIES, strategyFor } from "./strategies";
import { isLevelKind, levelFeature } from "./levels";

const bad = (message: string) => new DomainError("BAD_USER_INPUT", message);
const FEATURE_FIELDS = Object.values(STRATEGIES).flatMap((s) => s.featureFields);

/** The model's own plan terms; an option of another model given (`false` is not given) is refused. */
export function planTerms(input: CreatePlanInput): Pick<Plan, "includedCredits"> {
  for (const other of Object.values(STRATEGIES)) {
    if (other.model === input.model) continue;
    const given = other.planOptions.find((option) => input[option] != null && input[option] !== false);
    if (given) throw bad(`input.${given} is only for ${other.model} plans`);
  }
  return strategyFor(input.model).planTerms(input);
}

/** One plan feature, checked against the plan's model; `at` is its path in the input. */
export function planFeature(
  model: ConsumptionModel,
  kind: FeatureKind,
  input: PlanFeatureInput,
  on: { at: string; currency: string },
): PlanFeature {
  const given = FEATURE_FIELDS.filter((field) => input[field] != null);
  if (kind === "BOOLEAN") {
    if (given.length)
      throw bad(`${on.at}.${given[0]} does not apply: "${input.feature}" is a BOOLEAN feature, which takes no pricing`);
    return { feature: input.feature, kind };
  }
  // Seats and quotas are priced in money on a plan of any model (./levels.ts).
  if (isLevelKind(kind)) return levelFeature(input, kind, on.at);
  const strategy = strategyFor(model);
  const foreign = given.filter((field) => !strategy.featureFields.includes(field));
  if (foreign.length) throw bad(`${on.at}.${foreign[0]} does not apply to ${model} plans`);
  return strategy.validateFeature(input, { kind, ...on });
}
