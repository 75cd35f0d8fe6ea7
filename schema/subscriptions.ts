import { cancelSubscription, changePlan, subscribe } from "../core/subscriptions";
import { migrateSubscribers } from "../core/subscriptions/migrate";
import { findPlan } from "../core/plans";
import { inTrial, type Subscription } from "../core/wallet";
import { changePlanInPortal } from "../core/portal/operations";
import { adminOnly, adminOrPortal, portalCustomerOf } from "./auth";
import { builder } from "./builder";
import { PlanRef } from "./plans";

const SubscriptionStatusEnum = builder.enumType("SubscriptionStatus", {
  values: ["ACTIVE", "CANCELED", "TRIALING"] as const,
});

export const SubscriptionRef = builder.objectRef<Subscription>("Subscription").implement({
  fields: (t) => ({
    plan: t.field({ type: PlanRef, resolve: async (s, _, { deps }) => (await findPlan(deps, s.planCode))! }),
    status: t.field({
      type: SubscriptionStatusEnum,
      description: "TRIALING during a free trial (no base fee, no overage); ACTIVE once paid periods run.",
      resolve: (s) => (inTrial(s) ? "TRIALING" : s.status),
    }),
    trialEnd: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the free trial ends (or ended); null without one.",
      resolve: (s) => s.trialEnd ?? null,
    }),
    currentPeriodStart: t.field({ type: "DateTime", resolve: (s) => s.periodStart }),
    currentPeriodEnd: t.field({ type: "DateTime", resolve: (s) => s.periodEnd }),
    cancelAtPeriodEnd: t.exposeBoolean("cancelAtPeriodEnd"),
    scheduledPlan: t.field({
      type: PlanRef,
      nullable: true,
      resolve: async (s, _, { deps }) =>
        s.scheduledPlanCode ? ((await findPlan(deps, s.scheduledPlanCode)) ?? null) : null,
    }),
  }),
});

builder.mutationField("subscribe", (t) =>
  t.field({
    type: SubscriptionRef,
    authScopes: adminOnly,
    args: {
      customerId: t.arg.id({ required: true }),
      planCode: t.arg.id({ required: true }),
      trialDays: t.arg.int({
        description:
          "Days of free trial (0 to 730), instead of the plan's trialDays (which only a customer's first subscription gets).",
      }),
      skipTrial: t.arg.boolean({ defaultValue: false, description: "No trial, whatever the plan says." }),
      couponCode: t.arg.id({
        description: "A coupon redeemed with the subscription: it discounts the first base fee.",
      }),
    },
    resolve: (_, a, { deps }) =>
      subscribe(deps, a.customerId, a.planCode, {
        couponCode: a.couponCode ?? null,
        trialDays: a.trialDays ?? null,
        skipTrial: a.skipTrial ?? false,
      }),
  }),
);

export const ChangeTimingEnum = builder.enumType("ChangeTiming", { values: ["IMMEDIATE", "PERIOD_END"] as const });

builder.mutationFields((t) => ({
  changePlan: t.field({
    type: SubscriptionRef,
    // A portal session: keeping its plan at PERIOD_END, or moving within its plan group (core/portal/operations.ts).
    authScopes: (_, a) => adminOrPortal(a.customerId),
    description:
      "IMMEDIATE: close the period now (overage, a credit of basePrice x min(time left, grant left); a total below zero is issued as 0.00 and the rest becomes account credit) and start the new plan. PERIOD_END: switch at the next renewal.",
    args: {
      customerId: t.arg.id({ required: true }),
      planCode: t.arg.id({ required: true }),
      timing: t.arg({ type: ChangeTimingEnum, defaultValue: "IMMEDIATE" }),
    },
    resolve: (_, a, { deps, principal }) =>
      (portalCustomerOf(principal) ? changePlanInPortal : changePlan)(
        deps,
        a.customerId,
        a.planCode,
        a.timing ?? "IMMEDIATE",
      ),
  }),
  cancelSubscription: t.field({
    type: SubscriptionRef,
    // A portal session may cancel at period end only (undone by changePlan to the same plan).
    authScopes: (_, a) =>
      (a.timing ?? "PERIOD_END") === "PERIOD_END" && !a.prorate ? adminOrPortal(a.customerId) : adminOnly,
    description:
      "PERIOD_END (default): end at the period's close, whose invoice has overage only. IMMEDIATE: end now, with the overage so far; prorate: true also credits the unused base fee (basePrice x min(time left, grant left)).",
    args: {
      customerId: t.arg.id({ required: true }),
      timing: t.arg({ type: ChangeTimingEnum, defaultValue: "PERIOD_END" }),
      prorate: t.arg.boolean({
        defaultValue: false,
        description:
          "IMMEDIATE only: credit the unused part of the base fee. A total below zero is issued as 0.00 and the rest becomes account credit.",
      }),
    },
    resolve: (_, a, { deps }) => cancelSubscription(deps, a.customerId, a.timing ?? "PERIOD_END", a.prorate ?? false),
  }),
  migrateSubscribers: t.field({
    type: "Int",
    authScopes: adminOnly,
    description:
      "Moves every subscriber of fromPlan (those renewing into it) to toPlan, each as changePlan would (one scheduled to switch to fromPlan is rescheduled to toPlan; one canceling at period end is left alone). Stops after `limit` moves or about 20 seconds and returns how many this call moved: call again until it answers 0. Resumable and idempotent: a moved subscriber leaves fromPlan's list, so no subscriber is moved twice, also when two runs overlap.",
    args: {
      fromPlan: t.arg.id({ required: true }),
      toPlan: t.arg.id({ required: true }),
      timing: t.arg({ type: ChangeTimingEnum, defaultValue: "PERIOD_END" }),
      limit: t.arg.int({
        description: "At most this many moves in this call (1 to 100,000); default: no limit but time.",
      }),
    },
    resolve: (_, a, { deps }) =>
      migrateSubscribers(deps, a.fromPlan, a.toPlan, a.timing ?? "PERIOD_END", {
        ...(a.limit != null ? { limit: a.limit } : {}),
      }),
  }),
}));
