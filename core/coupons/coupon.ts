/**
 * Coupons: a discount of the **base fee only** (never overage, packs or top-ups), as a DISCOUNT line
 * of the invoice that bills the base fee. Either a percentage in basis points (2500 = 25%) or an
 * amount in one currency (at most the base fee: a discount never takes a line below zero). Duration:
 * ONCE (the next base fee), REPEATING (`durationCycles` base fees) or FOREVER. `maxRedemptions`
 * caps how many subscriptions may take it (counted exactly, in the redeeming transaction);
 * `expiresAt` ends new redemptions only (a subscription holding it keeps it); `planCodes` (empty:
 * every plan) restricts the plans it is redeemed on and discounts. Coupons are immutable but for
 * `archived`, which also ends new redemptions.
 */
import * as z from "../zod";
import type { Amount } from "../money";
import { CurrencySchema, IdSchema, NameSchema, PriceSchema } from "../validation";

export const CouponDuration = { ONCE: "ONCE", REPEATING: "REPEATING", FOREVER: "FOREVER" } as const;
export type CouponDuration = (typeof CouponDuration)[keyof typeof CouponDuration];

/** What a coupon discounts, as a subscription holds it (a copy: the coupon's terms never change). */
export type CouponTerms = {
  code: string;
  percentOffBps?: number;
  amountOff?: Amount;
  currency: string;
  duration: CouponDuration;
  /** Empty: every plan. */
  planCodes: string[];
};

export type Coupon = CouponTerms & {
  name: string;
  durationCycles?: number;
  maxRedemptions?: number;
  redemptions: number;
  expiresAt?: string;
  archived: boolean;
  createdAt: string;
};

/** A coupon on a subscription; `remainingCycles`: the base fees it still discounts (ONCE, REPEATING). */
export type AppliedCoupon = CouponTerms & { remainingCycles?: number };

export const CreateCouponInputSchema = z.object({
  code: IdSchema,
  name: NameSchema,
  percentOffBps: z.nullish(z.number().check(z.int(), z.gte(1), z.lte(10_000))),
  amountOff: z.nullish(PriceSchema.check(z.gt(0n, "must be greater than zero"))),
  currency: z.nullish(CurrencySchema),
  duration: z.enum(CouponDuration),
  durationCycles: z.nullish(z.number().check(z.int(), z.gte(1), z.lte(1000))),
  maxRedemptions: z.nullish(z.number().check(z.int(), z.gte(1), z.lte(1_000_000_000))),
  expiresAt: z.nullish(z.date()),
  planCodes: z.nullish(z.array(IdSchema).check(z.maxLength(100))),
});
export type CreateCouponInput = z.infer<typeof CreateCouponInputSchema>;

/** The coupon as a subscription takes it at redemption. */
export function appliedCoupon(coupon: Coupon): AppliedCoupon {
  return {
    code: coupon.code,
    ...(coupon.percentOffBps !== undefined ? { percentOffBps: coupon.percentOffBps } : {}),
    ...(coupon.amountOff !== undefined ? { amountOff: coupon.amountOff } : {}),
    currency: coupon.currency,
    duration: coupon.duration,
    planCodes: coupon.planCodes,
    ...(coupon.duration === "ONCE"
      ? { remainingCycles: 1 }
      : coupon.duration === "REPEATING"
        ? { remainingCycles: coupon.durationCycles ?? 1 }
        : {}),
  };
}
