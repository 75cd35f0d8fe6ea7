/**
 * Whether a coupon may be redeemed now on a plan, and the refusal when its redemption lost the race
 * for the last one (or it was archived meanwhile): BAD_USER_INPUT, naming why.
 */
import type { Deps } from "../deps";
import { DomainError } from "../errors";
import type { Plan } from "../plans/plan";
import { getCoupon } from "../db/coupons";
import type { Coupon } from "./coupon";

const refused = (message: string) => new DomainError("BAD_USER_INPUT", message);

/** The coupon `code`, if it can be redeemed on `plan` at `now`; BAD_USER_INPUT (or NOT_FOUND) naming why not. */
export async function redeemableCoupon(deps: Deps, code: string, plan: Plan, now: Date): Promise<Coupon> {
  const coupon = await getCoupon(deps.db, code);
  if (!coupon) throw new DomainError("NOT_FOUND", `coupon "${code}" not found`);
  if (coupon.archived) throw refused(`coupon "${code}" is archived and takes no new redemptions`);
  if (coupon.expiresAt && Date.parse(coupon.expiresAt) <= now.getTime())
    throw refused(`coupon "${code}" expired at ${coupon.expiresAt} and takes no new redemptions`);
  if (coupon.maxRedemptions !== undefined && coupon.redemptions >= coupon.maxRedemptions)
    throw refused(`coupon "${code}" has been redeemed its maxRedemptions (${coupon.maxRedemptions}) times`);
  if (coupon.planCodes.length && !coupon.planCodes.includes(plan.code))
    throw refused(`coupon "${code}" is for plans ${coupon.planCodes.join(", ")} only, not "${plan.code}"`);
  if (coupon.amountOff !== undefined && coupon.currency !== plan.currency)
    throw refused(`coupon "${code}" takes ${coupon.currency} off, and plan "${plan.code}" bills in ${plan.currency}`);
  return coupon;
}

/** The redemption's condition failed: the coupon took its last redemption, or was archived, meanwhile. */
export async function refuseRedemption(deps: Deps, code: string): Promise<never> {
  const coupon = await getCoupon(deps.db, code);
  if (coupon?.archived) throw refused(`coupon "${code}" is archived and takes no new redemptions`);
  throw refused(`coupon "${code}" has been redeemed its maxRedemptions (${coupon?.maxRedemptions}) times`);
}
