/** Adjustments: corrections of a period's usage and free credits, admin only. */
import { adjustUsage } from "../core/usage/adjust";
import { grantCredits } from "../core/credit-grants";
import { adjustQuota, setSeats } from "../core/levels";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { FeatureUsageRef } from "./customers";
import { WalletRef } from "./wallet";

builder.mutationFields((t) => ({
  adjustUsage: t.field({
    type: FeatureUsageRef,
    authScopes: adminOnly,
    description:
      "A signed correction of this period's usage, recorded as an event with its reason. Never below zero (BAD_USER_INPUT); idempotent by key. With a timestamp in a period that ended and is still in its grace for late events, that period is corrected (its invoice, issued at the grace end, bills it); before the current period otherwise: PERIOD_CLOSED.",
    args: {
      customerId: t.arg.id({ required: true }),
      feature: t.arg.id({ required: true }),
      delta: t.arg({ type: "Decimal", required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
      timestamp: t.arg({
        type: "DateTime",
        description: "When the corrected usage happened; default now. It picks the period corrected.",
      }),
    },
    resolve: (_, a, { deps }) => adjustUsage(deps, a),
  }),
  setSeats: t.field({
    type: FeatureUsageRef,
    authScopes: adminOnly,
    description:
      "Sets a SEATS feature's seats. Seats above what the period has paid for are invoiced at once, pro rata for the rest of the period (a SEATS line); fewer seats take effect at the next period. A whole number, never above the feature's limit (LIMIT_REACHED); idempotent by key.",
    args: {
      customerId: t.arg.id({ required: true }),
      feature: t.arg.id({ required: true }),
      count: t.arg({ type: "Decimal", required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => setSeats(deps, a),
  }),
  adjustQuota: t.field({
    type: FeatureUsageRef,
    authScopes: adminOnly,
    description:
      "Moves a QUOTA feature's level by a signed delta. Never below zero (BAD_USER_INPUT), never above the feature's limit (LIMIT_REACHED); the period bills its peak above included. Idempotent by key.",
    args: {
      customerId: t.arg.id({ required: true }),
      feature: t.arg.id({ required: true }),
      delta: t.arg({ type: "Decimal", required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => adjustQuota(deps, a),
  }),
  grantCredits: t.field({
    type: WalletRef,
    authScopes: adminOnly,
    description:
      "Free credits (promotional, support); with expiresAt they expire, and expiring credits are used first. CREDITS plans only; idempotent by key.",
    args: {
      customerId: t.arg.id({ required: true }),
      credits: t.arg({ type: "Decimal", required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
      expiresAt: t.arg({ type: "DateTime" }),
    },
    resolve: (_, a, { deps }) => grantCredits(deps, a),
  }),
}));
