import { archiveUsageAlert, createUsageAlert, usageAlerts, type UsageAlert } from "../core/alerts";
import type { AlertMetric, AlertRecurrence } from "../core/alerts/alert";
import { adminOnly } from "./auth";
import { builder } from "./builder";
import { CustomerRef } from "./customers";

const AlertMetricEnum = builder.enumType("AlertMetric", {
  values: {
    USAGE: { description: "One feature's usage this period; fires when reaching the threshold." },
    SPEND: { description: "Money spent this period (BALANCE plans); fires when reaching the threshold." },
    CREDITS_REMAINING: { description: "Credits left (CREDITS plans); fires when falling to the threshold or below." },
    BALANCE_REMAINING: { description: "Balance left (BALANCE plans); fires when falling to the threshold or below." },
  } satisfies Record<(typeof AlertMetric)[number], unknown>,
});

const AlertRecurrenceEnum = builder.enumType("AlertRecurrence", {
  values: {
    ONCE: { description: "Fires once, ever." },
    EVERY_PERIOD: {
      description: "Fires once per billing period; the *_REMAINING metrics also re-arm when funds arrive.",
    },
  } satisfies Record<(typeof AlertRecurrence)[number], unknown>,
});

const UsageAlertRef = builder.objectRef<UsageAlert>("UsageAlert").implement({
  description: "A custom threshold on a customer's usage or funds; fires the alert.triggered event.",
  fields: (t) => ({
    id: t.exposeID("id"),
    customerId: t.exposeID("customerId"),
    feature: t.id({
      nullable: true,
      description: "USAGE: the feature counted; null for the other metrics.",
      resolve: (a) => a.feature ?? null,
    }),
    metric: t.field({ type: AlertMetricEnum, resolve: (a) => a.metric }),
    threshold: t.field({
      type: "Decimal",
      description: "USAGE/SPEND fire when reaching it; *_REMAINING when falling to it or below.",
      resolve: (a) => a.threshold,
    }),
    recurrence: t.field({ type: AlertRecurrenceEnum, resolve: (a) => a.recurrence }),
    lastTriggeredAt: t.field({ type: "DateTime", nullable: true, resolve: (a) => a.lastTriggeredAt ?? null }),
    archived: t.exposeBoolean("archived"),
    createdAt: t.field({ type: "DateTime", resolve: (a) => a.createdAt }),
  }),
});

const CreateUsageAlertInput = builder.inputType("CreateUsageAlertInput", {
  fields: (t) => ({
    customerId: t.id({ required: true }),
    feature: t.id(),
    metric: t.field({ type: AlertMetricEnum, required: true }),
    threshold: t.field({ type: "Decimal", required: true }),
    recurrence: t.field({ type: AlertRecurrenceEnum, defaultValue: "EVERY_PERIOD" }),
  }),
});

builder.objectField(CustomerRef, "usageAlerts", (t) =>
  t.field({
    type: [UsageAlertRef],
    description: "The customer's alerts, oldest first; archived ones too (the 20 most recently archived).",
    resolve: (c, _, { deps }) => usageAlerts(deps, c.id),
  }),
);

builder.mutationField("createUsageAlert", (t) =>
  t.field({
    type: UsageAlertRef,
    description: `At most 20 alerts per customer that are not archived. An alert whose metric is already past its threshold fires at the next usage that moves the metric.`,
    authScopes: adminOnly,
    args: { input: t.arg({ type: CreateUsageAlertInput, required: true }) },
    resolve: (_, { input }, { deps }) => createUsageAlert(deps, input),
  }),
);

builder.mutationField("archiveUsageAlert", (t) =>
  t.field({
    type: UsageAlertRef,
    description: "Stops the alert for good (it stays listed); archiving an archived alert changes nothing.",
    authScopes: adminOnly,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { deps }) => archiveUsageAlert(deps, String(id)),
  }),
);
