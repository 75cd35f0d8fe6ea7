/**
 * quote: what tracking this usage would cost now, in money or credits, without recording anything.
 * BALANCE: the money it would spend. CREDITS: the credits it would burn. METERED: the overage it
 * would add to this period's bill (usage beyond `included`, at the overage price, before the
 * invoice's rounding); null when it adds none. It refuses what trackUsage would refuse for being
 * out of bounds (BAD_USER_INPUT, or LIMIT_REACHED when a running sum would pass core/bounds.ts);
 * whether the customer's credits, balance or hard limit allow it now is `entitlement`'s answer.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import type { Amount } from "../money";
import { beyondBounds, levelKindOf, levelQuote, strategyFor } from "../models";
import { SCALE } from "../money";
import { planFeatureOf } from "../plans/plan";
import { activeSubscription } from "../wallet";
import { currentWallet } from "./current";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";
import { refusalMessage } from "./refusals";

export type Quote = { cost?: Amount; credits?: Amount };

export async function quote(deps: Deps, input: TrackUsageInput): Promise<Quote> {
  const request = parseTrackRequest(input);
  const { wallet, plan, now } = await currentWallet(deps, request.customerId);
  const sub = activeSubscription(wallet);
  if (!sub || !plan)
    throw new DomainError("NO_SUBSCRIPTION", `customer "${request.customerId}" has no active subscription`);
  const feature = planFeatureOf(plan, request.feature);
  if (feature && levelKindOf(feature)) {
    // Seats and quotas: `value` more seats or quota units (core/models/levels.ts).
    const cost = levelQuote(wallet, feature, request.value ?? SCALE, now);
    return cost !== undefined ? { cost } : {};
  }
  const { charge } = await priceRequest(deps, plan, request, sub, now);
  if (beyondBounds(wallet, charge))
    throw new DomainError("LIMIT_REACHED", refusalMessage("LIMIT_REACHED", request.feature, true));
  const cost = strategyFor(plan.model).addedCost(wallet, planFeatureOf(plan, charge.feature)!, charge);
  return {
    ...(cost !== undefined ? { cost } : {}),
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
  };
}
