/** `Customer.usageHistory`: usage per feature for the customer's periods (core/usage/history.ts). */
import { SCALE } from "../core/money";
import { usageHistory, type PeriodUsage } from "../core/usage/history";
import { builder } from "./builder";
import { CustomerRef } from "./customers";

const PeriodFeatureUsageRef = builder.objectRef<PeriodUsage["features"][number]>("PeriodFeatureUsage").implement({
  fields: (t) => ({
    feature: t.exposeID("feature"),
    events: t.field({ type: "Decimal", description: "How many usage events.", resolve: (u) => u.events * SCALE }),
    used: t.field({ type: "Decimal", description: "Units recorded (tokens for AI models).", resolve: (u) => u.used }),
    cost: t.field({ type: "Money", description: "Money the events charged (BALANCE plans).", resolve: (u) => u.cost }),
    credits: t.field({
      type: "Decimal",
      description: "Credits the events burned (CREDITS plans).",
      resolve: (u) => u.credits,
    }),
  }),
});

const PeriodUsageRef = builder.objectRef<PeriodUsage>("PeriodUsage").implement({
  fields: (t) => ({
    periodStart: t.field({ type: "DateTime", resolve: (p) => new Date(p.periodStart) }),
    features: t.field({ type: [PeriodFeatureUsageRef], resolve: (p) => p.features }),
  }),
});

builder.objectField(CustomerRef, "usageHistory", (t) =>
  t.field({
    type: [PeriodUsageRef],
    description:
      "Usage per feature for the newest `periods` billing periods (1 to 36), newest first, the current one included: summed from the usage events within seconds of their tracking (the table's stream). Overage and invoices of a closed period are on its invoice.",
    args: { periods: t.arg.int({ defaultValue: 12 }) },
    resolve: (c, a, { deps }) => usageHistory(deps, c.id, a.periods ?? 12),
  }),
);
