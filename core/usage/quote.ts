/** quote: what tracking this usage would cost now, in money or credits, without recording anything. */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import type { Amount } from "../money";
import { activeSubscription } from "../wallet";
import { currentWallet } from "./current";
import { parseTrackRequest, type TrackUsageInput } from "./input";
import { priceRequest } from "./price";

export type Quote = { cost?: Amount; credits?: Amount };

export async function quote(deps: Deps, input: TrackUsageInput): Promise<Quote> {
  const request = parseTrackRequest(input);
  const { wallet, plan, now } = await currentWallet(deps, request.customerId);
  const sub = activeSubscription(wallet);
  if (!sub || !plan)
    throw new DomainError("NO_SUBSCRIPTION", `customer "${request.customerId}" has no active subscription`);
  const { charge } = await priceRequest(deps, plan, request, sub, now);
  return {
    ...(charge.cost !== undefined ? { cost: charge.cost } : {}),
    ...(charge.credits !== undefined ? { credits: charge.credits } : {}),
  };
}
