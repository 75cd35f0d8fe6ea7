import { upcomingInvoice } from "../core/periods/upcoming";
import { previewPlanChange } from "../core/subscriptions/preview";
import type { InvoiceDraft } from "../core/invoices/invoice";
import { adminOrCustomer } from "./auth";
import { builder } from "./builder";
import { InvoiceLineRef } from "./invoices";
import { ChangeTimingEnum } from "./subscriptions";

const InvoicePreviewRef = builder.objectRef<InvoiceDraft>("InvoicePreview").implement({
  description: "An invoice that has not been issued: exact lines and totals, no number, nothing written.",
  fields: (t) => ({
    currency: t.exposeString("currency"),
    periodStart: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.periodStart ?? null }),
    periodEnd: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.periodEnd ?? null }),
    lines: t.field({ type: [InvoiceLineRef], resolve: (i) => i.lines }),
    subtotal: t.field({ type: "Money", resolve: (i) => i.subtotal }),
    total: t.field({ type: "Money", description: "Never below zero.", resolve: (i) => i.total }),
    creditedToAccount: t.field({
      type: "Money",
      description: "What a subtotal below zero would add to the customer's accountCredit (0.00 otherwise).",
      resolve: (i) => i.creditedToAccount,
    }),
  }),
});

builder.queryFields((t) => ({
  upcomingInvoice: t.field({
    type: InvoicePreviewRef,
    nullable: true,
    authScopes: (_, a) => adminOrCustomer(a.customerId),
    description:
      "The invoice this customer's period close would issue if it ran now (usage so far, the next period's base fee); null without an active subscription or when the close would issue none. Writes nothing.",
    args: { customerId: t.arg.id({ required: true }) },
    resolve: async (_, a, { deps }) => (await upcomingInvoice(deps, a.customerId)) ?? null,
  }),
  previewPlanChange: t.field({
    type: InvoicePreviewRef,
    authScopes: (_, a) => adminOrCustomer(a.customerId),
    description:
      "What changePlan with these arguments would invoice now (IMMEDIATE), or the renewal invoice it leads to (PERIOD_END), computed by the same code; the same errors as changePlan. Writes nothing.",
    args: {
      customerId: t.arg.id({ required: true }),
      planCode: t.arg.id({ required: true }),
      timing: t.arg({ type: ChangeTimingEnum, defaultValue: "IMMEDIATE" }),
    },
    resolve: (_, a, { deps }) => previewPlanChange(deps, a.customerId, a.planCode, a.timing ?? "IMMEDIATE"),
  }),
}));
