/** Adjustments (design section 14): corrections of a period's usage and free credits, admin only. */
import { adjustUsage } from "../core/usage/adjust";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { FeatureUsageRef } from "./customers";

builder.mutationFields((t) => ({
  adjustUsage: t.field({
    type: FeatureUsageRef,
    authScopes: adminOnly,
    description:
      "A signed correction of this period's usage, recorded as an event with its reason. Never below zero (BAD_USER_INPUT); idempotent by key.",
    args: {
      customerId: t.arg.id({ required: true }),
      feature: t.arg.id({ required: true }),
      delta: t.arg({ type: "Decimal", required: true }),
      reason: t.arg.string({ required: true }),
      idempotencyKey: t.arg.id({ required: true }),
    },
    resolve: (_, a, { deps }) => adjustUsage(deps, a),
  }),
}));
