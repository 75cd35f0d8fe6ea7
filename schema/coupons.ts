import { applyCoupon, archiveCoupon, createCoupon, findCoupon, listCoupons, removeCoupon } from "../core/coupons";
import type { AppliedCoupon, Coupon } from "../core/coupons/coupon";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { SubscriptionRef } from "./subscriptions";

const CouponDurationEnum = builder.enumType("CouponDuration", { values: ["ONCE", "REPEATING", "FOREVER"] as const });

export const CouponRef = builder.objectRef<Coupon>("Coupon").implement({
  description:
    "A discount of the base fee only (never overage, packs or top-ups), as a DISCOUNT line, never below zero.",
  fields: (t) => ({
    code: t.exposeID("code"),
    name: t.exposeString("name"),
    percentOffBps: t.int({
      nullable: true,
      description: "Discount in basis points of the base fee (2500 = 25%); exactly one of percentOffBps and amountOff.",
      resolve: (c) => c.percentOffBps ?? null,
    }),
    amountOff: t.field({ type: "Money", nullable: true, resolve: (c) => c.amountOff ?? null }),
    currency: t.string({ nullable: true, resolve: (c) => c.currency }),
    duration: t.field({ type: CouponDurationEnum, resolve: (c) => c.duration }),
    durationCycles: t.int({
      nullable: true,
      description: "REPEATING: how many invoices it discounts.",
      resolve: (c) => c.durationCycles ?? null,
    }),
    maxRedemptions: t.int({ nullable: true, resolve: (c) => c.maxRedemptions ?? null }),
    redemptions: t.exposeInt("redemptions"),
    expiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "Ends new redemptions only: subscriptions holding it keep it.",
      resolve: (c) => c.expiresAt ?? null,
    }),
    planCodes: t.field({ type: ["ID"], description: "Empty: every plan.", resolve: (c) => c.planCodes }),
    archived: t.exposeBoolean("archived"),
  }),
});

const AppliedCouponRef = builder.objectRef<AppliedCoupon>("AppliedCoupon").implement({
  fields: (t) => ({
    coupon: t.field({
      type: CouponRef,
      resolve: async (a, _, { deps }) => (await findCoupon(deps, a.code))!,
    }),
    remainingCycles: t.int({
      nullable: true,
      description: "REPEATING (and ONCE): discounted invoices left.",
      resolve: (a) => a.remainingCycles ?? null,
    }),
  }),
});

builder.objectField(SubscriptionRef, "coupon", (t) =>
  t.field({ type: AppliedCouponRef, nullable: true, resolve: (s) => s.coupon ?? null }),
);

const CreateCouponInput = builder.inputType("CreateCouponInput", {
  fields: (t) => ({
    code: t.id({ required: true }),
    name: t.string({ required: true }),
    percentOffBps: t.int(),
    amountOff: t.field({ type: "Money" }),
    currency: t.string({ defaultValue: "USD" }),
    duration: t.field({ type: CouponDurationEnum, required: true }),
    durationCycles: t.int(),
    maxRedemptions: t.int(),
    expiresAt: t.field({ type: "DateTime" }),
    planCodes: t.idList(),
  }),
});

builder.queryField("coupons", (t) =>
  t.field({
    type: [CouponRef],
    authScopes: adminOnly,
    args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
    resolve: (_, a, { deps }) => listCoupons(deps, a.includeArchived ?? false),
  }),
);

builder.mutationFields((t) => ({
  createCoupon: t.field({
    type: CouponRef,
    authScopes: adminOnly,
    args: { input: t.arg({ type: CreateCouponInput, required: true }) },
    resolve: (_, { input }, { deps }) => createCoupon(deps, input),
  }),
  archiveCoupon: t.field({
    type: CouponRef,
    authScopes: adminOnly,
    description: "Ends new redemptions; subscriptions holding the coupon keep their discount.",
    args: { code: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => archiveCoupon(deps, a.code),
  }),
  applyCoupon: t.field({
    type: SubscriptionRef,
    authScopes: adminOnly,
    description:
      "The subscription takes the coupon from its next base fee on (one redemption); the coupon it holds already changes nothing; another replaces it.",
    args: { customerId: t.arg.id({ required: true }), couponCode: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => applyCoupon(deps, a.customerId, a.couponCode),
  }),
  removeCoupon: t.field({
    type: SubscriptionRef,
    authScopes: adminOnly,
    description: "Drops the subscription's coupon (no redemption is given back); without one, changes nothing.",
    args: { customerId: t.arg.id({ required: true }) },
    resolve: (_, a, { deps }) => removeCoupon(deps, a.customerId),
  }),
}));
