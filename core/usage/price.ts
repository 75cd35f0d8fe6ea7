/**
 * Pricing one request against the customer's plan: which plan feature it uses, which period its
 * timestamp falls in, what it consumes (units, or tokens of a resolved AI model) and the charge
 * the plan's consumption model makes of it.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import { getFeature } from "../features";
import { formatDecimal, units } from "../money";
import { priceUsage } from "../models";
import type { Charge, Usage } from "../models/types";
import { planFeatureOf, type Plan, type PlanFeature } from "../plans/plan";
import { resolveModel } from "../catalog/resolve";
import { inTrial, type Subscription } from "../wallet";
import type { TrackRequest } from "./event";
import { tokenSum } from "./input";

/** How far ahead of the deployment's clock an event's timestamp may be (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export async function priceRequest(
  deps: Deps,
  plan: Plan,
  request: TrackRequest,
  sub: Subscription,
  now: Date,
): Promise<{ charge: Charge; timestamp: Date }> {
  const feature = planFeatureOf(plan, request.feature);
  if (!feature) {
    await getFeature(deps, request.feature);
    throw new DomainError("FEATURE_NOT_IN_PLAN", `plan "${plan.code}" does not include "${request.feature}"`);
  }
  if (feature.kind === "BOOLEAN") {
    throw new DomainError(
      "BAD_USER_INPUT",
      `input.feature "${request.feature}" is an access flag (BOOLEAN): there is no usage to track`,
    );
  }
  if (feature.kind === "SEATS" || feature.kind === "QUOTA") {
    const op = feature.kind === "SEATS" ? "setSeats" : "adjustQuota";
    throw new DomainError(
      "BAD_USER_INPUT",
      `input.feature "${request.feature}" is a ${feature.kind} feature: its level is set with ${op}, not tracked`,
    );
  }
  const timestamp = request.timestamp ?? now;
  if (timestamp.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new DomainError("BAD_USER_INPUT", "input.timestamp lies in the future (beyond 5 minutes of clock skew)");
  }
  if (timestamp.getTime() < Date.parse(sub.periodStart)) {
    throw new DomainError(
      "PERIOD_CLOSED",
      `timestamp ${timestamp.toISOString()} lies in a billing period that is closed`,
    );
  }
  const usage = await usageOf(deps, feature, request);
  return { charge: priceUsage(plan, feature, usage, { trial: inTrial(sub) }), timestamp };
}

/**
 * What the request consumes. Not AI_MODEL priced: `value` units (default 1), or, when it carries
 * token counts, their sum (a `value` next to them must equal it); a `model` alone is recorded on
 * the event and prices nothing. AI_MODEL priced: the tokens of the resolved model.
 */
async function usageOf(deps: Deps, feature: PlanFeature, request: TrackRequest): Promise<Usage> {
  const sum = tokenSum(request);
  if (feature.pricing !== "AI_MODEL") {
    if (sum === undefined) return { quantity: request.value ?? units(1) };
    if (request.value != null && request.value !== units(sum)) {
      throw new DomainError(
        "BAD_USER_INPUT",
        `input.value (${formatDecimal(request.value)}) differs from the sum of the token counts (${sum}): send one or make them agree`,
      );
    }
    return { quantity: units(sum) };
  }
  const tokens = {
    input: BigInt(request.inputTokens ?? 0),
    output: BigInt(request.outputTokens ?? 0),
    cacheRead: BigInt(request.cacheReadTokens ?? 0),
    cacheWrite: BigInt(request.cacheWriteTokens ?? 0),
  };
  if (!request.model || sum === undefined) {
    throw new DomainError(
      "BAD_USER_INPUT",
      `input.model and token counts are required: "${request.feature}" is priced by AI model`,
    );
  }
  const aiModel = await resolveModel(deps, request.model);
  return { quantity: units(sum), tokens, aiModel };
}
